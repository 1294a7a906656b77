using System.CommandLine;

namespace Codomyrmex.Scheduler.Cli.Commands;

/// <summary>The command tree of schedctl.</summary>
internal static class Schedctl
{
    public static RootCommand CreateRoot()
    {
        var root = new RootCommand(
            "schedctl: run a jobs file or a crontab on schedule, inspect and change its jobs, and preview, explain and validate cron " +
            "schedules.\n\n" +
            "Exit codes: 0 success; 1 invalid input (a bad expression, zone or jobs file, an unreadable file), a job or store not found, " +
            "a store error or a failed job run (jobs run); 2 usage error.");
        root.Subcommands.Add(NextCommand.Create());
        root.Subcommands.Add(ExplainCommand.Create());
        root.Subcommands.Add(ValidateCommand.Create());
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(JobsCommand.Create());
        root.Subcommands.Add(NodesCommand.Create());
        root.Subcommands.Add(DashboardCommand.Create());
        root.Subcommands.Add(McpCommand.Create());
        return root;
    }

    /// <summary>The schedule argument of <c>next</c> and <c>explain</c>: one quoted word, or the fields as separate words.</summary>
    public static Argument<string[]> ExpressionArgument()
    {
        var expression = new Argument<string[]>("expression")
        {
            Description = "A cron expression (five fields, or six with seconds first), a macro such as @daily, or @every 30s. " +
                "Quote it, or give its fields as separate words.",
            Arity = ArgumentArity.OneOrMore,
        };

        // Words the parser did not match as options end up here; no cron field starts with '-', so such a word is an
        // unknown option, which is a usage error rather than a bad expression.
        expression.Validators.Add(result =>
        {
            if (result.Tokens.FirstOrDefault(token => token.Value.StartsWith('-')) is { } option)
            {
                result.AddError($"Unrecognized option '{option.Value}'.");
            }
        });
        return expression;
    }

    /// <summary>The <c>--json</c> option every command that prints results has.</summary>
    public static Option<bool> JsonOption(string what) => new("--json") { Description = $"Print {what} as JSON, for scripts." };

    /// <summary>The <c>--utc</c> option every command that prints times has: UTC instead of local time with its offset.</summary>
    public static Option<bool> UtcOption() => new("--utc") { Description = "Print times in UTC (marked Z) instead of local time with its offset." };
}
