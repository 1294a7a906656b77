using System.Text.Json.Nodes;

namespace Codomyrmex.Scheduler;

/// <summary>A job declared by name (in a jobs file or in configuration), which <see cref="Scheduler.ReconcileAsync"/> keeps in step with the store.</summary>
public sealed record JobDefinition
{
    /// <summary>Gets the job's name: unique among the definitions of one source, and how a definition finds its job again.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the name of the registered task the job runs.</summary>
    public required string Task { get; init; }

    /// <summary>Gets when the job runs; <see langword="null"/> runs it once, as soon as possible.</summary>
    /// <remarks>An interval without a start time is anchored at the moment the job was first created, so restarts do not shift it.</remarks>
    public Trigger? Trigger { get; init; }

    /// <summary>Gets the positional arguments, as JSON.</summary>
    public JsonArray? Args { get; init; }

    /// <summary>Gets the keyword arguments, as JSON.</summary>
    public JsonObject? Kwargs { get; init; }

    /// <summary>Gets the most runs, failed ones included, or <see langword="null"/> for no limit.</summary>
    public int? MaxRuns { get; init; }

    /// <summary>Gets the job's policies.</summary>
    /// <value>The default is <see cref="JobOptions.Default"/>.</value>
    public JobOptions Options { get; init; } = JobOptions.Default;
}
