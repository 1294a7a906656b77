using System.Globalization;

namespace Codomyrmex.Scheduler.Benchmarks.Scale;

/// <summary>
/// One store under test, grown in place from one size to the next: job <c>i</c> is named <c>job-{i:D7}</c> and is a one-shot job
/// due <see cref="FarAhead"/> + i x 10 ms from the start of the run, so that none comes due during it.
/// </summary>
/// <remarks>
/// The handles (our ids) of every <see cref="SampleEvery"/>-th job are kept, so that Get and Cancel hit jobs spread over the
/// whole store; a cancelled sample is not cancelled again.
/// </remarks>
internal abstract class ScaleTarget : IAsyncDisposable
{
    /// <summary>One job in this many keeps its handle for Get and Cancel.</summary>
    public const int SampleEvery = 20;

    /// <summary>How far ahead the pending jobs are due.</summary>
    public static readonly TimeSpan FarAhead = TimeSpan.FromDays(2);

    private readonly HashSet<int> _cancelled = [];

    protected ScaleTarget()
    {
        Far = TimeProvider.System.GetUtcNow() + FarAhead;
    }

    /// <summary>Gets the row label.</summary>
    public abstract string Name { get; }

    /// <summary>Gets how many jobs the fill and the schedule calls have added (job indexes 0 to Count - 1).</summary>
    public int Count { get; private set; }

    /// <summary>Gets whether the store adds many jobs in one call.</summary>
    public abstract bool HasBatch { get; }

    /// <summary>Gets whether the store can be opened again on what it keeps (a durable store).</summary>
    public virtual bool CanReopen => false;

    /// <summary>Gets the size of the store's database (file and write-ahead log, or the server's relation sizes), in bytes; 0 in memory.</summary>
    public virtual long StoreBytes => 0;

    /// <summary>Gets schedctl's <c>--store</c> for this store (<c>sqlite:PATH</c>, <c>postgres:CONNECTION;Schema=S</c>), or null.</summary>
    public virtual string? SchedctlStore => null;

    protected DateTimeOffset Far { get; }

    public static string JobName(int index) => "job-" + index.ToString("D7", CultureInfo.InvariantCulture);

    /// <summary>Schedules job <see cref="Count"/> with one call.</summary>
    public async ValueTask ScheduleOneAsync()
    {
        int index = Count;
        object handle = await AddOneAsync(index, Due(index)).ConfigureAwait(false);
        Keep(index, handle);
        Count++;
    }

    /// <summary>Gets whether the scheduler has a batch call of its own above the store's (ours: <c>ScheduleManyAsync</c>).</summary>
    public virtual bool HasSchedulerBatch => false;

    /// <summary>
    /// Schedules jobs <see cref="Count"/> to <see cref="Count"/> + <paramref name="count"/> - 1 with one batch call: the store's, or
    /// with <paramref name="scheduler"/> the scheduler's.
    /// </summary>
    public async ValueTask ScheduleBatchAsync(int count, bool scheduler = false)
    {
        int from = Count;
        IReadOnlyList<object> handles = await AddBatchAsync(from, count, scheduler).ConfigureAwait(false);
        for (int k = 0; k < count; k++)
        {
            Keep(from + k, handles[k]);
        }

        Count += count;
    }

    /// <summary>Adds the jobs the declaring source owns (before the fill), when the store knows sources.</summary>
    public virtual ValueTask DeclareAsync(int count) => default;

    /// <summary>After a fill, untimed: brings the store to the state a store of that size is in after a while (PostgreSQL: vacuumed and analyzed).</summary>
    public virtual ValueTask SettleAsync() => default;

    public abstract bool Supports(ScaleOperation operation);

    /// <summary>Does the untimed part of one call of <paramref name="operation"/> (adding the job a claim takes).</summary>
    public virtual ValueTask PrepareAsync(ScaleOperation operation) => default;

    /// <summary>One timed call of <paramref name="operation"/>; <paramref name="random"/> picks the job or name.</summary>
    public abstract ValueTask RunAsync(ScaleOperation operation, Random random);

    /// <summary>Opens the store again on what it keeps and does what a starting node does first; returns what each step took.</summary>
    public virtual ValueTask<IReadOnlyList<(string Step, TimeSpan Took)>> ReopenAsync(int declared) =>
        throw new NotSupportedException($"{Name} keeps nothing to open again.");

    public abstract ValueTask DisposeAsync();

    /// <summary>The due time of job <paramref name="index"/>.</summary>
    protected DateTimeOffset Due(int index) => Far.AddTicks(index * TimeSpan.TicksPerMillisecond * 10);

    protected abstract ValueTask<object> AddOneAsync(int index, DateTimeOffset due);

    protected abstract ValueTask<IReadOnlyList<object>> AddBatchAsync(int from, int count, bool scheduler);

    /// <summary>Keeps the handle of job <paramref name="index"/> when it is a sample.</summary>
    protected abstract void Keep(int index, object handle);

    /// <summary>The handle of sample <paramref name="sample"/> (job <c>sample x SampleEvery</c>).</summary>
    protected abstract object Sample(int sample);

    /// <summary>A random sample's handle, of a job not cancelled (a Quartz job unscheduled is gone).</summary>
    protected object AnySample(Random random) => Sample(AnyLiveSample(random));

    /// <summary>The name of a random job not cancelled.</summary>
    protected string AnyName(Random random) => JobName(AnyLiveSample(random) * SampleEvery);

    private int AnyLiveSample(Random random)
    {
        int start = random.Next(Samples);
        for (int k = 0; k < Samples; k++)
        {
            int sample = (start + k) % Samples;
            if (!_cancelled.Contains(sample))
            {
                return sample;
            }
        }

        throw new InvalidOperationException("Every sample is cancelled.");
    }

    /// <summary>A random sample not cancelled before (the next one after a random start); the sample is marked cancelled.</summary>
    protected object UncancelledSample(Random random)
    {
        int start = random.Next(Samples);
        for (int k = 0; k < Samples; k++)
        {
            int sample = (start + k) % Samples;
            if (_cancelled.Add(sample))
            {
                return Sample(sample);
            }
        }

        throw new InvalidOperationException("No sample left to cancel.");
    }

    /// <summary>A random prefix that exactly 100 job names share (<c>job-NNNNN</c> of <c>job-NNNNNxx</c>).</summary>
    protected string AnyPrefix(Random random) => JobName(random.Next(Count / 100) * 100)[..^2];

    private int Samples => ((Count - 1) / SampleEvery) + 1;
}
