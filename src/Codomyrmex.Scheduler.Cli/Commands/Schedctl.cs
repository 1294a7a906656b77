using System.CommandLine;

namespace Codomyrmex.Scheduler.Cli.Commands;

/// <summary>The command tree of schedctl.</summary>
internal static class Schedctl
{
    public static RootCommand CreateRoot()
    {
        var root = new RootCommand(
            "schedctl: run a jobs file or a crontab on schedule, and preview, explain and validate cron schedules.\n\n" +
            "Exit codes: 0 success; 1 invalid input (a bad expression, zone or jobs file, an unreadable file); 2 usage error.");
        root.Subcommands.Add(NextCommand.Create());
        root.Subcommands.Add(ExplainCommand.Create());
        root.Subcommands.Add(ValidateCommand.Create());
        return root;
    }

    /// <summary>The <c>--json</c> option every command that prints results has.</summary>
    public static Option<bool> JsonOption(string what) => new("--json") { Description = $"Print {what} as JSON, for scripts." };
}
