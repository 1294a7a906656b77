using System.CommandLine;
using System.CommandLine.Invocation;
using Codomyrmex.Scheduler.Cli;
using Codomyrmex.Scheduler.Cli.Commands;

RootCommand root = Schedctl.CreateRoot();

// Response files (@file) are off: "@daily" and "@every 30s" are schedules, not files to read arguments from.
ParseResult parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
if (parse.Action is ParseErrorAction)
{
    // The errors and a pointer to --help; the whole help text would bury the one line that matters.
    UsageErrors.Write(parse, Console.Error);
    return ExitCodes.Usage;
}

// schedctl handles SIGINT/SIGTERM itself: `run` waits up to its --grace for running commands, `jobs run` stops its command
// and records the run. System.CommandLine's own handling would end the process after two seconds, cutting the grace short
// and leaving runs unrecorded.
return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }).ConfigureAwait(false);
