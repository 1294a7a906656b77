using System.Text.Json;

namespace Codomyrmex.Scheduler.Mcp.Tests.Commands;

/// <summary>
/// Arguments an agent gives a task that takes them, through a real <c>schedctl mcp</c>: one that a program would read as an
/// option is refused unless the task says <c>"args_may_be_options": true</c>, and no argument or keyword value may hold a
/// control or bidirectional-override character; what is accepted reaches the argv as it was given.
/// </summary>
public sealed class OptionLikeArgumentTests(ArgumentServerFixture fixture) : IClassFixture<ArgumentServerFixture>
{
    private const string Cron = """ "trigger_type": "cron", "trigger_config": {"expression": "0 9 * * *"} """;

    private McpServerProcess Server => fixture.Server;

    public static TheoryData<string, string, string> Refused() => new()
    {
        { "files", """ "args": ["--delete-all"] """, "=The argument at index 0 of \"args\" (\"--delete-all\") starts with '-'; task 'files' does not take arguments that look like options (its args_may_be_options is false), since its program could read one as an option." },
        { "files", """ "args": ["-rf"] """, "The argument at index 0 of \"args\" (\"-rf\") starts with '-'; task 'files'" },
        { "files", """ "args": ["report.txt", "-"] """, "The argument at index 1 of \"args\" (\"-\") starts with '-'" },
        { "files", """ "args": ["a", "b", "--"] """, "The argument at index 2 of \"args\" (\"--\") starts with '-'" },
        { "files", """ "args": ["--output=/etc/passwd"] """, "(\"--output=/etc/passwd\") starts with '-'" },
        { "files", """ "args": [-5] """, "The argument at index 0 of \"args\" (\"-5\") starts with '-'" },
        { "files", """ "args": [-0.5] """, "The argument at index 0 of \"args\" (\"-0.5\") starts with '-'" },
        { "files", """ "args": [-1e3] """, "(\"-1e3\") starts with '-'" },
        { "files", """ "args": ["-\n"] """, "starts with '-'" },
        { "files", """ "args": ["a\u0000b"] """, "=The argument at index 0 of \"args\" holds a control character (U+0000, NUL); arguments may not hold control or bidirectional-override characters." },
        { "files", """ "args": ["ok", "\u001b[2J"] """, "The argument at index 1 of \"args\" holds a control character (U+001B)" },
        { "files", """ "args": ["two\nlines"] """, "holds a control character (U+000A)" },
        { "files", """ "args": ["cr\rhides"] """, "holds a control character (U+000D)" },
        { "files", """ "args": ["tab\there"] """, "holds a control character (U+0009)" },
        { "files", """ "args": ["del\u007f"] """, "holds a control character (U+007F)" },
        { "files", """ "args": ["c1\u0085"] """, "holds a control character (U+0085)" },
        { "files", """ "args": ["\u202Etxt.exe"] """, "=The argument at index 0 of \"args\" holds a bidirectional-override character (U+202E); arguments may not hold control or bidirectional-override characters." },
        { "files", """ "args": ["x\u2066y"] """, "holds a bidirectional-override character (U+2066)" },
        { "files", """ "args": ["x\u2028y"] """, "holds a line or paragraph separator (U+2028)" },
        { "files", """ "kwargs": {"MODE": "a\nb"} """, "=The keyword argument \"MODE\" holds a control character (U+000A); keyword values may not hold control or bidirectional-override characters." },
        { "files", """ "kwargs": {"MODE": "\u001b]0;owned\u0007"} """, "The keyword argument \"MODE\" holds a control character (U+001B)" },
        { "files", """ "kwargs": {"MODE": "\u2069"} """, "holds a bidirectional-override character (U+2069)" },

        // A task that takes options still takes no control characters.
        { "grep", """ "args": ["--count", "a\u0000"] """, "The argument at index 1 of \"args\" holds a control character (U+0000, NUL)" },
        { "grep", """ "args": ["\u202E"] """, "holds a bidirectional-override character (U+202E)" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task ScheduleJob_WithAHostileArgument_IsRefusedNamingItsIndexAndTheTask_AndCreatesNothing(string task, string arguments, string expected)
    {
        McpServerProcess.Answer answer = await Server.CallAsync("schedule_job", $$"""{"name": "hostile-arg", "task": "{{task}}", {{Cron}}, {{arguments}}}""");

        Assert.True(answer.IsError, answer.ToString());
        string error = Assert.Single(answer.Json.EnumerateObject(), p => p.Name == "error").Value.GetString()!;
        if (expected.StartsWith('='))
        {
            Assert.Equal(expected[1..], error);
        }
        else
        {
            Assert.Contains(expected, error, StringComparison.Ordinal);
        }

        McpServerProcess.Answer jobs = await Server.CallAsync("list_jobs", """{"limit": 1000}""");
        Assert.DoesNotContain(jobs.Json.GetProperty("jobs").EnumerateArray(), job => job.GetProperty("name").GetString() == "hostile-arg");
    }

    public static TheoryData<string, string, string> Accepted() => new()
    {
        // Look-alikes that no option parser reads as an option.
        { "files", """ "args": [" -x", "a-b", "x-", "\u2212x", "\u2014x", "+x", "é😀", 5, 0, true] """, "[]|[ -x]|[a-b]|[x-]|[\u2212x]|[\u2014x]|[+x]|[é😀]|[5]|[0]|[true]" },
        // A keyword becomes an environment variable, never an option: a leading '-' is its value.
        { "files", """ "args": ["plain"], "kwargs": {"MODE": "--verbose"} """, "[--verbose]|[plain]" },
        // The task that says args_may_be_options takes options, negative numbers included.
        { "grep", """ "args": ["--count", "-i", -5, "--", "-pattern"] """, "[--count]|[-i]|[-5]|[--]|[-pattern]" },
    };

    [Theory]
    [MemberData(nameof(Accepted))]
    public async Task ScheduleJob_WithArgumentsTheTaskAllows_RunsThemAsGiven(string task, string arguments, string expected)
    {
        string name = "ok-" + Guid.NewGuid().ToString("N")[..8];
        McpServerProcess.Answer scheduled = await Server.CallAsync("schedule_job", $$"""{"name": "{{name}}", "task": "{{task}}", {{Cron}}, {{arguments}}}""");
        Assert.False(scheduled.IsError, scheduled.ToString());
        string id = scheduled.Json.GetProperty("job_id").GetString()!;

        Assert.False((await Server.CallAsync("run_job_now", $$"""{"job_id": "{{id}}"}""")).IsError);
        JsonElement status = await Server.WaitForStatusAsync(id, s => s.GetProperty("history").GetArrayLength() == 1);

        JsonElement run = status.GetProperty("history")[0];
        Assert.Equal("succeeded", run.GetProperty("outcome").GetString());
        // The run's result is the command's {"exit_code", "stdout", "stderr"}, as JSON text.
        using JsonDocument result = JsonDocument.Parse(run.GetProperty("result").GetString()!);
        Assert.Equal(expected.Split('|'), result.RootElement.GetProperty("stdout").GetString()!.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task ListTasks_SaysWhichTasksTakeOptions()
    {
        McpServerProcess.Answer answer = await Server.CallAsync("list_tasks");

        Assert.Equal(
            ["files False", "grep True"],
            answer.Json.GetProperty("tasks").EnumerateArray().Select(t => $"{t.GetProperty("name").GetString()} {t.GetProperty("args_may_be_options").GetBoolean()}"));
    }
}
