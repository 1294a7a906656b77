using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Codomyrmex.Scheduler;

/// <summary>A trigger that fires once, at a given instant.</summary>
/// <param name="runAt">The instant to run at.</param>
public sealed class OnceTrigger(DateTimeOffset runAt) : Trigger
{
    /// <inheritdoc/>
    public override TriggerType Type => TriggerType.Once;

    /// <summary>Gets the instant the trigger fires at.</summary>
    public DateTimeOffset RunAt { get; } = runAt;

    /// <inheritdoc/>
    /// <returns><see cref="RunAt"/> if it is later than <paramref name="after"/>; otherwise <see langword="null"/>.</returns>
    public override DateTimeOffset? GetNextRun(DateTimeOffset after) => RunAt > after ? RunAt : null;

    internal override DateTimeOffset? GetFirstRun(DateTimeOffset now) => RunAt;

    internal override DateTimeOffset Localize(DateTimeOffset instant) => instant.ToOffset(RunAt.Offset);

    /// <inheritdoc/>
    public override bool Equals([NotNullWhen(true)] Trigger? other) => other is OnceTrigger once && once.RunAt == RunAt;

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(TriggerType.Once, RunAt.UtcTicks);

    /// <summary>Returns a description such as <c>once at 2026-03-01T09:30:00.0000000+01:00</c>.</summary>
    /// <returns>The description.</returns>
    public override string ToString() => "once at " + RunAt.ToString("O", CultureInfo.InvariantCulture);
}
