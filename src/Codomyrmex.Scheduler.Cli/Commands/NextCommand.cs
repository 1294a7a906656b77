using System.CommandLine;
using System.Globalization;
using Codomyrmex.Scheduler.JobsSchema;

namespace Codomyrmex.Scheduler.Cli.Commands;

/// <summary><c>schedctl next EXPR [-n N] [--tz ZONE] [--from TIME] [--seconds] [--json]</c>: the next occurrences of a schedule.</summary>
internal static class NextCommand
{
    /// <summary>ISO 8601 with the offset; fractions of a second only when there are any (an <c>@every 500ms</c>).</summary>
    public const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz";

    /// <summary>The earliest <c>--from</c>: a day after the first instant a <see cref="DateTimeOffset"/> holds, so it converts to any zone.</summary>
    private static readonly DateTimeOffset First = DateTimeOffset.MinValue.AddDays(1);

    /// <summary>The latest <c>--from</c>: a day before the last instant a <see cref="DateTimeOffset"/> holds, so it converts to any zone.</summary>
    private static readonly DateTimeOffset Last = new(9999, 12, 30, 0, 0, 0, TimeSpan.Zero);

    public static Command Create()
    {
        Argument<string[]> expression = Schedctl.ExpressionArgument();
        var count = new Option<int>("--count", "-n") { Description = "How many occurrences to print (1-1000).", DefaultValueFactory = _ => 5 };
        count.Validators.Add(result =>
        {
            // Only a number out of range: a token that is no number at all already has its conversion error.
            if (result.Tokens is [var token] && int.TryParse(token.Value, CultureInfo.InvariantCulture, out int n) && n is < 1 or > 1000)
            {
                result.AddError("--count must be between 1 and 1000.");
            }
        });
        var zone = new Option<string?>("--tz") { Description = "The time zone of the wall clock (IANA id); by default the local zone.", HelpName = "ZONE" };
        var from = new Option<string?>("--from")
        {
            Description = "Start after this instant (ISO 8601; without an offset it is a wall time in --tz); by default now.",
            HelpName = "TIME",
        };
        var seconds = new Option<bool>("--seconds") { Description = "Read the expression as six fields with seconds first (six fields are read so anyway)." };
        Option<bool> json = Schedctl.JsonOption("the occurrences");

        var command = new Command("next", "Print the next occurrences of a schedule, one per line, in ISO 8601 with the offset.")
        {
            expression, count, zone, from, seconds, json,
        };
        command.SetAction(parse => Run(
            parse.InvocationConfiguration,
            string.Join(' ', parse.GetRequiredValue(expression)),
            parse.GetValue(count),
            parse.GetValue(zone),
            parse.GetValue(from),
            parse.GetValue(seconds),
            parse.GetValue(json)));
        return command;
    }

    private static int Run(InvocationConfiguration console, string text, int count, string? zoneId, string? fromText, bool seconds, bool json)
    {
        TimeZoneInfo zone = TimeProvider.System.LocalTimeZone;
        if (zoneId is not null && !TimeZones.TryFind(zoneId, out zone!, out string? zoneError))
        {
            return Fail(console, zoneError);
        }

        DateTimeOffset from = TimeProvider.System.GetUtcNow();
        if (fromText is not null && !TryParseInstant(fromText, zone, out from))
        {
            return Fail(console, $"--from '{fromText}' is not a time; use ISO 8601, for example 2025-03-30T01:30 or 2025-03-30T01:30:00+01:00.");
        }

        if (from < First || from > Last)
        {
            return Fail(console, string.Create(CultureInfo.InvariantCulture,
                $"--from '{fromText}' is out of range; schedctl computes times from {First:yyyy-MM-dd} to {Last:yyyy-MM-dd} (UTC)."));
        }

        if (!ScheduleText.TryParse(text, zone, seconds ? CronFormat.IncludeSeconds : null, out Trigger? trigger, out string? error, out _))
        {
            return Fail(console, error);
        }

        var occurrences = new List<DateTimeOffset>(count);
        DateTimeOffset? next = from;
        try
        {
            while (occurrences.Count < count && (next = trigger.GetNextRun(next.Value)) is { } occurrence)
            {
                occurrences.Add(TimeZoneInfo.ConvertTime(occurrence, zone));
            }
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or OverflowException)
        {
            // The next occurrence would be past the last day a DateTimeOffset holds (in UTC or in the zone): the calendar's end.
        }

        if (json)
        {
            WriteJson(console.Output, text, zone, from, occurrences);
        }
        else
        {
            foreach (DateTimeOffset occurrence in occurrences)
            {
                console.Output.WriteLine(occurrence.ToString(TimeFormat, CultureInfo.InvariantCulture));
            }
        }

        if (occurrences.Count == count)
        {
            return ExitCodes.Success;
        }

        if (occurrences.Count == 0 && ScheduleText.NeverFires(trigger))
        {
            return Fail(console, $"'{text}' never fires: no such date exists.");
        }

        // The search reached the end of the calendar, not a schedule that can never fire.
        string found = occurrences.Count == 0 ? "no occurrence" : string.Create(CultureInfo.InvariantCulture, $"only {occurrences.Count} occurrence(s)");
        console.Error.WriteLine($"schedctl: '{text}' has {found} after {TimeZoneInfo.ConvertTime(from, zone).ToString(TimeFormat, CultureInfo.InvariantCulture)} " +
            "before 9999-12-31, the end of the calendar.");
        return occurrences.Count == 0 ? ExitCodes.InvalidInput : ExitCodes.Success;
    }

    /// <summary>An instant with an offset (or Z) as written; without one, a wall time in <paramref name="zone"/>.</summary>
    internal static bool TryParseInstant(string text, TimeZoneInfo zone, out DateTimeOffset instant)
    {
        instant = default;
        if (!DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out DateTime parsed))
        {
            return false;
        }

        if (parsed.Kind != DateTimeKind.Unspecified)
        {
            if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out instant))
            {
                // A time that reads as one but whose offset puts it outside the calendar: its edge, which the range check refuses.
                instant = parsed.Year < 5000 ? DateTimeOffset.MinValue : DateTimeOffset.MaxValue;
            }

            return true;
        }

        // A wall time that occurs twice (fall back) is taken in its first pass, as fixed-time cron expressions are.
        TimeSpan offset = zone.IsAmbiguousTime(parsed) ? zone.GetAmbiguousTimeOffsets(parsed).Max() : zone.GetUtcOffset(parsed);
        long utcTicks = parsed.Ticks - offset.Ticks;
        if (utcTicks < DateTimeOffset.MinValue.UtcTicks || utcTicks > DateTimeOffset.MaxValue.UtcTicks)
        {
            // A wall time at the calendar's edge whose UTC instant is outside it: the earliest or latest instant, which the range check refuses.
            instant = utcTicks < 0 ? DateTimeOffset.MinValue : DateTimeOffset.MaxValue;
            return true;
        }

        instant = new DateTimeOffset(parsed, offset);
        return true;
    }

    private static void WriteJson(TextWriter output, string text, TimeZoneInfo zone, DateTimeOffset from, List<DateTimeOffset> occurrences) =>
        JsonOutput.Write(output, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("expression", text);
            writer.WriteString("time_zone", zone.Id);
            writer.WriteString("from", TimeZoneInfo.ConvertTime(from, zone).ToString(TimeFormat, CultureInfo.InvariantCulture));
            writer.WriteStartArray("occurrences");
            foreach (DateTimeOffset occurrence in occurrences)
            {
                writer.WriteStringValue(occurrence.ToString(TimeFormat, CultureInfo.InvariantCulture));
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });

    internal static int Fail(InvocationConfiguration console, string message)
    {
        console.Error.WriteLine("schedctl: " + message);
        return ExitCodes.InvalidInput;
    }
}
