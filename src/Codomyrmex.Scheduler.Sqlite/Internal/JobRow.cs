using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Sqlite.Internal;

/// <summary>A job as stored: its definition as text, and its changing part as the shared <see cref="JobState"/>.</summary>
internal sealed class JobRow
{
    public JobState State;

    public long Seq { get; init; }

    public required string Id { get; init; }

    public required string Name { get; set; }

    public string? Task { get; set; }

    public required string Args { get; set; }

    public required string Kwargs { get; set; }

    public string? TriggerJson { get; set; }

    public int? MaxRuns { get; set; }

    public string? Source { get; set; }

    public long CreatedAt { get; init; }

    public string? Result { get; set; }

    public string? Error { get; set; }

    public required JobOptions Options { get; set; }

    /// <summary>When the job became finished, by the store's clock; 0 while it may run.</summary>
    public long FinishedAt { get; set; }
}
