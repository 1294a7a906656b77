using System.Diagnostics.CodeAnalysis;

namespace Codomyrmex.Scheduler;

/// <summary>A trigger that fires on a cron schedule, evaluated on the wall clock of a time zone.</summary>
/// <remarks>
/// The zone is the trigger's own if it has one; otherwise a scheduler uses its <c>SchedulerOptions.TimeZone</c>, and the
/// trigger on its own uses <see cref="TimeZoneInfo.Local"/>. See <see cref="CronExpression"/> for the dialect and the
/// daylight-saving rules.
/// </remarks>
public sealed class CronTrigger : Trigger
{
    /// <summary>Creates a trigger from the fields of a cron expression, such as <c>new CronTrigger(minute: "30", hour: "9")</c>.</summary>
    /// <param name="minute">The minute field, 0-59.</param>
    /// <param name="hour">The hour field, 0-23.</param>
    /// <param name="dayOfMonth">The day-of-month field, 1-31, with <c>L</c>, <c>L-n</c>, <c>LW</c> and <c>nW</c>.</param>
    /// <param name="month">The month field, 1-12 or JAN-DEC.</param>
    /// <param name="dayOfWeek">The day-of-week field, 0-7 or SUN-SAT, with <c>nL</c> and <c>n#k</c>.</param>
    /// <param name="timeZone">The zone whose wall clock the fields describe, or <see langword="null"/> for the scheduler's.</param>
    /// <param name="second">The second field, 0-59, or <see langword="null"/> for second 0.</param>
    /// <exception cref="ArgumentNullException">A field is null.</exception>
    /// <exception cref="FormatException">A field is not valid; the message names it.</exception>
#pragma warning disable RS0026 // Named fields, each optional (minute: "30", hour: "9"), need an all-optional overload next to the typed one.
    public CronTrigger(
        string minute = "*",
        string hour = "*",
        string dayOfMonth = "*",
        string month = "*",
        string dayOfWeek = "*",
        TimeZoneInfo? timeZone = null,
        string? second = null)
        : this(FromFields(second, minute, hour, dayOfMonth, month, dayOfWeek), timeZone)
    {
    }

    /// <summary>Creates a trigger from a parsed expression.</summary>
    /// <param name="expression">The schedule.</param>
    /// <param name="timeZone">The zone whose wall clock the expression describes, or <see langword="null"/> for the scheduler's.</param>
    /// <exception cref="ArgumentNullException"><paramref name="expression"/> is null.</exception>
    public CronTrigger(CronExpression expression, TimeZoneInfo? timeZone = null)
#pragma warning restore RS0026
    {
        ArgumentNullException.ThrowIfNull(expression);
        Expression = expression;
        TimeZone = timeZone;
    }

    /// <inheritdoc/>
    public override TriggerType Type => TriggerType.Cron;

    /// <summary>Gets the schedule.</summary>
    public CronExpression Expression { get; }

    /// <summary>Gets the zone the schedule is evaluated in, or <see langword="null"/> to use the scheduler's (or the local) zone.</summary>
    public TimeZoneInfo? TimeZone { get; }

    /// <summary>Creates a trigger from cron text, such as <c>CronTrigger.FromExpression("0 */2 * * *")</c>.</summary>
    /// <param name="expression">The expression, for example <c>0 9 * * MON-FRI</c>.</param>
    /// <param name="timeZone">The zone whose wall clock the expression describes, or <see langword="null"/> for the scheduler's.</param>
    /// <param name="format">Whether the expression has a leading seconds field.</param>
    /// <returns>The trigger.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="expression"/> is null.</exception>
    /// <exception cref="FormatException">The expression is not valid; the message names the field and the token.</exception>
    public static CronTrigger FromExpression(string expression, TimeZoneInfo? timeZone = null, CronFormat format = CronFormat.Standard) =>
        new(CronExpression.Parse(expression, format), timeZone);

    /// <inheritdoc/>
    /// <remarks>Evaluated in <see cref="TimeZone"/>, or in <see cref="TimeZoneInfo.Local"/> if the trigger has none.</remarks>
    public override DateTimeOffset? GetNextRun(DateTimeOffset after) => Expression.GetNextOccurrence(after, TimeZone ?? TimeZoneInfo.Local);

    internal override Trigger Bind(DateTimeOffset now, TimeZoneInfo zone) => TimeZone is null ? new CronTrigger(Expression, zone) : this;

    internal override DateTimeOffset Localize(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, TimeZone ?? TimeZoneInfo.Local);

    /// <inheritdoc/>
    /// <remarks>Two zones are the same when they have the same id and the same rules; two triggers without a zone are equal.</remarks>
    public override bool Equals([NotNullWhen(true)] Trigger? other) =>
        other is CronTrigger cron && cron.Expression.Equals(Expression)
        && (ReferenceEquals(cron.TimeZone, TimeZone) || (cron.TimeZone is not null && cron.TimeZone.Equals(TimeZone)));

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(TriggerType.Cron, Expression, TimeZone?.Id);

    /// <summary>Returns a description such as <c>cron 0 9 * * 1-5 (Europe/Berlin)</c>.</summary>
    /// <returns>The description.</returns>
    public override string ToString() => TimeZone is null ? $"cron {Expression}" : $"cron {Expression} ({TimeZone.Id})";

    private static CronExpression FromFields(string? second, string minute, string hour, string dayOfMonth, string month, string dayOfWeek)
    {
        CheckField(minute, nameof(minute));
        CheckField(hour, nameof(hour));
        CheckField(dayOfMonth, nameof(dayOfMonth));
        CheckField(month, nameof(month));
        CheckField(dayOfWeek, nameof(dayOfWeek));
        string fields = $"{minute} {hour} {dayOfMonth} {month} {dayOfWeek}";
        if (second is null)
        {
            return CronExpression.Parse(fields);
        }

        CheckField(second, nameof(second));
        return CronExpression.Parse(second + " " + fields, CronFormat.IncludeSeconds);
    }

    private static void CheckField(string value, string name)
    {
        ArgumentNullException.ThrowIfNull(value, name);
        if (value.Length == 0 || value.AsSpan().ContainsAny(" \t\r\n"))
        {
            throw new FormatException(
                $"The cron field {name} is '{value}', which is {(value.Length == 0 ? "empty" : "more than one field")}; " +
                "give one field per parameter, or use CronTrigger.FromExpression for a whole expression.");
        }
    }
}
