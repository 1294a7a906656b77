namespace Codomyrmex.Scheduler.Cli.Tests;

/// <summary>A fresh folder for one test's files (jobs file, store), deleted with everything in it.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder() => Path = Directory.CreateTempSubdirectory("schedctl-run-").FullName;

    public string Path { get; }

    /// <summary>Writes a file into the folder and returns its full path.</summary>
    public string Write(string name, string text)
    {
        string path = System.IO.Path.Combine(Path, name);
        File.WriteAllText(path, text.ReplaceLineEndings("\n"));
        return path;
    }

    public string this[string name] => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
