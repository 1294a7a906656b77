using System.Diagnostics;
using System.Text.Json;
using ModelContextProtocol.Client;

namespace Codomyrmex.Scheduler.Mcp.Tests.Commands;

/// <summary><c>schedctl mcp</c> over stdio, driven by the SDK's client: every tool, and jobs that really run.</summary>
public sealed class McpCommandTests(StdioServerFixture fixture) : IClassFixture<StdioServerFixture>
{
    private McpServerProcess Server => fixture.Server;

    [Fact]
    public async Task ListTools_EveryToolHasADescriptionAndAnObjectSchema()
    {
        IList<McpClientTool> tools = await Server.Client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(
            ["cancel_job", "explain_cron", "job_history", "job_status", "list_jobs", "list_tasks", "pause_job", "resume_job", "run_job_now", "schedule_job"],
            tools.Select(tool => tool.Name).Order(StringComparer.Ordinal));
        foreach (McpClientTool tool in tools)
        {
            Assert.False(string.IsNullOrWhiteSpace(tool.Description), tool.Name);
            Assert.Equal("object", tool.JsonSchema.GetProperty("type").GetString());
            Assert.False(tool.JsonSchema.GetProperty("additionalProperties").GetBoolean(), tool.Name);
        }

        JsonElement schedule = tools.Single(tool => tool.Name == "schedule_job").JsonSchema;
        Assert.Equal(["name", "task", "trigger_type", "trigger_config"], schedule.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task ListTasks_AreTheFileTasksWithTheirArgumentShapes()
    {
        McpServerProcess.Answer answer = await Server.CallAsync("list_tasks");

        Assert.False(answer.IsError, answer.ToString());
        JsonElement[] tasks = [.. answer.Json.GetProperty("tasks").EnumerateArray()];
        Assert.Equal(["echo", "sleeper", "fail"], tasks.Select(t => t.GetProperty("name").GetString()));
        Assert.Equal("Prints the greeting and the arguments.", tasks[0].GetProperty("description").GetString());
        Assert.True(tasks[0].GetProperty("takes_args").GetBoolean());
        Assert.Equal(["GREETING"], tasks[0].GetProperty("kwargs").EnumerateArray().Select(e => e.GetString()));
        Assert.False(tasks[2].GetProperty("takes_args").GetBoolean());
        Assert.Equal(JsonValueKind.Null, tasks[2].GetProperty("description").ValueKind);
    }

    [Fact]
    public async Task ScheduleJob_ThenRunJobNow_RunsTheCommandWithArgsAndKwargs_AndJobStatusShowsTheRun()
    {
        McpServerProcess.Answer scheduled = await Server.CallAsync("schedule_job", """
            {"name": "greet", "task": "echo", "trigger_type": "cron", "trigger_config": {"expression": "0 9 * * 1-5", "time_zone": "Europe/Berlin"},
             "args": ["world", 42], "kwargs": {"GREETING": "hi"}, "max_runs": 3}
            """);
        Assert.False(scheduled.IsError, scheduled.ToString());
        string id = scheduled.Json.GetProperty("job_id").GetString()!;
        Assert.Equal("greet", scheduled.Json.GetProperty("name").GetString());
        Assert.Equal("pending", scheduled.Json.GetProperty("status").GetString());
        DateTimeOffset next = DateTimeOffset.Parse(scheduled.Json.GetProperty("next_run").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(9, TimeZoneInfo.ConvertTime(next, TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin")).Hour);

        McpServerProcess.Answer run = await Server.CallAsync("run_job_now", $$"""{"job_id": "{{id}}"}""");
        Assert.False(run.IsError, run.ToString());
        Assert.True(run.Json.GetProperty("started").GetBoolean());

        JsonElement status = await Server.WaitForStatusAsync(id, s => s.GetProperty("run_count").GetInt32() == 1);
        Assert.Equal("greet", status.GetProperty("name").GetString());
        Assert.Equal("pending", status.GetProperty("status").GetString());
        Assert.Equal("cron", status.GetProperty("trigger_type").GetString());
        Assert.Equal(3, status.GetProperty("max_runs").GetInt32());
        Assert.Equal(JsonValueKind.Null, status.GetProperty("error").ValueKind);
        Assert.EndsWith("+00:00", status.GetProperty("created_at").GetString());
        JsonElement history = Assert.Single(status.GetProperty("history").EnumerateArray());
        Assert.Equal("succeeded", history.GetProperty("outcome").GetString());
        Assert.True(history.GetProperty("manual").GetBoolean());
        Assert.Contains("hi world 42", history.GetProperty("result").GetString());

        McpServerProcess.Answer page = await Server.CallAsync("job_history", $$"""{"job_id": "{{id}}", "limit": 5}""");
        Assert.Equal(1, page.Json.GetProperty("total").GetInt32());
        Assert.Equal(history.GetProperty("run_id").GetString(), Assert.Single(page.Json.GetProperty("runs").EnumerateArray()).GetProperty("run_id").GetString());
    }

    [Fact]
    public async Task RunJobNow_OfAFailingTask_RecordsTheFailure()
    {
        string id = await ScheduleAsync("failing", "fail", """{"hours": 1}""", "interval");

        await Server.CallAsync("run_job_now", $$"""{"job_id": "{{id}}"}""");

        JsonElement status = await Server.WaitForStatusAsync(id, s => s.GetProperty("history").GetArrayLength() == 1);
        Assert.Contains("3", status.GetProperty("error").GetString());
        Assert.Equal("failed", status.GetProperty("history")[0].GetProperty("outcome").GetString());
        Assert.Equal(0, status.GetProperty("run_count").GetInt32());
    }

    [Fact]
    public async Task CancelJob_StopsTheRunningCommand_AndCancellingTwiceAnswersTrueBothTimes()
    {
        string id = await ScheduleAsync("nap", "sleeper", """{"days": 1}""", "interval");
        string pidFile = Path.Combine(Server.Folder, "sleeper.pid");

        await Server.CallAsync("run_job_now", $$"""{"job_id": "{{id}}"}""");
        int pid = await ReadPidAsync(pidFile);
        Assert.True(IsAlive(pid));

        McpServerProcess.Answer first = await Server.CallAsync("cancel_job", $$"""{"job_id": "{{id}}"}""");
        Assert.True(first.Json.GetProperty("cancelled").GetBoolean());
        Assert.Equal(id, first.Json.GetProperty("job_id").GetString());

        JsonElement status = await Server.WaitForStatusAsync(id, s => s.GetProperty("history").GetArrayLength() == 1);
        Assert.Equal("cancelled", status.GetProperty("status").GetString());
        Assert.Equal("cancelled", status.GetProperty("history")[0].GetProperty("outcome").GetString());
        Assert.False(IsAlive(pid), $"the command (pid {pid}) still runs after its run was recorded");

        McpServerProcess.Answer second = await Server.CallAsync("cancel_job", $$"""{"job_id": "{{id}}"}""");
        Assert.True(second.Json.GetProperty("cancelled").GetBoolean());
        McpServerProcess.Answer unknown = await Server.CallAsync("cancel_job", """{"job_id": "no-such-job"}""");
        Assert.False(unknown.IsError);
        Assert.False(unknown.Json.GetProperty("cancelled").GetBoolean());
    }

    [Fact]
    public async Task ListJobs_PagesAndFilters_AndCountsEveryMatch()
    {
        for (int i = 0; i < 3; i++)
        {
            await ScheduleAsync($"page-{i}", "echo", """{"minutes": 5}""", "interval");
        }

        McpServerProcess.Answer all = await Server.CallAsync("list_jobs", """{"status": "pending", "limit": 1000}""");
        int total = all.Json.GetProperty("total").GetInt32();
        Assert.Equal(total, all.Json.GetProperty("jobs").GetArrayLength());
        Assert.Contains(all.Json.GetProperty("jobs").EnumerateArray(), job => job.GetProperty("name").GetString() == "tick");

        McpServerProcess.Answer page = await Server.CallAsync("list_jobs", """{"status": "pending", "limit": 2, "offset": 1}""");
        Assert.Equal(total, page.Json.GetProperty("total").GetInt32());
        JsonElement[] jobs = [.. page.Json.GetProperty("jobs").EnumerateArray()];
        Assert.Equal(2, jobs.Length);
        Assert.Equal(all.Json.GetProperty("jobs")[1].GetProperty("job_id").GetString(), jobs[0].GetProperty("job_id").GetString());
        foreach (string field in new[] { "job_id", "name", "status", "trigger_type", "next_run", "run_count", "last_run" })
        {
            Assert.True(jobs[0].TryGetProperty(field, out _), field);
        }

        McpServerProcess.Answer completed = await Server.CallAsync("list_jobs", """{"status": "COMPLETED"}""");
        Assert.All(completed.Json.GetProperty("jobs").EnumerateArray(), job => Assert.Equal("completed", job.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task PauseAndResume_AreShownInJobStatus()
    {
        string id = await ScheduleAsync("pausable", "echo", """{"minutes": 10}""", "interval");

        McpServerProcess.Answer paused = await Server.CallAsync("pause_job", $$"""{"job_id": "{{id}}"}""");
        Assert.True(paused.Json.GetProperty("paused").GetBoolean(), paused.ToString());
        Assert.True((await Server.WaitForStatusAsync(id, _ => true)).GetProperty("paused").GetBoolean());

        McpServerProcess.Answer resumed = await Server.CallAsync("resume_job", $$"""{"job_id": "{{id}}"}""");
        Assert.False(resumed.Json.GetProperty("paused").GetBoolean(), resumed.ToString());
    }

    [Fact]
    public async Task ExplainCron_SaysItInEnglish_AndListsTheNextRunsInTheZone()
    {
        McpServerProcess.Answer answer = await Server.CallAsync("explain_cron",
            """{"expression": "0 9 * * 1-5", "time_zone": "America/New_York", "count": 3}""");

        Assert.False(answer.IsError, answer.ToString());
        Assert.Equal("At 09:00 on every day-of-week from Monday through Friday.", answer.Json.GetProperty("description").GetString());
        Assert.Equal("America/New_York", answer.Json.GetProperty("time_zone").GetString());
        string[] next = [.. answer.Json.GetProperty("next_runs").EnumerateArray().Select(e => e.GetString()!)];
        Assert.Equal(3, next.Length);
        Assert.All(next, time => Assert.Matches(@"T09:00:00-0[45]:00$", time));
    }

    [Fact]
    public async Task JobStatus_OfAnUnknownJob_IsTheDocumentedError()
    {
        McpServerProcess.Answer answer = await Server.CallAsync("job_status", """{"job_id": "nope"}""");

        Assert.True(answer.IsError);
        Assert.Equal("""{"error":"Job not found: nope"}""", answer.Json.GetRawText());
    }

    private async Task<string> ScheduleAsync(string name, string task, string config, string type)
    {
        McpServerProcess.Answer answer = await Server.CallAsync("schedule_job",
            $$"""{"name": "{{name}}", "task": "{{task}}", "trigger_type": "{{type}}", "trigger_config": {{config}}}""");
        Assert.False(answer.IsError, answer.ToString());
        return answer.Json.GetProperty("job_id").GetString()!;
    }

    private static async Task<int> ReadPidAsync(string path)
    {
        var clock = Stopwatch.StartNew();
        while (!(File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), out _)))
        {
            Assert.True(clock.Elapsed < McpServerProcess.Patience, "the command never wrote its pid");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        return int.Parse(File.ReadAllText(path).Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Whether a process with this id exists and is not a zombie.</summary>
    internal static bool IsAlive(int pid)
    {
        string stat = $"/proc/{pid}/stat";
        try
        {
            return File.Exists(stat) && File.ReadAllText(stat).Split(')')[^1].Trim()[0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
