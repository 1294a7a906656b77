using System.Diagnostics.CodeAnalysis;

namespace Codomyrmex.Scheduler;

/// <summary>Decides when a job runs: the base of <see cref="OnceTrigger"/>, <see cref="IntervalTrigger"/> and <see cref="CronTrigger"/>.</summary>
/// <remarks>
/// Triggers are immutable and safe to share between jobs and threads. Their evaluation is pure: a trigger never reads a
/// clock, so the same question always gets the same answer. The set of trigger kinds is closed (they must be storable and
/// serializable), so this class cannot be extended outside the library.
/// </remarks>
public abstract partial class Trigger : IEquatable<Trigger>
{
    private protected Trigger()
    {
    }

    /// <summary>Gets the kind of trigger.</summary>
    public abstract TriggerType Type { get; }

    /// <summary>Gets the first run strictly after an instant.</summary>
    /// <param name="after">The instant to search from; a run at exactly this instant is not returned.</param>
    /// <returns>The next run, or <see langword="null"/> if the trigger never fires again.</returns>
    public abstract DateTimeOffset? GetNextRun(DateTimeOffset after);

    /// <summary>
    /// Fills in what the trigger left to the scheduler: an interval's anchor (the moment of scheduling) and a cron
    /// trigger's zone (the scheduler's). A stored job always holds a bound trigger, so its schedule never depends on
    /// when or where it is read back.
    /// </summary>
    internal virtual Trigger Bind(DateTimeOffset now, TimeZoneInfo zone) => this;

    /// <summary>The first run of a newly scheduled job; unlike <see cref="GetNextRun"/>, a one-time trigger in the past is due at once.</summary>
    internal virtual DateTimeOffset? GetFirstRun(DateTimeOffset now) => GetNextRun(now);

    /// <summary>Shows an instant with the offset users of this trigger expect (the cron zone's, the anchor's).</summary>
    internal virtual DateTimeOffset Localize(DateTimeOffset instant) => instant;

    /// <summary>Determines whether another trigger fires at the same instants by the same rule.</summary>
    /// <param name="other">The trigger to compare with.</param>
    /// <returns>
    /// <see langword="true"/> if <paramref name="other"/> is of the same kind with the same schedule: the same instant for a
    /// one-time trigger; the same interval, start and end instants for an interval trigger; an equal expression in the same
    /// zone for a cron trigger. Offsets are not compared (they change how an instant is shown, not when it is).
    /// </returns>
    /// <remarks>A store compares a job's old and new trigger with it to decide whether an update moves the next run.</remarks>
    public abstract bool Equals([NotNullWhen(true)] Trigger? other);

    /// <inheritdoc/>
    public sealed override bool Equals([NotNullWhen(true)] object? obj) => obj is Trigger other && Equals(other);

    /// <inheritdoc/>
    public abstract override int GetHashCode();
}
