namespace Codomyrmex.Scheduler.Mcp.Tests.Commands;

/// <summary>
/// Calls an agent should not make, sent to a real <c>schedctl mcp</c>: each is refused with an <c>{"error": "..."}</c> object
/// naming what is wrong (never the SDK's generic failure, a stack trace or a crash), and leaves no job behind.
/// </summary>
public sealed class HostileCallTests(StdioServerFixture fixture) : IClassFixture<StdioServerFixture>
{
    private const string Cron = """ "trigger_type": "cron", "trigger_config": {"expression": "0 9 * * *"} """;

    public static TheoryData<string, string, string> Calls() => new()
    {
        // The spec's errors, word for word.
        { "schedule_job", $$"""{"name": "hostile", "task": "nope", {{Cron}}}""", "=Unknown task: nope" },
        { "list_jobs", """{"status": "sleeping"}""", "=Unknown status: sleeping" },
        { "list_jobs", """{"status": 3}""", "=Unknown status: 3" },
        { "job_status", """{"job_id": "no-such-job"}""", "=Job not found: no-such-job" },
        { "schedule_job", """{"name": "hostile", "task": "echo", "trigger_type": "cron", "trigger_config": {"expression": "61 * * * *"}}""", "Invalid cron expression: 61 * * * *" },
        { "schedule_job", """{"name": "hostile", "task": "echo", "trigger_type": "cron", "trigger_config": {"expression": "0 0 30 2 *"}}""", "Invalid cron expression: 0 0 30 2 * (it never fires" },
        { "schedule_job", """{"name": "hostile", "task": "echo", "trigger_type": "cron", "trigger_config": {"expression": ""}}""", "Invalid cron expression: " },
        { "explain_cron", """{"expression": "* * *"}""", "Invalid cron expression: * * *" },

        // Missing fields and wrong JSON types.
        { "schedule_job", """{"task": "echo", "trigger_type": "cron", "trigger_config": {"expression": "0 9 * * *"}}""", "\"name\" is required." },
        { "schedule_job", $$"""{"name": 7, "task": "echo", {{Cron}}}""", "\"name\" must be a string, not a number." },
        { "schedule_job", $$"""{"name": "hostile", "task": ["echo"], {{Cron}}}""", "\"task\" must be a string, not an array." },
        { "schedule_job", """{"name": "hostile", "task": "echo", "trigger_type": 5, "trigger_config": {}}""", "\"trigger_type\" must be a string, not a number." },
        { "schedule_job", """{"name": "hostile", "task": "echo", "trigger_type": "weekly", "trigger_config": {}}""", "Unknown trigger_type: weekly" },
        { "schedule_job", """{"name": "hostile", "task": "echo", "trigger_type": "interval"}""", "\"trigger_config\" is required" },
        { "schedule_job", """{"name": "hostile", "task": "echo", "trigger_type": "interval", "trigger_config": "every minute"}""", "\"trigger_config\" must be an object, not a string." },
        { "schedule_job", $$"""{"name": "hostile", "task": "echo", {{Cron}}, "command": ["rm", "-rf", "/"]}""", "Unknown field \"command\"" },
        { "schedule_job", $$"""{"name": "", "task": "echo", {{Cron}}}""", "\"name\" is empty" },
        { "schedule_job", $$"""{"name": "two\nlines", "task": "echo", {{Cron}}}""", "control character" },
        { "schedule_job", $$"""{"name": "{{new string('n', 201)}}", "task": "echo", {{Cron}}}""", "at most 200 are allowed" },
        { "schedule_job", $$"""{"name": "hostile", "task": "echo", {{Cron}}, "max_runs": 0}""", "\"max_runs\" is 0; it must be from 1 to 1000000." },
        { "schedule_job", $$"""{"name": "hostile", "task": "echo", {{Cron}}, "max_runs": "3"}""", "\"max_runs\" must be an integer, not a string." },
        { "schedule_job", $$"""{"name": "hostile", "task": "echo", {{Cron}}, "max_runs": 2.5}""", "\"max_runs\" must be a whole number" },

        // Intervals.
        { "schedule_job", """{"name": "hostile", "task": "echo", "trigger_type": "interval", "trigger_config": {}}""", "An interval needs at least one of" },
        { "schedule_job", """{"name": "hostile", "task": "echo", "trigger_type": "interval", "trigger_config": {"seconds": 0}}""", "interval values must be positive" },
        { "schedule_job", """{"name": "hostile", "task": "echo", "trigger_type": "interval", "trigger_config": {"minutes": -5}}""", "\"minutes\" is -5; interval values must be positive." },
        { "schedule_job", """{"name": "hostile", "task": "echo", "trigger_type": "interval", "trigger_config": {"seconds": "30"}}""", "\"seconds\" must be an integer, not a string." },
        { "schedule_job", """{"name": "hostile", "task": "echo", "trigger_type": "interval", "trigger_config": {"seconds": 1.5}}""", "\"seconds\" must be a whole number" },
        { "schedule_job", """{"name": "hostile", "task": "echo", "trigger_type": "interval", "trigger_config": {"days": 1e30}}""", "\"days\" is 1e30; it must be from 0 to" },
        { "schedule_job", """{"name": "hostile", "task": "echo", "trigger_type": "interval", "trigger_config": {"days": 100000}}""", "at most 3660 days" },
        { "schedule_job", """{"name": "hostile", "task": "echo", "trigger_type": "interval", "trigger_config": {"weeks": 1}}""", "Unknown field \"weeks\"" },

        // Times.
        { "schedule_job", """{"name": "hostile", "task": "echo", "trigger_type": "once", "trigger_config": {"run_at": "2030-01-01T09:00:00"}}""", "has no offset" },
        { "schedule_job", """{"name": "hostile", "task": "echo", "trigger_type": "once", "trigger_config": {"run_at": "2000-01-01T00:00:00Z"}}""", "is not in the future" },
        { "schedule_job", """{"name": "hostile", "task": "echo", "trigger_type": "once", "trigger_config": {"run_at": "tomorrow at nine"}}""", "is not an ISO-8601 time with an offset" },
        { "schedule_job", """{"name": "hostile", "task": "echo", "trigger_type": "once", "trigger_config": {"run_at": "2030-02-30T09:00:00Z"}}""", "is not a time that exists" },
        { "schedule_job", """{"name": "hostile", "task": "echo", "trigger_type": "once", "trigger_config": {"run_at": 1893456000}}""", "\"run_at\" must be a string, not a number." },
        { "schedule_job", """{"name": "hostile", "task": "echo", "trigger_type": "cron", "trigger_config": {"expression": "0 9 * * *", "time_zone": "Mars/Olympus"}}""", "Unknown time zone: Mars/Olympus" },

        // Arguments: only what the task allows, within limits.
        { "schedule_job", $$"""{"name": "hostile", "task": "fail", {{Cron}}, "args": ["x"]}""", "Task 'fail' takes no arguments" },
        { "schedule_job", $$"""{"name": "hostile", "task": "echo", {{Cron}}, "args": "x"}""", "\"args\" must be an array, not a string." },
        { "schedule_job", $$"""{"name": "hostile", "task": "echo", {{Cron}}, "kwargs": ["GREETING"]}""", "\"kwargs\" must be an object, not an array." },
        { "schedule_job", $$$"""{"name": "hostile", "task": "echo", {{{Cron}}}, "kwargs": {"PATH": "/tmp/evil"}}""", "takes no keyword argument \"PATH\"; it takes GREETING." },
        { "schedule_job", $$$"""{"name": "hostile", "task": "fail", {{{Cron}}}, "kwargs": {"GREETING": "x"}}""", "Task 'fail' takes no keyword arguments" },
        { "schedule_job", $$$$"""{"name": "hostile", "task": "echo", {{{{Cron}}}}, "kwargs": {"GREETING": {"nested": true}}}""", "must be a string, a number or a boolean" },
        { "schedule_job", $$"""{"name": "hostile", "task": "echo", {{Cron}}, "args": [null]}""", "must be a string, a number or a boolean" },
        { "schedule_job", $$"""{"name": "hostile", "task": "echo", {{Cron}}, "args": ["a\u0000b"]}""", "NUL" },
        { "schedule_job", $$"""{"name": "hostile", "task": "echo", {{Cron}}, "args": [[[[[[[[[["deep"]]]]]]]]]]}""", "more than 8 levels deep" },
        { "schedule_job", $$"""{"name": "hostile", "task": "echo", {{Cron}}, "args": ["{{new string('x', 17_000)}}"]}""", "at most 16384 are allowed" },
        { "schedule_job", $$"""{"name": "hostile", "task": "echo", {{Cron}}, "args": [{{string.Join(",", Enumerable.Repeat("1", 65))}}]}""", "at most 64 are allowed" },

        // The other tools.
        { "list_jobs", """{"limit": 5000}""", "\"limit\" is 5000; it must be from 1 to 1000." },
        { "list_jobs", """{"offset": -1}""", "\"offset\" is -1" },
        { "job_status", "{}", "\"job_id\" is required." },
        { "job_status", """{"job_id": 123}""", "\"job_id\" must be a string, not a number." },
        { "cancel_job", """{"job_id": {"$ne": null}}""", "\"job_id\" must be a string, not an object." },
        { "run_job_now", """{"job_id": "no-such-job"}""", "=Job not found: no-such-job" },
        { "pause_job", """{"job_id": "no-such-job"}""", "=Job not found: no-such-job" },
        { "resume_job", """{"job_id": "no-such-job"}""", "=Job not found: no-such-job" },
        { "job_history", """{"job_id": "no-such-job"}""", "=Job not found: no-such-job" },
        { "explain_cron", """{"expression": "0 9 * * *", "count": 0}""", "\"count\" is 0; it must be from 1 to 50." },
        { "list_tasks", """{"verbose": true}""", "Unknown field \"verbose\"; this tool takes no arguments." },
    };

    [Theory]
    [MemberData(nameof(Calls))]
    public async Task Call_IsRefusedWithTheDocumentedError_AndCreatesNothing(string tool, string arguments, string expected)
    {
        McpServerProcess.Answer answer = await fixture.Server.CallAsync(tool, arguments);

        Assert.True(answer.IsError, answer.ToString());
        Assert.Equal(["error"], answer.Json.EnumerateObject().Select(p => p.Name));
        string error = answer.ErrorText!;
        if (expected.StartsWith('='))
        {
            Assert.Equal(expected[1..], error);
        }
        else
        {
            Assert.Contains(expected, error, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        McpServerProcess.Answer jobs = await fixture.Server.CallAsync("list_jobs", """{"limit": 1000}""");
        Assert.DoesNotContain(jobs.Json.GetProperty("jobs").EnumerateArray(), job => job.GetProperty("name").GetString() == "hostile");
    }
}
