using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace Codomyrmex.Scheduler.Cli.Jobs;

/// <summary>
/// Reads a jobs file in either format: JSON by its <c>.json</c> extension or a leading <c>{</c>, a crontab otherwise; a system
/// crontab (a user column after the schedule) when asked or by its place, <c>/etc/crontab</c> and <c>/etc/cron.d/*</c>.
/// </summary>
/// <remarks>
/// A jobs file is text that people write: at most <see cref="MaxBytes"/> bytes (so that a device or a wrong file such as
/// <c>/dev/zero</c> is refused rather than read until memory runs out) of strict UTF-8 (a byte that is not UTF-8, such as a
/// Latin-1 <c>é</c>, is an error at its line and column rather than a character guessed or replaced).
/// </remarks>
internal static class JobsFileReader
{
    /// <summary>The largest jobs file read: 4 MiB, far above any real one.</summary>
    public const int MaxBytes = 4 * 1024 * 1024;

    /// <summary>Reads the file at <paramref name="path"/>.</summary>
    /// <param name="path">The file.</param>
    /// <param name="format">How to read it, or <see langword="null"/> to tell by its name and content.</param>
    /// <param name="system">Whether it is a system crontab; it is also taken as one when it is <c>/etc/crontab</c> or in <c>/etc/cron.d</c>.</param>
    public static JobsFileResult Read(string path, JobsFileFormat? format = null, bool system = false)
    {
        system |= IsSystemCrontabPath(path);
        byte[] bytes;
        try
        {
            if (Directory.Exists(path))
            {
                return Failed("it is a folder, not a file.");
            }

            if (FileTypes.Special(path) is { } kind)
            {
                // Opening a FIFO waits for a writer, and a device never ends: refuse before opening.
                return Failed($"it is {kind}, not a file.");
            }

            bytes = ReadLimited(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return Failed("cannot read the file: " + e.Message);
        }

        return Parse(path, bytes, format, system);

        JobsFileResult Failed(string message) =>
            new(format ?? FormatOf(path, []), null, [new FileError(0, 0, message)]);
    }

    /// <summary>Reads jobs from the bytes of a file (at most <see cref="MaxBytes"/> of them count).</summary>
    /// <param name="path">The file's name, for the format and the messages.</param>
    /// <param name="bytes">Its content.</param>
    /// <param name="format">How to read it, or <see langword="null"/> to tell by its name and content.</param>
    /// <param name="system">Whether it is a system crontab (a user column after the schedule).</param>
    public static JobsFileResult Parse(string path, byte[] bytes, JobsFileFormat? format, bool system)
    {
        JobsFileFormat actual = format ?? FormatOf(path, bytes);
        if (system && actual == JobsFileFormat.Json)
        {
            return new JobsFileResult(actual, null, [new FileError(0, 0,
                "this is a JSON jobs file, but a system crontab was asked for (--system, or a file in /etc/cron.d); a system crontab is a crontab.")]);
        }

        if (bytes.Length > MaxBytes)
        {
            return new JobsFileResult(actual, null, [new FileError(0, 0, string.Create(CultureInfo.InvariantCulture,
                $"the file is larger than {MaxBytes / 1024 / 1024} MiB, the most schedctl reads; a jobs file is text people write (is this the right file?)."))]);
        }

        // A byte order mark is not content; dropping it keeps line 1's columns right.
        byte[] text = bytes.AsSpan().StartsWith("\uFEFF"u8) ? bytes[3..] : bytes;
        if (InvalidUtf8(text) is { } bad)
        {
            (int line, int column) = TextPositions.Of(text, bad);
            return new JobsFileResult(actual, null, [new FileError(line, column, string.Create(CultureInfo.InvariantCulture,
                $"the byte 0x{text[bad]:X2} is not UTF-8; save the file as UTF-8 (is it Latin-1, UTF-16 or not text at all?)."))]);
        }

        return actual == JobsFileFormat.Json
            ? JsonJobsReader.Read(path, text)
            : CrontabReader.Read(path, Encoding.UTF8.GetString(text), system);
    }

    /// <summary>Whether a path is where cron keeps system crontabs, whose lines have a user column.</summary>
    public static bool IsSystemCrontabPath(string path)
    {
        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return false;
        }

        return full == "/etc/crontab" || Path.GetDirectoryName(full) == "/etc/cron.d";
    }

    /// <summary>Reads at most one byte more than <see cref="MaxBytes"/>, so that an endless device ends the read.</summary>
    private static byte[] ReadLimited(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(MaxBytes + 1);
        try
        {
            int length = 0;
            int read;
            while (length < MaxBytes + 1 && (read = stream.Read(buffer, length, MaxBytes + 1 - length)) > 0)
            {
                length += read;
            }

            return buffer[..length];
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The offset of the first byte that is not part of well-formed UTF-8, or <see langword="null"/>.</summary>
    private static int? InvalidUtf8(ReadOnlySpan<byte> utf8)
    {
        Span<char> chars = stackalloc char[1024];
        int offset = 0;
        while (offset < utf8.Length)
        {
            OperationStatus status = Utf8.ToUtf16(utf8[offset..], chars, out int read, out _, replaceInvalidSequences: false);
            offset += read;
            if (status is OperationStatus.InvalidData or OperationStatus.NeedMoreData)
            {
                return offset;
            }
        }

        return null;
    }

    private static JobsFileFormat FormatOf(string path, byte[] bytes)
    {
        if (Path.GetExtension(path).Equals(".json", StringComparison.OrdinalIgnoreCase))
        {
            return JobsFileFormat.Json;
        }

        foreach (byte b in bytes)
        {
            if (!char.IsWhiteSpace((char)b) && b is not (0xEF or 0xBB or 0xBF))
            {
                return b == '{' ? JobsFileFormat.Json : JobsFileFormat.Crontab;
            }
        }

        return JobsFileFormat.Crontab;
    }
}
