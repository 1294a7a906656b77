using System.Text;

namespace Codomyrmex.Scheduler.Cli.Jobs;

/// <summary>Reads a jobs file in either format: JSON by its <c>.json</c> extension or a leading <c>{</c>, a crontab otherwise.</summary>
internal static class JobsFileReader
{
    public static JobsFileResult Read(string path, JobsFileFormat? format = null)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return new JobsFileResult(format ?? FormatOf(path, []), null, [new FileError(0, 0, "cannot read the file: " + e.Message)]);
        }

        return (format ?? FormatOf(path, bytes)) == JobsFileFormat.Json
            ? JsonJobsReader.Read(path, bytes)
            : CrontabReader.Read(path, new UTF8Encoding(false).GetString(bytes).TrimStart('\uFEFF'));
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
