using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Codomyrmex.Scheduler.Diagnostics;

/// <summary>
/// The <c>Codomyrmex.Scheduler</c> meter and activity source. Instrument names follow OpenTelemetry conventions; tags
/// are low-cardinality (job name and outcome, never the job id).
/// </summary>
internal sealed class SchedulerMetrics : IDisposable
{
    public const string Name = "Codomyrmex.Scheduler";

    public static readonly ActivitySource ActivitySource = new(Name, typeof(SchedulerMetrics).Assembly.GetName().Version?.ToString());

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _runs;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _lateness;
    private readonly Counter<long> _skipped;
    private readonly UpDownCounter<long> _active;

    public SchedulerMetrics(IMeterFactory? factory, Func<IEnumerable<Measurement<long>>> jobsByStatus)
    {
        _ownsMeter = factory is null;
        _meter = factory?.Create(Name) ?? new Meter(Name);
        _runs = _meter.CreateCounter<long>("codomyrmex.scheduler.job.runs", "{run}", "Runs that ended, by outcome.");
        _duration = _meter.CreateHistogram<double>("codomyrmex.scheduler.job.run.duration", "s", "How long runs took.");
        _lateness = _meter.CreateHistogram<double>("codomyrmex.scheduler.job.run.lateness", "s", "How long after its scheduled time a run started.");
        _skipped = _meter.CreateCounter<long>("codomyrmex.scheduler.job.skipped", "{occurrence}", "Occurrences skipped by the overlap or misfire policy.");
        _active = _meter.CreateUpDownCounter<long>("codomyrmex.scheduler.job.runs.active", "{run}", "Runs in progress.");
        _meter.CreateObservableGauge("codomyrmex.scheduler.jobs", jobsByStatus, "{job}", "Jobs by status.");
    }

    /// <summary>
    /// Gets a value indicating whether any listener takes the run instruments: a run that starts when none does records neither
    /// its start nor its end (the two always go together, so the active-runs count stays balanced).
    /// </summary>
    public bool IsRunTracked => _active.Enabled || _lateness.Enabled || _runs.Enabled || _duration.Enabled;

    public void RunStarted(string jobName, TimeSpan lateness)
    {
        _active.Add(1, new KeyValuePair<string, object?>("job.name", jobName));
        _lateness.Record(Math.Max(0, lateness.TotalSeconds), new KeyValuePair<string, object?>("job.name", jobName));
    }

    /// <summary>Records the end of an attempt; <paramref name="outcome"/> is an <see cref="OutcomeTag"/> or <c>retrying</c>.</summary>
    public void RunEnded(string jobName, string outcome, TimeSpan duration)
    {
        var name = new KeyValuePair<string, object?>("job.name", jobName);
        var result = new KeyValuePair<string, object?>("outcome", outcome);
        _active.Add(-1, name);
        _runs.Add(1, name, result);
        _duration.Record(duration.TotalSeconds, name, result);
    }

    /// <summary>
    /// Records a run that another node started and lost (its lease lapsed) as ended with <paramref name="outcome"/>: counted
    /// and timed here, where it is recorded, but not taken off the active-runs count, which only the node that started it added to.
    /// </summary>
    public void RunRecovered(string jobName, string outcome, TimeSpan duration)
    {
        var name = new KeyValuePair<string, object?>("job.name", jobName);
        var result = new KeyValuePair<string, object?>("outcome", outcome);
        _runs.Add(1, name, result);
        _duration.Record(duration.TotalSeconds, name, result);
    }

    public void Skipped(string jobName, SkipReason reason) =>
        _skipped.Add(1, new KeyValuePair<string, object?>("job.name", jobName),
            new KeyValuePair<string, object?>("reason", reason == SkipReason.Overlap ? "overlap" : "misfire"));

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    /// <summary>The outcome of a run this node lost to another claim (its lease lapsed): not recorded here, counted as this.</summary>
    internal const string LostTag = "lost";

    internal static string OutcomeTag(RunOutcome outcome) => outcome switch
    {
        RunOutcome.Succeeded => "succeeded",
        RunOutcome.Failed => "failed",
        RunOutcome.Skipped => "skipped",
        RunOutcome.Cancelled => "cancelled",
        _ => "interrupted",
    };
}
