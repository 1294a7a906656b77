using System.Text;
using Codomyrmex.Scheduler.Cli.Jobs;
using Codomyrmex.Scheduler.JobsSchema;

namespace Codomyrmex.Scheduler.Cli.Tests.Jobs;

/// <summary>
/// The jobs file's <c>"tasks"</c>: named commands without a schedule, which a job names with <c>"task"</c>; arguments reach
/// a task's command only as the task allows (<c>takes_args</c>, the <c>kwargs</c> allow-list), never through a shell.
/// </summary>
public sealed class JobsFileTasksTests
{
    private const string Tasks = """
        "tasks": {
          "report": { "command": ["report", "--out", "/r"], "timeout": "5m", "description": "Writes the report.",
                      "takes_args": true, "kwargs": ["REPORT_LEVEL"], "env": { "LANG": "C" }, "working_dir": "/srv" },
          "ping": { "command": "ping -c1 example.com", "shell": true }
        }
        """;

    [Fact]
    public void Read_TasksAndNoJobs_IsAWholeFile()
    {
        JobsFileResult result = Read("{" + Tasks + "}");

        Assert.Empty(result.Errors);
        Assert.Empty(result.File!.Jobs);
        Assert.Equal(["report", "ping"], result.File.Tasks.Select(task => task.Name));
        TaskShape report = result.File.Tasks[0];
        Assert.Equal("Writes the report.", report.Description);
        Assert.True(report.TakesArgs);
        Assert.Equal(["REPORT_LEVEL"], report.Kwargs);
        Assert.Equal(TimeSpan.FromMinutes(5), report.Timeout);
        Assert.True(result.File.Tasks[1].Shell);
    }

    [Fact]
    public void Read_JobNamingATask_RunsItsCommandWithTheArgumentsItAllows()
    {
        JobsFileResult result = Read("{" + Tasks + """
            , "jobs": [
              { "name": "nightly", "task": "report", "schedule": "@daily", "args": ["--full", 3, true], "kwargs": { "REPORT_LEVEL": 2 } },
              { "name": "quick", "task": "report", "schedule": "@hourly", "timeout": "1m" },
              { "name": "up", "task": "ping", "schedule": "@every 5m" }
            ] }
            """);

        Assert.Empty(result.Errors);
        JobSpec nightly = result.File!.Jobs[0];
        Assert.Equal("report", nightly.Task);
        Assert.Equal(["report", "--out", "/r", "--full", "3", "true"], nightly.Command);
        Assert.Equal("2", nightly.Environment["REPORT_LEVEL"]);
        Assert.Equal("C", nightly.Environment["LANG"]);
        Assert.Equal("/srv", nightly.WorkingDirectory);
        Assert.Equal(TimeSpan.FromMinutes(5), nightly.Options.Timeout);
        Assert.Equal(TimeSpan.FromMinutes(1), result.File.Jobs[1].Options.Timeout);
        Assert.Equal(["report", "--out", "/r"], result.File.Jobs[1].Command);
        Assert.True(result.File.Jobs[2].Shell);
        Assert.Equal(["ping -c1 example.com"], result.File.Jobs[2].Command);
    }

    public static TheoryData<string, string, string> Mistakes => new()
    {
        { """{ "name": "a", "task": "report", "command": ["x"], "schedule": "@daily" }""", "\"task", "job 'a' has both \"task\" and \"command\"; give one of them." },
        { """{ "name": "a", "task": "report", "env": { "K": "V" }, "schedule": "@daily" }""", "\"task", "job 'a' names a task, which has its own \"env\"; set it on the task." },
        { """{ "name": "a", "task": "reprot", "schedule": "@daily" }""", "\"reprot", "unknown task 'reprot'; the tasks are ping, report." },
        { """{ "name": "a", "task": "ping", "schedule": "@daily", "args": ["; rm -rf /"] }""", "[\"; rm", "task 'ping' takes no arguments (it does not declare \"takes_args\": true), so \"args\" cannot be given." },
        { """{ "name": "a", "task": "report", "schedule": "@daily", "args": [{ "x": 1 }] }""", "[{", "argument 0 of \"args\" must be a string, a number or a boolean." },
        { """{ "name": "a", "task": "report", "schedule": "@daily", "kwargs": { "PATH": "/tmp" } }""", "{ \"PATH", "task 'report' takes no keyword argument \"PATH\"; it takes REPORT_LEVEL." },
        { """{ "name": "a", "task": "ping", "schedule": "@daily", "kwargs": { "X": "1" } }""", "{ \"X", "task 'ping' takes no keyword arguments (it declares no \"kwargs\"), so \"X\" cannot be given." },
        { """{ "name": "a", "task": "report", "schedule": "@daily", "args": "x" }""", "\"x", "\"args\" must be an array, not \"x\"." },
    };

    [Theory]
    [MemberData(nameof(Mistakes))]
    public void Read_JobMisusingATask_OneErrorAtItsPlace(string job, string at, string message)
    {
        string line = "  " + job;
        JobsFileResult result = Read("{" + Tasks + ", \"jobs\": [\n" + line + "\n] }");

        FileError error = Assert.Single(result.Errors);
        Assert.Equal(message, error.Message);
        Assert.Equal((Lines(Tasks) + 1, line.IndexOf(at, StringComparison.Ordinal) + 1), (error.Line, error.Column));
    }

    public static TheoryData<string, string, string> TaskMistakes => new()
    {
        { """ "t": { "command": "x $1", "shell": true, "takes_args": true } """, "true }", "task 't' runs a shell command line, which would reparse its arguments; give its \"command\" as an argv array to let it take arguments." },
        { """ "t": { "command": ["x"], "kwargs": ["A=B"] } """, "\"A=B", "the environment variable name \"A=B\" contains '='; a name cannot, the first '=' ends it." },
        { """ "t": { "command": ["x"], "kwargs": "A" } """, "\"A\" }", "a task's \"kwargs\" must be an array of the environment variables a run may set, [\"NAME\", ...], not \"A\"." },
        { """ "t": { "comand": ["x"] } """, "\"comand", "unknown field \"comand\" in a task; did you mean \"command\"?" },
        { """ "t": { "command": ["x"], "schedule": "@daily" } """, "\"schedule", "unknown field \"schedule\" in a task; known fields are command, shell, working_dir, env, timeout, description, takes_args, args_may_be_options, kwargs." },
        { """ "t": ["x"] """, "[", "task 't' must be an object with a \"command\", not an array." },
    };

    [Theory]
    [MemberData(nameof(TaskMistakes))]
    public void Read_BadTask_ErrorAtItsPlace(string task, string at, string message)
    {
        string line = " " + task;
        JobsFileResult result = Read("{ \"tasks\": {\n" + line + "\n} }");

        Assert.Contains(result.Errors, error => error.Message == message && error.Line == 2 && error.Column == line.IndexOf(at, StringComparison.Ordinal) + 1);
        Assert.Null(result.File);
    }

    [Fact]
    public void BindArgs_NeverReachesAShell_EachArgumentIsOneElement()
    {
        JobsFileResult result = Read("{" + Tasks + "}");
        TaskShape report = result.File!.Tasks[0];

        IReadOnlyList<string>? argv = report.BindArgs(["a b", "$(reboot)", "'; rm -rf /"], out string? error);

        Assert.Null(error);
        Assert.Equal(["report", "--out", "/r", "a b", "$(reboot)", "'; rm -rf /"], argv);
        Assert.False(report.Shell);
    }

    private static JobsFileResult Read(string json) => JsonJobsReader.Read("jobs.json", Encoding.UTF8.GetBytes(json));

    private static int Lines(string text) => text.Count(c => c == '\n') + 1;
}
