using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace Codomyrmex.Scheduler;

/// <summary>A trigger that fires at a fixed interval, anchored so that it never drifts.</summary>
/// <remarks>
/// <para>
/// Runs are at <c>start + k·interval</c> for k = 0, 1, 2, …, never later than <see cref="EndTime"/> (inclusive). A future
/// <see cref="StartTime"/> is itself the first run. Without a start time the trigger counts from the instant it is asked
/// about, so the first run is one interval after it; a scheduler anchors such a trigger at the moment the job is
/// scheduled, which keeps every later run on the same grid however late a run starts.
/// </para>
/// <para>The interval is elapsed time: it ignores daylight-saving changes, unlike a <see cref="CronTrigger"/>.</para>
/// </remarks>
public sealed class IntervalTrigger : Trigger
{
    /// <summary>Creates a trigger from the parts of an interval, such as <c>new IntervalTrigger(minutes: 30)</c>.</summary>
    /// <param name="seconds">Seconds in the interval.</param>
    /// <param name="minutes">Minutes in the interval.</param>
    /// <param name="hours">Hours in the interval.</param>
    /// <param name="days">Days (of 24 hours) in the interval.</param>
    /// <param name="startTime">The first run, or <see langword="null"/> to start one interval after scheduling.</param>
    /// <param name="endTime">The last instant a run may be at, or <see langword="null"/> for no end.</param>
    /// <exception cref="ArgumentOutOfRangeException">A part is negative, or the interval is zero or too large.</exception>
    /// <exception cref="ArgumentException"><paramref name="endTime"/> is before <paramref name="startTime"/>.</exception>
#pragma warning disable RS0026 // Named parts, each optional (minutes: 30), need an all-optional overload next to the typed one.
    public IntervalTrigger(int seconds = 0, int minutes = 0, int hours = 0, int days = 0, DateTimeOffset? startTime = null, DateTimeOffset? endTime = null)
        : this(ToInterval(seconds, minutes, hours, days), startTime, endTime)
    {
    }

    /// <summary>Creates a trigger with an interval given as a <see cref="TimeSpan"/>.</summary>
    /// <param name="interval">The time between runs; must be positive.</param>
    /// <param name="startTime">The first run, or <see langword="null"/> to start one interval after scheduling.</param>
    /// <param name="endTime">The last instant a run may be at, or <see langword="null"/> for no end.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="interval"/> is zero or negative.</exception>
    /// <exception cref="ArgumentException"><paramref name="endTime"/> is before <paramref name="startTime"/>.</exception>
    public IntervalTrigger(TimeSpan interval, DateTimeOffset? startTime = null, DateTimeOffset? endTime = null)
#pragma warning restore RS0026
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        if (startTime is { } start && endTime is { } end && end < start)
        {
            throw new ArgumentException(
                $"The end time {end.ToString("O", CultureInfo.InvariantCulture)} is before the start time {start.ToString("O", CultureInfo.InvariantCulture)}.",
                nameof(endTime));
        }

        Interval = interval;
        StartTime = startTime;
        EndTime = endTime;
    }

    /// <inheritdoc/>
    public override TriggerType Type => TriggerType.Interval;

    /// <summary>Gets the time between runs.</summary>
    public TimeSpan Interval { get; }

    /// <summary>Gets the interval in seconds.</summary>
    /// <value>For example 1800 for <c>minutes: 30</c>.</value>
    public double IntervalSeconds => Interval.TotalSeconds;

    /// <summary>Gets the anchor of the runs, or <see langword="null"/> if the trigger counts from the moment it is scheduled.</summary>
    public DateTimeOffset? StartTime { get; }

    /// <summary>Gets the last instant a run may be at (inclusive), or <see langword="null"/> for no end.</summary>
    public DateTimeOffset? EndTime { get; }

    /// <inheritdoc/>
    /// <remarks>Without a <see cref="StartTime"/>, <paramref name="after"/> is the anchor and the result is one interval later.</remarks>
    public override DateTimeOffset? GetNextRun(DateTimeOffset after)
    {
        DateTimeOffset anchor = StartTime ?? after;
        long step = Interval.Ticks;
        long k = after < anchor ? 0 : ((after.UtcTicks - anchor.UtcTicks) / step) + 1;
        long room = DateTimeOffset.MaxValue.UtcTicks - anchor.UtcTicks;
        if (k > room / step)
        {
            return null;
        }

        long utc = anchor.UtcTicks + (k * step);
        if (EndTime is { } end && utc > end.UtcTicks)
        {
            return null;
        }

        long local = utc + anchor.Offset.Ticks;
        return local <= DateTime.MaxValue.Ticks
            ? new DateTimeOffset(local, anchor.Offset)
            : new DateTimeOffset(utc, TimeSpan.Zero);
    }

    internal override Trigger Bind(DateTimeOffset now, TimeZoneInfo zone) =>
        StartTime is null && (EndTime is null || EndTime >= now) ? new IntervalTrigger(Interval, now, EndTime) : this;

    internal override DateTimeOffset Localize(DateTimeOffset instant) => instant.ToOffset((StartTime ?? instant).Offset);

    /// <inheritdoc/>
    public override bool Equals([NotNullWhen(true)] Trigger? other) =>
        other is IntervalTrigger interval && interval.Interval == Interval && interval.StartTime == StartTime && interval.EndTime == EndTime;

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(TriggerType.Interval, Interval, StartTime?.UtcTicks, EndTime?.UtcTicks);

    /// <summary>Returns a description such as <c>every 1h30m</c> or <c>every 30s from 2026-01-01T00:00:00.0000000+00:00</c>.</summary>
    /// <returns>The description.</returns>
    public override string ToString()
    {
        var text = new StringBuilder("every ");
        text.Append(Describe(Interval));
        if (StartTime is { } start)
        {
            text.Append(" from ").Append(start.ToString("O", CultureInfo.InvariantCulture));
        }

        if (EndTime is { } end)
        {
            text.Append(" until ").Append(end.ToString("O", CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }

    internal static string Describe(TimeSpan interval)
    {
        var text = new StringBuilder();
        Append(text, interval.Days, "d");
        Append(text, interval.Hours, "h");
        Append(text, interval.Minutes, "m");
        Append(text, interval.Seconds, "s");
        long rest = interval.Ticks % TimeSpan.TicksPerSecond;
        if (rest != 0)
        {
            text.Append((rest / (double)TimeSpan.TicksPerMillisecond).ToString(CultureInfo.InvariantCulture)).Append("ms");
        }

        return text.ToString();

        static void Append(StringBuilder text, int value, string unit)
        {
            if (value != 0)
            {
                text.Append(value.ToString(CultureInfo.InvariantCulture)).Append(unit);
            }
        }
    }

    private static TimeSpan ToInterval(int seconds, int minutes, int hours, int days)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(seconds);
        ArgumentOutOfRangeException.ThrowIfNegative(minutes);
        ArgumentOutOfRangeException.ThrowIfNegative(hours);
        ArgumentOutOfRangeException.ThrowIfNegative(days);
        long total = seconds + (minutes * 60L) + (hours * 3600L) + (days * 86400L);
        if (total == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(seconds), 0, "The interval must be positive, but seconds, minutes, hours and days are all 0.");
        }

        if (total > TimeSpan.MaxValue.Ticks / TimeSpan.TicksPerSecond)
        {
            throw new ArgumentOutOfRangeException(nameof(days), days, "The interval is longer than TimeSpan.MaxValue.");
        }

        return TimeSpan.FromSeconds(total);
    }
}
