namespace Codomyrmex.Scheduler.Sqlite.Tests;

/// <summary>A fresh folder for a test's database files, deleted afterwards.</summary>
internal sealed class TempFolder : IDisposable
{
    private int _files;

    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "codomyrmex-sqlite-" + Guid.NewGuid().ToString("n")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string NewPath(string name = "jobs") => System.IO.Path.Combine(Path, $"{name}-{Interlocked.Increment(ref _files)}.db");

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A file still open in a child process that was killed a moment ago; the temp folder is cleaned by the OS.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
