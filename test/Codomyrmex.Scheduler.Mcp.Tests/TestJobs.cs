namespace Codomyrmex.Scheduler.Mcp.Tests;

/// <summary>The jobs files the tests serve; <c>$DIR</c> is the server's own folder.</summary>
internal static class TestJobs
{
    /// <summary>
    /// Tasks for every case: <c>echo</c> takes args and the keyword GREETING, <c>sleeper</c> writes its pid and sleeps (to be
    /// cancelled), <c>fail</c> exits 3; the file's own job <c>tick</c> runs hourly.
    /// </summary>
    public const string Tasks = """
        {
          "tasks": {
            "echo": {"command": ["sh", "-c", "echo \"$GREETING\" \"$@\"", "echo"], "description": "Prints the greeting and the arguments.",
                     "takes_args": true, "kwargs": ["GREETING"], "env": {"GREETING": "hello"}},
            "sleeper": {"command": ["sh", "-c", "echo $$ > \"$1\"; exec sleep 600", "sleeper", "$DIR/sleeper.pid"], "description": "Sleeps ten minutes."},
            "fail": {"command": ["sh", "-c", "echo broken >&2; exit 3"]}
          },
          "jobs": [
            {"name": "tick", "schedule": "0 * * * *", "command": ["true"]}
          ]
        }
        """;
}
