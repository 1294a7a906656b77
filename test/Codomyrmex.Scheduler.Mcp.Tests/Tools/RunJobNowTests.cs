using System.Diagnostics;
using System.Text.Json;

namespace Codomyrmex.Scheduler.Mcp.Tests.Tools;

/// <summary><c>run_job_now</c>: at most one manual run of a job in flight, and a store's refusal answered as the caller's error.</summary>
public sealed class RunJobNowTests
{
    [Fact]
    public async Task RunJobNow_WhileItsManualRunIsInFlight_IsRefused_AndAllowedAgainOnceItEnds()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int runs = 0;
        await using var tools = new InProcessTools(options => options.Tasks.Add(new SchedulerMcpTask { Name = "gate" }));
        tools.Scheduler.RegisterTask("gate", async cancellationToken =>
        {
            Interlocked.Increment(ref runs);
            await gate.Task.WaitAsync(cancellationToken);
        });
        string id = await ScheduleGateAsync(tools, "slow");
        string other = await ScheduleGateAsync(tools, "other");

        (JsonElement first, bool firstFailed) = await tools.CallAsync("run_job_now", $$"""{"job_id": "{{id}}"}""");
        Assert.False(firstFailed, first.GetRawText());
        Assert.True(first.GetProperty("started").GetBoolean());

        (JsonElement second, bool secondFailed) = await tools.CallAsync("run_job_now", $$"""{"job_id": "{{id}}"}""");
        Assert.True(secondFailed);
        Assert.Equal($"Job {id} has a manual run in progress; wait for it to end (job_status shows it).", second.GetProperty("error").GetString());
        Assert.Equal(1, Volatile.Read(ref runs));

        // The limit is per job: another job's manual run starts meanwhile.
        (JsonElement another, bool anotherFailed) = await tools.CallAsync("run_job_now", $$"""{"job_id": "{{other}}"}""");
        Assert.False(anotherFailed, another.GetRawText());
        Assert.Equal(2, Volatile.Read(ref runs));

        gate.SetResult();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            (JsonElement again, bool refused) = await tools.CallAsync("run_job_now", $$"""{"job_id": "{{id}}"}""");
            if (!refused)
            {
                Assert.True(again.GetProperty("started").GetBoolean());
                break;
            }

            // Until the first run has ended, the only answer is the same refusal.
            Assert.Equal(second.GetProperty("error").GetString(), again.GetProperty("error").GetString());
            Assert.True(clock.Elapsed < McpServerProcess.Patience, "the first manual run never ended");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        Assert.Equal(3, Volatile.Read(ref runs));
    }

    [Fact]
    public async Task RunJobNow_OfAJobThatMadeAllItsRuns_IsRefusedWithTheStoresReason_NotAnInternalError()
    {
        await using var tools = new InProcessTools();
        (JsonElement scheduled, bool failed) = await tools.CallAsync("schedule_job",
            """{"name": "once-only", "task": "report", "trigger_type": "interval", "trigger_config": {"hours": 1}, "max_runs": 1}""");
        Assert.False(failed, scheduled.GetRawText());
        string id = scheduled.GetProperty("job_id").GetString()!;
        await tools.Scheduler.RunNowAsync(id, TestContext.Current.CancellationToken);

        (JsonElement refused, bool isError) = await tools.CallAsync("run_job_now", $$"""{"job_id": "{{id}}"}""");

        Assert.True(isError);
        Assert.Equal($"Job '{id}' (once-only) has made or started all of its 1 runs (MaxRuns).", refused.GetProperty("error").GetString());
    }

    private static async Task<string> ScheduleGateAsync(InProcessTools tools, string name)
    {
        (JsonElement json, bool isError) = await tools.CallAsync("schedule_job",
            $$$"""{"name": "{{{name}}}", "task": "gate", "trigger_type": "interval", "trigger_config": {"hours": 1}}""");
        Assert.False(isError, json.GetRawText());
        return json.GetProperty("job_id").GetString()!;
    }
}
