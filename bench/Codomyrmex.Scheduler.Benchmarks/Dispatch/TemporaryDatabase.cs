namespace Codomyrmex.Scheduler.Benchmarks.Dispatch;

/// <summary>A fresh SQLite file name in the temporary folder, and everything SQLite and the stores keep beside it, deleted on dispose.</summary>
internal sealed class TemporaryDatabase : IDisposable
{
    private static readonly string[] Companions = ["", "-wal", "-shm", "-journal", ".lock"];

    public TemporaryDatabase(string library)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"bench-{library}-{Guid.NewGuid():N}.db");
    }

    public string Path { get; }

    /// <summary>Gets the size of the file and its write-ahead log, in bytes.</summary>
    public long Bytes => Companions[..2].Sum(suffix => new FileInfo(Path + suffix) is { Exists: true } file ? file.Length : 0);

    public void Dispose()
    {
        foreach (string suffix in Companions)
        {
            File.Delete(Path + suffix);
        }
    }
}
