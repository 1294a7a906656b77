using System.Runtime.InteropServices;

namespace Codomyrmex.Scheduler.Cli;

/// <summary>
/// What kind of file a path names, read before it is opened: opening a FIFO blocks until a writer comes, and a device reads
/// forever, so schedctl refuses both instead of hanging. .NET has no API for a file's type, so this asks Linux's
/// <c>statx</c>.
/// </summary>
internal static class FileTypes
{
    private const int AtFdCwd = -100;
    private const uint StatxType = 1;
    private const int ModeOffset = 28;
    private const int BufferSize = 256;

    /// <summary>
    /// What the path is when it is neither a regular file nor a folder ("a FIFO", "a character device", "a block device",
    /// "a socket"), following symbolic links; <see langword="null"/> for a regular file, a folder, a path that does not
    /// exist, and wherever <c>statx</c> is unavailable (not Linux, or a C library older than glibc 2.28).
    /// </summary>
    public static string? Special(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        byte[] buffer = new byte[BufferSize];
        try
        {
            if (Statx(AtFdCwd, System.Text.Encoding.UTF8.GetBytes(path + "\0"), 0, StatxType, buffer) != 0)
            {
                return null;
            }
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return null;
        }

        int mode = BitConverter.ToUInt16(buffer, ModeOffset) & 0xF000;
        return mode switch
        {
            0x1000 => "a FIFO",
            0x2000 => "a character device",
            0x6000 => "a block device",
            0xC000 => "a socket",
            _ => null,
        };
    }

    /// <summary>The one sentence that refuses such a path, naming it: <c>'PATH' is a FIFO, not a file.</c></summary>
    public static string? Refusal(string path) => Special(path) is { } kind ? $"'{path}' is {kind}, not a file." : null;

    /// <summary><c>statx(2)</c>; the path is NUL-terminated UTF-8.</summary>
    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int directory, byte[] path, int flags, uint mask, byte[] buffer);
}
