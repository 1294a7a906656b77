using System.CommandLine;
using Codomyrmex.Scheduler.Cli.Schedules;
using Codomyrmex.Scheduler.JobsSchema;

namespace Codomyrmex.Scheduler.Cli.Commands;

/// <summary><c>schedctl explain EXPR [--seconds] [--json]</c>: a schedule in plain English.</summary>
internal static class ExplainCommand
{
    public static Command Create()
    {
        Argument<string[]> expression = Schedctl.ExpressionArgument();
        var seconds = new Option<bool>("--seconds") { Description = "Read the expression as six fields with seconds first (six fields are read so anyway)." };
        Option<bool> json = Schedctl.JsonOption("the description");
        var command = new Command("explain", "Describe a schedule in plain English, as crontab.guru does.") { expression, seconds, json };
        command.SetAction(parse => Run(
            parse.InvocationConfiguration,
            string.Join(' ', parse.GetRequiredValue(expression)),
            parse.GetValue(seconds),
            parse.GetValue(json)));
        return command;
    }

    private static int Run(InvocationConfiguration console, string text, bool seconds, bool json)
    {
        CronFormat? format = seconds ? CronFormat.IncludeSeconds : null;
        Trigger? trigger = null;
        if (!ScheduleText.IsAtStart(text) && !ScheduleText.TryParse(text, null, format, out trigger, out string? error, out _))
        {
            return NextCommand.Fail(console, error);
        }

        string description = trigger switch
        {
            null => ScheduleWords.Describe(null, Output.TimeText.Utc),
            IntervalTrigger interval => Explainer.ExplainInterval(interval.Interval),
            _ => Explainer.Explain(text, format),
        };
        if (json)
        {
            JsonOutput.Write(console.Output, writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("expression", text);
                writer.WriteString("description", description);
                writer.WriteEndObject();
            });
        }
        else
        {
            console.Output.WriteLine(description);
        }

        return ExitCodes.Success;
    }
}
