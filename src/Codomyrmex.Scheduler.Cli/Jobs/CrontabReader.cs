using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Codomyrmex.Scheduler.Cli.Schedules;

namespace Codomyrmex.Scheduler.Cli.Jobs;

/// <summary>Reads a classic crontab, collecting every error with its line and column.</summary>
/// <remarks>
/// <para>
/// A line is blank, a comment (<c>#</c>), an environment line <c>NAME=value</c> (spaces around <c>=</c> and quotes
/// around the value allowed), or a job: five cron fields (or a macro such as <c>@daily</c>, or <c>@every 30s</c>) and a
/// shell command line. As in Vixie cron, an environment line applies to the jobs below it; <c>CRON_TZ=Zone</c> sets the
/// zone of the schedules below it and <c>SHELL</c> the shell that runs their commands.
/// </para>
/// <para>
/// Decisions: six-field (seconds) expressions are not read from crontabs, where the sixth word is the command's; use a
/// JSON jobs file for them. <c>@reboot</c> is refused with a message (jobs live in a durable store across restarts).
/// <c>%</c> in a command is passed to the shell as it is (Vixie cron would turn it into a newline and stdin). A job's name
/// is its command line, with <c>#2</c>, <c>#3</c>, … for repeats, so that a restart with an edited schedule keeps its
/// history.
/// </para>
/// </remarks>
internal static class CrontabReader
{
    private const string ZoneVariable = "CRON_TZ";

    public static JobsFileResult Read(string path, string text)
    {
        var errors = new List<FileError>();
        var jobs = new List<JobSpec>();
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        var namesSeen = new Dictionary<string, int>(StringComparer.Ordinal);
        TimeZoneInfo? zone = null;
        string[] lines = text.Split('\n');
        for (int index = 0; index < lines.Length; index++)
        {
            int number = index + 1;
            string line = lines[index].TrimEnd('\r');
            int start = Skip(line, 0, whiteSpace: true);
            if (start == line.Length || line[start] == '#')
            {
                continue;
            }

            if (TryEnvironment(line, start, out string? name, out string? value, out int valueColumn))
            {
                if (name != ZoneVariable)
                {
                    environment[name] = value;
                }
                else if (!TimeZones.TryFind(value, out zone, out string? zoneError))
                {
                    errors.Add(new FileError(number, valueColumn, zoneError));
                }

                continue;
            }

            if (ReadJob(line, start, number, zone, environment, errors) is { } job)
            {
                int count = namesSeen[job.Name] = namesSeen.GetValueOrDefault(job.Name) + 1;
                jobs.Add(count == 1 ? job : job with { Name = string.Create(CultureInfo.InvariantCulture, $"{job.Name} #{count}") });
            }
        }

        return new JobsFileResult(JobsFileFormat.Crontab, errors.Count == 0 ? new JobsFile(path, JobsFileFormat.Crontab, jobs) : null, errors);
    }

    private static JobSpec? ReadJob(string line, int start, int number, TimeZoneInfo? zone, Dictionary<string, string> environment, List<FileError> errors)
    {
        // The schedule is the first word when it is a macro, the first two for @every, and five words otherwise.
        string first = line[start..Skip(line, start, whiteSpace: false)];
        int words = !first.StartsWith('@') ? 5 : first.Equals("@every", StringComparison.OrdinalIgnoreCase) ? 2 : 1;
        int end = start;
        int found = 0;
        while (found < words && end < line.Length)
        {
            end = Skip(line, Skip(line, end, whiteSpace: true), whiteSpace: false);
            found++;
        }

        string schedule = line[start..end];
        int commandStart = Skip(line, end, whiteSpace: true);
        if (!ScheduleText.TryParse(schedule, zone, CronFormat.Standard, out Trigger? trigger, out string? error, out int offset))
        {
            errors.Add(new FileError(number, start + offset + 1, error));
            return null;
        }

        if (trigger is CronTrigger cron && cron.Expression.GetNextOccurrence(DateTimeOffset.UnixEpoch, TimeZoneInfo.Utc) is null)
        {
            errors.Add(new FileError(number, start + 1, $"the schedule '{schedule}' never fires: no such date exists."));
            return null;
        }

        string command = line[commandStart..].Trim();
        if (command.Length == 0)
        {
            errors.Add(new FileError(number, line.Length + 1, $"the schedule '{schedule}' has no command after it."));
            return null;
        }

        return new JobSpec
        {
            Name = command,
            Trigger = trigger,
            Command = [command],
            Shell = true,
            Environment = new Dictionary<string, string>(environment, StringComparer.Ordinal),
            Line = number,
        };
    }

    /// <summary><c>NAME=value</c>, <c>NAME = "value"</c> or <c>NAME='value'</c>; a job line never starts with a letter and an <c>=</c>.</summary>
    private static bool TryEnvironment(
        string line, int start, [NotNullWhen(true)] out string? name, [NotNullWhen(true)] out string? value, out int valueColumn)
    {
        name = value = null;
        valueColumn = 0;
        int end = start;
        while (end < line.Length && (char.IsAsciiLetterOrDigit(line[end]) || line[end] == '_'))
        {
            end++;
        }

        int equals = Skip(line, end, whiteSpace: true);
        if (end == start || char.IsAsciiDigit(line[start]) || equals == line.Length || line[equals] != '=')
        {
            return false;
        }

        name = line[start..end];
        int valueStart = Skip(line, equals + 1, whiteSpace: true);
        value = line[valueStart..].TrimEnd();
        if (value.Length >= 2 && value[0] is '"' or '\'' && value[^1] == value[0])
        {
            value = value[1..^1];
        }

        valueColumn = valueStart + 1;
        return true;
    }

    private static int Skip(string line, int i, bool whiteSpace)
    {
        while (i < line.Length && char.IsWhiteSpace(line[i]) == whiteSpace)
        {
            i++;
        }

        return i;
    }
}
