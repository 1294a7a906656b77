using System.Text.Json;
using System.Text.Json.Nodes;

namespace Codomyrmex.Scheduler.Mcp.Tests.Tools;

/// <summary>The limits on what callers may create, and the clock rules, on a fake clock.</summary>
public sealed class LimitTests
{
    [Fact]
    public async Task ScheduleJob_BeyondTheCapOfLiveMcpJobs_IsRefused_UntilOneIsCancelled()
    {
        await using var tools = new InProcessTools(options => options.MaxJobs = 2);
        string first = await tools.ScheduleAsync("a");
        await tools.ScheduleAsync("b");
        // Jobs of other sources (a jobs file, code) do not count.
        await tools.Scheduler.ScheduleAsync("report", new IntervalTrigger(hours: 1), cancellationToken: TestContext.Current.CancellationToken);

        (JsonElement refused, bool isError) = await tools.CallAsync("schedule_job",
            """{"name": "c", "task": "report", "trigger_type": "interval", "trigger_config": {"hours": 1}}""");
        Assert.True(isError);
        Assert.Contains("at most 2 live jobs created through MCP", refused.GetProperty("error").GetString());

        await tools.CallAsync("cancel_job", $$"""{"job_id": "{{first}}"}""");
        await tools.ScheduleAsync("c");
    }

    [Fact]
    public async Task ScheduleJob_WithTheNameOfALiveMcpJob_IsRefused_AndAReconcileOfAnotherSourceKeepsMcpJobs()
    {
        await using var tools = new InProcessTools();
        string id = await tools.ScheduleAsync("nightly");

        (JsonElement refused, bool isError) = await tools.CallAsync("schedule_job",
            """{"name": "nightly", "task": "report", "trigger_type": "interval", "trigger_config": {"hours": 2}}""");
        Assert.True(isError);
        Assert.Contains($"A live job named 'nightly' exists already ({id})", refused.GetProperty("error").GetString());

        await tools.Scheduler.ReconcileAsync("schedctl", [], TestContext.Current.CancellationToken);
        Job job = (await tools.Scheduler.GetJobAsync(id, TestContext.Current.CancellationToken))!;
        Assert.Equal(JobStatus.Pending, job.Status);
        Assert.Equal(SchedulerMcpOptions.DefaultSource, job.Source);
    }

    [Fact]
    public async Task ScheduleJob_Once_IsRefusedAtOrBeforeNow_AndAcceptedAMomentLater()
    {
        await using var tools = new InProcessTools();

        foreach (string past in new[] { "2029-12-31T23:59:59Z", "2030-01-01T00:00:00Z", "2030-01-01T01:00:00+02:00" })
        {
            (JsonElement refused, bool isError) = await tools.CallAsync("schedule_job",
                $$$"""{"name": "once", "task": "report", "trigger_type": "once", "trigger_config": {"run_at": "{{{past}}}"}}""");
            Assert.True(isError, past);
            Assert.Contains("is not in the future (it is now 2030-01-01T00:00:00+00:00)", refused.GetProperty("error").GetString());
        }

        (JsonElement accepted, bool failed) = await tools.CallAsync("schedule_job",
            """{"name": "once", "task": "report", "trigger_type": "once", "trigger_config": {"run_at": "2030-01-01T02:00:01+02:00"}}""");
        Assert.False(failed, accepted.GetRawText());
        Assert.Equal("2030-01-01T00:00:01+00:00", accepted.GetProperty("next_run").GetString());
    }

    [Theory]
    [InlineData(""" "trigger_type": "interval", "trigger_config": {"seconds": 59} """, "this server allows no interval shorter than 60 s")]
    [InlineData(""" "trigger_type": "cron", "trigger_config": {"expression": "*/30 * * * * *"} """, "fires 30 s apart")]
    [InlineData(""" "trigger_type": "cron", "trigger_config": {"expression": "0,1 * * * * *"} """, "apart; this server allows nothing more often than every 60 s")]
    public async Task ScheduleJob_MoreOftenThanTheMinimumInterval_IsRefused(string trigger, string expected)
    {
        await using var tools = new InProcessTools(options => options.MinimumInterval = TimeSpan.FromMinutes(1));

        (JsonElement refused, bool isError) = await tools.CallAsync("schedule_job", $$"""{"name": "fast", "task": "report", {{trigger}}}""");

        Assert.True(isError);
        Assert.Contains(expected, refused.GetProperty("error").GetString());
        Assert.Empty(tools.Scheduler.ListJobs());
    }

    [Theory]
    [InlineData(""" "trigger_type": "interval", "trigger_config": {"minutes": 1} """)]
    [InlineData(""" "trigger_type": "cron", "trigger_config": {"expression": "* * * * *"} """)]
    public async Task ScheduleJob_AtTheMinimumInterval_IsAccepted(string trigger)
    {
        await using var tools = new InProcessTools(options => options.MinimumInterval = TimeSpan.FromMinutes(1));

        await tools.ScheduleAsync("minutely", trigger);

        Assert.Single(tools.Scheduler.ListJobs());
    }

    [Fact]
    public async Task ScheduleJob_WithArgsAndAllowedKwargs_StoresThemAsJson_ForTheRegisteredTask()
    {
        await using var tools = new InProcessTools();

        string id = await tools.ScheduleAsync("with-args",
            """ "trigger_type": "interval", "trigger_config": {"hours": 1}, "args": ["q1", {"deep": [1, 2]}], "kwargs": {"format": "pdf"}, "max_runs": 4 """);

        Job job = tools.Scheduler.GetJob(id)!;
        Assert.Equal("report", job.Task);
        Assert.Equal(4, job.MaxRuns);
        Assert.Equal("""["q1",{"deep":[1,2]}]""", new JsonArray([.. job.Args.Select(a => ((JsonNode?)a)?.DeepClone())]).ToJsonString());
        Assert.Equal("\"pdf\"", ((JsonNode?)job.Kwargs["format"])!.ToJsonString());
    }

    [Fact]
    public void Options_Validate_ListsEveryProblem()
    {
        var options = new SchedulerMcpOptions { MaxJobs = 0, MinimumInterval = TimeSpan.Zero, MaxNameLength = -1, Source = " ", AccessToken = "" };
        options.Tasks.Add(new SchedulerMcpTask { Name = "x" });
        options.Tasks.Add(new SchedulerMcpTask { Name = "x" });

        IReadOnlyList<string> problems = options.Validate();

        Assert.Equal(6, problems.Count);
        Assert.Contains(problems, p => p.Contains("MaxJobs is 0", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("'x' is listed twice", StringComparison.Ordinal));
        ArgumentException refused = Assert.Throws<ArgumentException>(() => SchedulerMcpTools.Create(new Scheduler(), options));
        Assert.Contains("MinimumInterval", refused.Message);
    }
}
