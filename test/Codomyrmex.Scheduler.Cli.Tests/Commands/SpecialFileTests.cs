using System.Diagnostics;

namespace Codomyrmex.Scheduler.Cli.Tests;

/// <summary>A FIFO or a device given as a jobs file or a store is refused, naming it, instead of hanging schedctl.</summary>
public sealed class SpecialFileTests
{
    public static TheoryData<string, string> Cases()
    {
        var cases = new TheoryData<string, string>();
        foreach (string special in new[] { "FIFO", "/dev/zero" })
        {
            foreach (string use in new[] { "validate", "run", "run --store", "jobs list --store", "jobs pause --store" })
            {
                cases.Add(special, use);
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task AFifoOrADevice_IsRefused_NamingIt(string special, string use)
    {
        using var folder = new TempFolder();
        string jobs = folder.Write("jobs.json", """{ "jobs": [ { "name": "tick", "schedule": "@yearly", "command": ["true"] } ] }""");
        string path = special;
        if (special == "FIFO")
        {
            path = folder["fifo"];
            using Process mkfifo = Process.Start("mkfifo", [path]);
            await mkfifo.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.Equal(0, mkfifo.ExitCode);
        }

        string[] args = use switch
        {
            "validate" => ["validate", path],
            "run" => ["run", path, "--store", folder["state.db"]],
            "run --store" => ["run", jobs, "--store", path],
            "jobs list --store" => ["jobs", "list", "--store", path],
            _ => ["jobs", "pause", "tick", "--store", path],
        };
        Schedctl.Result result = await Schedctl.RunAsync(args);

        Assert.True(result.ExitCode == 1, result.ToString());
        string kind = special == "FIFO" ? "a FIFO" : "a character device";
        Assert.Contains(use.EndsWith("--store", StringComparison.Ordinal) ? $"'{path}' is {kind}, not a file." : $"{path}: it is {kind}, not a file.",
            result.Error + result.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(folder["state.db"]), "a store was made");
    }
}
