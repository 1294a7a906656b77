using System.Globalization;
using System.Text.Json;
using Codomyrmex.Scheduler.Mcp.Tests.Tools;
using CsCheck;

namespace Codomyrmex.Scheduler.Mcp.Tests.Fuzz;

/// <summary>
/// Property: whatever arguments a tool is called with, it answers its contract or <c>{"error": "..."}</c> naming the problem,
/// never an internal error or an exception, and a refused call changes no job (none added, cancelled or paused).
/// </summary>
/// <remarks>Set MCP_FUZZ_ITER (for example to 200000) for a long in-process run.</remarks>
public sealed class ToolFuzzTests
{
    private static readonly long Iterations =
        long.TryParse(Environment.GetEnvironmentVariable("MCP_FUZZ_ITER"), CultureInfo.InvariantCulture, out long n) ? n : 3000;

    [Fact]
    public async Task AnyCall_InProcess_AnswersTheContractOrANamedError_AndARefusalChangesNoJob()
    {
        await using var tools = new InProcessTools();
        await tools.ScheduleAsync("seed");
        var outcomes = new Dictionary<string, string>(StringComparer.Ordinal);
        int calls = 0;

        await ToolCalls.Calls("report").SampleAsync(
            async call =>
            {
                // $ID names a live job three times in four (one is scheduled when all are cancelled), else any job.
                IReadOnlyList<Job> jobs = (await tools.Scheduler.ListJobsAsync(new JobQuery { Limit = 1000 }, TestContext.Current.CancellationToken)).Items;
                if (jobs.All(job => job.Status == JobStatus.Cancelled))
                {
                    await tools.ScheduleAsync("live-" + jobs.Count.ToString(CultureInfo.InvariantCulture));
                    jobs = (await tools.Scheduler.ListJobsAsync(new JobQuery { Limit = 1000 }, TestContext.Current.CancellationToken)).Items;
                }

                Job[] live = [.. jobs.Where(job => job.Status != JobStatus.Cancelled)];
                int n = ++calls;
                Job target = n % 4 == 0 ? jobs[n / 4 % jobs.Count] : live[n % live.Length];
                string arguments = call.Arguments.Replace("$ID", target.Id, StringComparison.Ordinal);
                string[] before = Snapshot(jobs);

                (JsonElement answer, bool isError) = await tools.CallAsync(call.Tool, arguments);

                ToolAnswers.AssertWellFormed(call.Tool, answer, isError);
                outcomes[call.Tool + (isError ? " refused" : " answered")] = answer.GetRawText();
                IReadOnlyList<Job> after = (await tools.Scheduler.ListJobsAsync(new JobQuery { Limit = 1000 }, TestContext.Current.CancellationToken)).Items;
                if (isError)
                {
                    Assert.Equal(before, Snapshot(after));
                }
                else if (call.Tool == "schedule_job")
                {
                    Assert.Equal(jobs.Count + 1, after.Count);
                    Assert.Contains(after, job => job.Id == answer.GetProperty("job_id").GetString() && job.Source == SchedulerMcpOptions.DefaultSource);
                }
            },
            iter: Iterations,
            threads: 1,
            print: call => call.Tool + " " + call.Arguments);

        // The calls reach both sides: every tool refuses, and every tool but schedule_job (whose four required fields must all be plausible at once) answers.
        foreach ((string tool, _) in ToolCalls.Tools)
        {
            Assert.True(outcomes.ContainsKey(tool + " refused"), tool + " never refused");
        }

        foreach (string tool in new[] { "list_jobs", "list_tasks", "explain_cron", "job_status", "cancel_job", "job_history", "run_job_now", "pause_job", "resume_job" })
        {
            Assert.True(outcomes.ContainsKey(tool + " answered"), tool + " never answered");
        }
    }

    [Fact]
    public async Task AnyCall_ThroughTheStdioServer_AnswersTheContractOrANamedError_AndARefusalChangesNoJob()
    {
        // Jobs it schedules fire at most hourly: a fuzzed interval of a second must not start a command a second on a shared machine.
        await using McpServerProcess server = await McpServerProcess.StartAsync(TestJobs.Tasks, "--min-interval", "1h");
        await server.CallAsync("schedule_job", """{"name": "fuzz-seed", "task": "echo", "trigger_type": "cron", "trigger_config": {"expression": "0 9 * * *"}}""");

        // The SDK's client cannot send a lone surrogate (it fails to serialize it): those calls are made in process only.
        await ToolCalls.Calls("echo").Where(call => !call.Arguments.Contains("\\ud8", StringComparison.OrdinalIgnoreCase)
            && !call.Arguments.Contains("\\udc", StringComparison.OrdinalIgnoreCase)).SampleAsync(
            async call =>
            {
                string[] jobs = await ListAsync(server);
                string arguments = call.Arguments.Replace("$ID", jobs[call.Arguments.Length % jobs.Length].Split(' ')[0], StringComparison.Ordinal);

                McpServerProcess.Answer answer = await server.CallAsync(call.Tool, arguments);

                ToolAnswers.AssertWellFormed(call.Tool, answer.Json, answer.IsError);
                if (answer.IsError)
                {
                    Assert.Equal(jobs, await ListAsync(server));
                }
            },
            iter: 300,
            threads: 1,
            print: call => call.Tool + " " + call.Arguments);
        Assert.False((await server.CallAsync("list_tasks")).IsError, "the server still answers after the calls");
    }

    /// <summary>Each job's id, whether it is cancelled, and whether it is paused, in the store's order.</summary>
    private static string[] Snapshot(IReadOnlyList<Job> jobs) =>
        [.. jobs.Select(job => $"{job.Id} {job.Name} {job.Status == JobStatus.Cancelled} {job.IsPaused}")];

    /// <summary>Each job's id, name and whether it is cancelled, as list_jobs answers them.</summary>
    private static async Task<string[]> ListAsync(McpServerProcess server)
    {
        McpServerProcess.Answer list = await server.CallAsync("list_jobs", """{"limit": 1000}""");
        Assert.False(list.IsError, list.ToString());
        return [.. list.Json.GetProperty("jobs").EnumerateArray().Select(job =>
            $"{job.GetProperty("job_id").GetString()} {job.GetProperty("name").GetString()} {job.GetProperty("status").GetString() == "cancelled"}")];
    }
}
