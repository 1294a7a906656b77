using System.Text.Json;
using Codomyrmex.Scheduler.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace Codomyrmex.Scheduler.Mcp.Tests.Tools;

/// <summary>The cap on live jobs created through MCP counts the store's jobs of the MCP source, whichever process created them.</summary>
public sealed class JobCapTests
{
    [Fact]
    public async Task ScheduleJob_TheCapCountsTheWholeStore_NotOneServersOwnJobs()
    {
        string folder = Directory.CreateTempSubdirectory("mcp-cap-").FullName;
        string path = Path.Combine(folder, "store.db");
        var clock = new FakeTimeProvider(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        try
        {
            await using Scheduler first = Open(path, clock);
            await using Scheduler second = Open(path, clock);
            var firstTools = Tools(first);
            var secondTools = Tools(second);

            Assert.False((await InProcessTools.CallAsync(firstTools["schedule_job"], Call("a"))).IsError);
            Assert.False((await InProcessTools.CallAsync(secondTools["schedule_job"], Call("b"))).IsError);

            // Two live MCP jobs are in the store: neither server may add a third, though each created only one.
            foreach (var tools in new[] { firstTools, secondTools })
            {
                (JsonElement refused, bool isError) = await InProcessTools.CallAsync(tools["schedule_job"], Call("c"));
                Assert.True(isError);
                Assert.Equal("This server allows at most 2 live jobs created through MCP, and 2 are pending or running; cancel one first.",
                    refused.GetProperty("error").GetString());
            }

            Assert.Equal(2, (await first.ListJobsAsync(new JobQuery { Limit = 10 }, TestContext.Current.CancellationToken)).Total);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static Scheduler Open(string path, TimeProvider clock) =>
        new(new SchedulerOptions { Store = new SqliteJobStore(path), TimeProvider = clock, TimeZone = TimeZoneInfo.Utc });

    private static Dictionary<string, ModelContextProtocol.Server.McpServerTool> Tools(Scheduler scheduler)
    {
        scheduler.RegisterTask("report", () => { });
        var options = new SchedulerMcpOptions { MaxJobs = 2 };
        options.Tasks.Add(new SchedulerMcpTask { Name = "report" });
        return SchedulerMcpTools.Create(scheduler, options).ToDictionary(tool => tool.ProtocolTool.Name);
    }

    private static string Call(string name) => $$$"""{"name": "{{{name}}}", "task": "report", "trigger_type": "interval", "trigger_config": {"hours": 1}}""";
}
