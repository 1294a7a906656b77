using System.Text.Json;

namespace Codomyrmex.Scheduler.Cli.Tests.Commands;

/// <summary>
/// <c>"args_may_be_options"</c> of a task: <c>schedctl validate</c> accepts a boolean on a task that takes arguments, shows it,
/// and refuses anything else at its line and column.
/// </summary>
public sealed class ValidateTaskOptionsTests
{
    [Fact]
    public async Task Validate_ATaskThatTakesOptions_IsValid_AndTheJsonSaysSo()
    {
        using var file = new TempFile("jobs.json", """
            { "tasks": {
                "grep": { "command": ["grep"], "takes_args": true, "args_may_be_options": true },
                "ls": { "command": ["ls"], "takes_args": true, "args_may_be_options": false },
                "plain": { "command": ["true"], "takes_args": true }
            } }
            """);

        Schedctl.Result result = await Schedctl.RunAsync("validate", file.Path, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using JsonDocument json = result.Json();
        Assert.Equal(
            ["grep True", "ls False", "plain False"],
            json.RootElement.GetProperty("tasks").EnumerateArray().Select(t => $"{t.GetProperty("name").GetString()} {t.GetProperty("args_may_be_options").GetBoolean()}"));
    }

    public static TheoryData<string, string, string> Mistakes => new()
    {
        { """ "t": { "command": ["x"], "takes_args": true, "args_may_be_options": "yes" } """, "\"yes", "\"args_may_be_options\" must be true or false, not \"yes\"." },
        { """ "t": { "command": ["x"], "takes_args": true, "args_may_be_options": "true" } """, "\"true\" }", "\"args_may_be_options\" must be true or false, not \"true\"." },
        { """ "t": { "command": ["x"], "takes_args": true, "args_may_be_options": 1 } """, "1 }", "\"args_may_be_options\" must be true or false, not a number." },
        { """ "t": { "command": ["x"], "takes_args": true, "args_may_be_options": [true] } """, "[true]", "\"args_may_be_options\" must be true or false, not an array." },
        { """ "t": { "command": ["x"], "args_may_be_options": true } """, "true }", "task 't' sets \"args_may_be_options\" but takes no arguments; set \"takes_args\": true as well, or remove it." },
        { """ "t": { "command": ["x"], "takes_args": true, "args_may_be_option": true } """, "\"args_may_be_option\"", "unknown field \"args_may_be_option\" in a task; did you mean \"args_may_be_options\"?" },
    };

    [Theory]
    [MemberData(nameof(Mistakes))]
    public async Task Validate_ABadArgsMayBeOptions_IsOneErrorAtItsPlace(string task, string at, string message)
    {
        string line = "  " + task;
        using var file = new TempFile("jobs.json", "{ \"tasks\": {\n" + line + "\n} }\n");

        Schedctl.Result result = await Schedctl.RunAsync("validate", file.Path);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal($"{file.Path}:2:{line.IndexOf(at, StringComparison.Ordinal) + 1}: {message}", result.Lines[0]);
        Assert.Equal($"{file.Path}: 1 error", result.Lines[^1]);
    }
}
