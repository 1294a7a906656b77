using System.Diagnostics;

namespace Codomyrmex.Scheduler.Cli.Tests;

/// <summary>Run lines are coloured on a terminal only: the real schedctl under <c>script</c>, which gives it a pseudo-terminal.</summary>
public sealed class RunCommandColourTests
{
    private const string Green = "\u001b[32m";

    /// <summary>One run that ends schedctl itself: the command signals its wrapper's parent, schedctl, with SIGTERM.</summary>
    private const string OneRunThenStop = """
        { "jobs": [ { "name": "hi", "schedule": "* * * * * *", "shell": true, "max_runs": 1,
                      "command": "echo hi; kill -TERM $(cut -d' ' -f4 /proc/$PPID/stat)" } ] }
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(null, "xterm", true)]
    [InlineData("1", "xterm", false)]
    [InlineData("", "xterm", true)]
    [InlineData(null, "dumb", false)]
    public async Task Run_OnATerminal_ColoursTheOutcome_UnlessNoColorOrADumbTerminal(string? noColor, string term, bool coloured)
    {
        using var folder = new TempFolder();
        folder.Write("jobs.json", OneRunThenStop);
        ProcessStartInfo schedctl = Schedctl.StartInfo(["run", "jobs.json", "--store", "sqlite:state.db"]);
        var start = new ProcessStartInfo("script") { RedirectStandardOutput = true, UseShellExecute = false, WorkingDirectory = folder.Path };
        start.ArgumentList.Add("-qec");
        start.ArgumentList.Add(string.Join(' ', new[] { schedctl.FileName }.Concat(schedctl.ArgumentList).Select(arg => $"'{arg}'")));
        start.ArgumentList.Add("/dev/null");
        start.Environment.Remove("NO_COLOR");
        if (noColor is not null)
        {
            start.Environment["NO_COLOR"] = noColor;
        }

        start.Environment["TERM"] = term;
        using Process script = Process.Start(start)!;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        string output = await script.StandardOutput.ReadToEndAsync(timeout.Token);
        await script.WaitForExitAsync(timeout.Token);

        string line = Assert.Single(output.Split('\n'), l => l.Contains(" hi  exit 0", StringComparison.Ordinal));
        Assert.Equal(coloured, line.Contains(Green + "ok", StringComparison.Ordinal));
        Assert.Equal(coloured, line.Contains('\u001b', StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_WithItsOutputRedirected_WritesNoColour()
    {
        using var folder = new TempFolder();
        folder.Write("jobs.json", OneRunThenStop);
        await using RunningSchedctl run = RunningSchedctl.Start(folder.Path, "run", "jobs.json", "--store", "sqlite:state.db");
        Assert.Equal(0, await run.ExitCodeAsync());
        string line = Assert.Single(run.Output, l => l.Contains(" hi  exit 0", StringComparison.Ordinal));
        Assert.DoesNotContain('\u001b', line);
        Assert.Contains(" ok ", line, StringComparison.Ordinal);
    }
}
