using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Codomyrmex.Scheduler.JobsSchema;

namespace Codomyrmex.Scheduler.Cli.Jobs;

/// <summary>Reads a classic crontab, or a system crontab, collecting every error with its line and column.</summary>
/// <remarks>
/// <para>
/// A line is blank, a comment (<c>#</c>), an environment line <c>NAME=value</c> (spaces around <c>=</c> and quotes
/// around the value allowed), or a job: five cron fields (or a macro such as <c>@daily</c>, or <c>@every 30s</c>) and a
/// shell command line. A system crontab (<c>/etc/crontab</c>, <c>/etc/cron.d/*</c>) has the account to run as between the
/// schedule and the command. As in Vixie cron, an environment line applies to the jobs below it; <c>CRON_TZ=Zone</c> sets
/// the zone of the schedules below it and <c>SHELL</c> the shell that runs their commands.
/// </para>
/// <para>
/// Decisions: six-field (seconds) expressions are not read from crontabs, where the sixth word is the command's (or the
/// user's); use a JSON jobs file for them. <c>@reboot</c> runs the command once each time <c>schedctl run</c> starts, as
/// cronie runs it once each time the daemon starts. An unescaped <c>%</c> in a command is refused: cron turns it into a
/// newline and feeds what follows to the command's input, which schedctl does not do, so such a line would run differently;
/// <c>\%</c> is a literal <c>%</c>, as in cron. <c>MAILTO</c> is kept in the environment but sends no mail, which the file's
/// notes say once. A job's name is its command line, with <c>#2</c>, <c>#3</c>, … for repeats, so that a restart with an
/// edited schedule keeps its history.
/// </para>
/// </remarks>
internal static class CrontabReader
{
    private const string ZoneVariable = "CRON_TZ";
    private const string MailVariable = "MAILTO";

    /// <summary>Reads the text of a crontab.</summary>
    /// <param name="path">The file, for the result.</param>
    /// <param name="text">Its text.</param>
    /// <param name="system">Whether it is a system crontab, with a user column after the schedule.</param>
    public static JobsFileResult Read(string path, string text, bool system = false)
    {
        var errors = new List<FileError>();
        var notes = new List<FileError>();
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

            if (line.IndexOf('\0', StringComparison.Ordinal) is int nul and >= 0)
            {
                errors.Add(new FileError(number, nul + 1, "the line holds a NUL character (byte 0); a crontab is text, and a command would be cut short there."));
                continue;
            }

            if (TryEnvironment(line, start, out string? name, out string? value, out int valueColumn))
            {
                if (name == MailVariable && value.Length > 0 && notes.Count == 0)
                {
                    notes.Add(new FileError(number, start + 1,
                        "MAILTO is set, but schedctl sends no mail: each run's output (its last lines) is kept in the run history, " +
                        "shown by 'schedctl jobs history NAME', and failed runs are logged by 'schedctl run'."));
                }

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

            if (ReadJob(line, start, number, zone, environment, system, errors) is { } job)
            {
                int count = namesSeen[job.Name] = namesSeen.GetValueOrDefault(job.Name) + 1;
                jobs.Add(count == 1 ? job : job with { Name = string.Create(CultureInfo.InvariantCulture, $"{job.Name} #{count}") });
            }
        }

        JobsFile? file = errors.Count == 0 ? new JobsFile(path, JobsFileFormat.Crontab, jobs) { IsSystem = system, Notes = notes } : null;
        return new JobsFileResult(JobsFileFormat.Crontab, file, errors);
    }

    private static JobSpec? ReadJob(
        string line, int start, int number, TimeZoneInfo? zone, Dictionary<string, string> environment, bool system, List<FileError> errors)
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
        Trigger? trigger = null;
        if (!ScheduleText.IsAtStart(schedule))
        {
            if (!ScheduleText.TryParse(schedule, zone, CronFormat.Standard, out trigger, out string? error, out int offset))
            {
                errors.Add(new FileError(number, start + offset + 1, error));
                return null;
            }

            if (ScheduleText.NeverFires(trigger))
            {
                errors.Add(new FileError(number, start + 1, $"the schedule '{schedule}' never fires: no such date exists."));
                return null;
            }
        }

        var places = new Dictionary<string, (int Line, int Column)> { ["schedule"] = (number, start + 1) };
        int commandStart = Skip(line, end, whiteSpace: true);
        string? user = null;
        if (system)
        {
            int userEnd = Skip(line, commandStart, whiteSpace: false);
            if (userEnd == commandStart)
            {
                errors.Add(new FileError(number, line.Length + 1,
                    $"the schedule '{schedule}' has no user after it; in a system crontab, a job names the account it runs as, then its command."));
                return null;
            }

            user = line[commandStart..userEnd];
            if (UserNames.Problem(user) is { } problem)
            {
                errors.Add(new FileError(number, commandStart + 1, problem));
                return null;
            }

            places["user"] = (number, commandStart + 1);
            commandStart = Skip(line, userEnd, whiteSpace: true);
        }

        places["command"] = (number, commandStart + 1);
        string command = line[commandStart..].Trim();
        if (command.Length == 0)
        {
            string what = system ? $"the schedule '{schedule}' and user '{user}' have" : $"the schedule '{schedule}' has";
            errors.Add(new FileError(number, line.Length + 1, $"{what} no command after {(system ? "them" : "it")}."));
            return null;
        }

        if (Percent(command) is int percent)
        {
            errors.Add(new FileError(number, commandStart + percent + 1,
                "an unescaped % in a crontab command means, to cron, a newline and the start of the command's input, which schedctl does " +
                "not feed; write \\% for a literal %, or put the input in a file or a here-document."));
            return null;
        }

        return new JobSpec
        {
            Name = command,
            Trigger = trigger,
            Command = [command.Replace("\\%", "%", StringComparison.Ordinal)],
            Shell = true,
            Environment = new Dictionary<string, string>(environment, StringComparer.Ordinal),
            User = user,
            Line = number,
            Column = start + 1,
            Places = places,
        };
    }

    /// <summary>Where the first <c>%</c> not preceded by a backslash is, or <see langword="null"/>.</summary>
    private static int? Percent(string command)
    {
        for (int i = 0; i < command.Length; i++)
        {
            if (command[i] == '%' && (i == 0 || command[i - 1] != '\\'))
            {
                return i;
            }
        }

        return null;
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
