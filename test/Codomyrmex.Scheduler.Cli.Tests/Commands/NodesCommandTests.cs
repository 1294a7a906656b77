using System.Text.Json;

namespace Codomyrmex.Scheduler.Cli.Tests;

/// <summary><c>schedctl nodes</c>: the live nodes of a store, from a real <c>schedctl run</c> process.</summary>
public sealed class NodesCommandTests
{
    [Fact]
    public async Task Nodes_WhileARunnerRuns_ListsIt_AndNotAfterItStops()
    {
        using var folder = new TempFolder();
        folder.Write("jobs.json", """
            { "jobs": [ { "name": "slow", "schedule": "* * * * * *", "shell": true, "command": "echo $$ > pid; sleep 60", "max_runs": 1 } ] }
            """);
        string store = "sqlite:" + folder["state.db"];
        await using RunningSchedctl run = RunningSchedctl.StartInOwnGroup(folder.Path, "run", "jobs.json", "--store", store, "--grace", "0s");
        await TestFiles.WaitForFileAsync(folder["pid"]);

        Schedctl.Result listed = await Schedctl.RunAsync("nodes", "--store", store, "--json");
        Schedctl.Result table = await Schedctl.RunAsync("nodes", "--store", store);

        Assert.True(listed.ExitCode == 0, listed.ToString());
        using (JsonDocument json = listed.Json())
        {
            JsonElement node = Assert.Single(json.RootElement.EnumerateArray().ToList());
            Assert.Equal(run.Id, node.GetProperty("pid").GetInt32());
            Assert.Equal(1, node.GetProperty("running_runs").GetInt32());
            Assert.StartsWith(node.GetProperty("name").GetString() + "/", node.GetProperty("instance_id").GetString(), StringComparison.Ordinal);
            Assert.Equal(Environment.MachineName, node.GetProperty("host").GetString());
        }

        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.StartsWith("INSTANCE", table.Lines[0], StringComparison.Ordinal);
        Assert.Contains(run.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), table.Lines[1], StringComparison.Ordinal);

        await run.SignalGroupAsync("TERM");
        await run.ExitCodeAsync();
        Schedctl.Result after = await Schedctl.RunAsync("nodes", "--store", store);
        Assert.True(after.ExitCode == 0, after.ToString());
        Assert.Equal("No live nodes: no scheduler has a current heartbeat in this store.", Assert.Single(after.Lines));
    }

    [Fact]
    public async Task Nodes_MemoryStore_OneLineExit1()
    {
        Schedctl.Result result = await Schedctl.RunAsync("nodes", "--store", "memory");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("schedctl: the memory store keeps nothing", result.Error, StringComparison.Ordinal);
    }
}
