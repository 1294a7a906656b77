using System.Diagnostics;

namespace Codomyrmex.Scheduler.Cli.Tests;

/// <summary>Files that commands of a test write, as signs that they have got so far.</summary>
internal static class TestFiles
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Waits until a command has written <paramref name="path"/> (it exists and is not empty: a file that a shell redirect
    /// has created but not yet written does not count) and returns its text, trimmed.
    /// </summary>
    public static async Task<string> WaitForFileAsync(string path)
    {
        var clock = Stopwatch.StartNew();
        while (!File.Exists(path) || new FileInfo(path).Length == 0)
        {
            Assert.True(clock.Elapsed < Patience, $"{path} never appeared.");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        return (await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken)).Trim();
    }
}
