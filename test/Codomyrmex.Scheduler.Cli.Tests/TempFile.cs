namespace Codomyrmex.Scheduler.Cli.Tests;

/// <summary>A file with the given text in a fresh folder, deleted with it.</summary>
internal sealed class TempFile : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("schedctl-tests-").FullName;

    public TempFile(string name, string text)
    {
        Path = System.IO.Path.Combine(_folder, name);
        File.WriteAllText(Path, text.ReplaceLineEndings("\n"));
    }

    public string Path { get; }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
