namespace Codomyrmex.Scheduler.Internal;

/// <summary>
/// Time arithmetic and waits that take any <see cref="TimeSpan"/> a user can give: sums past the end of the calendar
/// saturate, and waits longer than a timer can hold (about 49.7 days) are made of shorter ones.
/// </summary>
/// <remarks>
/// A user's value reaches the dispatcher and the run path through options and triggers; arithmetic there must never throw,
/// or a claimed run would never be recorded.
/// </remarks>
internal static class LongTime
{
    /// <summary>The longest due time a <see cref="TimeProvider"/> timer (and so <see cref="Task.Delay(TimeSpan, TimeProvider)"/>) accepts.</summary>
    public static readonly TimeSpan MaxTimerWait = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    /// <summary><paramref name="instant"/> + <paramref name="span"/>, or <see cref="DateTimeOffset.MaxValue"/> (in UTC) if that is past it.</summary>
    public static DateTimeOffset Add(DateTimeOffset instant, TimeSpan span)
    {
        long room = DateTimeOffset.MaxValue.UtcTicks - instant.UtcTicks;
        return span.Ticks > room ? DateTimeOffset.MaxValue : new DateTimeOffset(instant.UtcTicks + Math.Max(span.Ticks, -instant.UtcTicks), TimeSpan.Zero);
    }

    /// <summary>
    /// A due time a timer takes for a wait: whole milliseconds rounded up (timers truncate, and a zero due time fires at
    /// once), at least one and at most <see cref="MaxTimerWait"/>, after which the caller waits again for the rest.
    /// </summary>
    public static TimeSpan ForTimer(TimeSpan wait)
    {
        if (wait >= MaxTimerWait)
        {
            return MaxTimerWait;
        }

        long milliseconds = (wait.Ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond;
        return TimeSpan.FromMilliseconds(Math.Max(1, milliseconds));
    }
}
