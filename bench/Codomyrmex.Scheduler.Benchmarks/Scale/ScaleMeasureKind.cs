namespace Codomyrmex.Scheduler.Benchmarks.Scale;

/// <summary>How a figure of the scale table reads, and whether the 2x target applies to it.</summary>
internal enum ScaleMeasureKind
{
    /// <summary>A cost per call (lower is better); the ratio is largest size / smallest, target at most 2.</summary>
    Cost,

    /// <summary>A rate (higher is better); the ratio is smallest size / largest (the cost ratio), target at most 2.</summary>
    Rate,

    /// <summary>A figure shown for what it is (bytes per job, start-up steps); its ratio is shown, no target.</summary>
    Info,
}
