using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;

namespace Codomyrmex.Scheduler.Mcp.Tests.Commands;

/// <summary>
/// A failure that is not the caller's: the store's history table dropped under a running <c>schedctl mcp</c>. The agent gets
/// only the fixed message and a correlation id; the server's log has the same id with the exception.
/// </summary>
public sealed partial class InternalErrorTests
{
    [Fact]
    public async Task ATool_WhoseStoreFails_AnswersTheFixedMessageWithAnId_AndTheLogHasTheSameIdWithTheCause()
    {
        await using McpServerProcess server = await McpServerProcess.StartAsync("""{"tasks": {"noop": {"command": ["true"]}}}""");
        McpServerProcess.Answer scheduled = await server.CallAsync("schedule_job",
            """{"name": "doomed", "task": "noop", "trigger_type": "cron", "trigger_config": {"expression": "0 9 * * *"}}""");
        Assert.False(scheduled.IsError, scheduled.ToString());
        string id = scheduled.Json.GetProperty("job_id").GetString()!;

        // Another connection to the same file drops the run history, as a careless operator or a damaged file would.
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(server.Folder, "store.db")};Default Timeout=30;Pooling=False"))
        {
            connection.Open();
            using SqliteCommand drop = connection.CreateCommand();
            drop.CommandText = "DROP TABLE runs;";
            drop.ExecuteNonQuery();
        }

        McpServerProcess.Answer answer = await server.CallAsync("job_history", $$"""{"job_id": "{{id}}"}""");

        Assert.True(answer.IsError, answer.ToString());
        string error = Assert.Single(answer.Json.EnumerateObject(), p => p.Name == "error").Value.GetString()!;
        Match match = FixedMessage().Match(error);
        Assert.True(match.Success, error);
        foreach (string detail in new[] { "SQLite", "runs", "table", "store.db", server.Folder, "Exception", "   at " })
        {
            Assert.DoesNotContain(detail, error, StringComparison.Ordinal);
        }

        // The log line is written before the answer, but stderr arrives on its own pipe: wait for it.
        string correlation = match.Groups[1].Value;
        var clock = Stopwatch.StartNew();
        while (!server.Error.Contains($"(id {correlation})", StringComparison.Ordinal))
        {
            Assert.True(clock.Elapsed < McpServerProcess.Patience, $"the log never named id {correlation}:\n{server.Error}");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        string log = server.Error[server.Error.IndexOf($"(id {correlation})", StringComparison.Ordinal)..];
        Assert.Contains("job_history", server.Error, StringComparison.Ordinal);
        Assert.Contains("no such table: runs", log, StringComparison.Ordinal);

        // The server goes on answering what does not need the lost table.
        McpServerProcess.Answer list = await server.CallAsync("list_jobs");
        Assert.False(list.IsError, list.ToString());
        Assert.Equal(1, list.Json.GetProperty("total").GetInt32());
    }

    [GeneratedRegex(@"^Internal error: the scheduler could not do that; see the server's log \(id ([0-9a-f]{12})\)\.$")]
    private static partial Regex FixedMessage();
}
