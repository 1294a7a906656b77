using System.Diagnostics;
using Codomyrmex.Scheduler.Benchmarks.Dispatch;
using Codomyrmex.Scheduler.PostgreSql;
using Codomyrmex.Scheduler.Sqlite;
using Codomyrmex.Scheduler.Storage;
using Npgsql;

namespace Codomyrmex.Scheduler.Benchmarks.Scale;

/// <summary>
/// Codomyrmex.Scheduler on one of its stores: the in-memory store, a SQLite file in the temporary folder, or a PostgreSQL schema of
/// its own (dropped at the end). Jobs are scheduled one at a time through a <see cref="Scheduler"/> (not started, so nothing else
/// touches the store) as the registered task <c>noop</c>, as a durable user schedules them, and in batches with
/// <see cref="Scheduler.ScheduleManyAsync"/> or the store's <see cref="IJobStore.AddManyAsync"/> (jobs made as the scheduler makes
/// them; the fill uses this one); the other operations call the store itself.
/// </summary>
internal sealed class CodomyrmexScaleTarget : ScaleTarget
{
    public const string NoopTask = "noop";
    public const string DeclaredSource = "bench-declared";
    private const int PageSize = 100;

    private readonly string _kind;
    private readonly TemporaryDatabase? _file;
    private readonly NpgsqlDataSource? _postgres;
    private readonly string? _schema;
    private readonly List<string> _samples = [];
    private readonly NodeIdentity _node = NodeIdentity.Create("bench-scale", TimeProvider.System.GetUtcNow());
    private ClaimedRun? _claimed;

    private CodomyrmexScaleTarget(string kind, TemporaryDatabase? file, NpgsqlDataSource? postgres, string? schema)
    {
        _kind = kind;
        _file = file;
        _postgres = postgres;
        _schema = schema;
        (Store, Scheduler) = Open();
    }

    public override string Name => "Codomyrmex " + _kind;

    public override bool HasBatch => true;

    public override bool HasSchedulerBatch => true;

    public override bool CanReopen => _kind != "memory";

    public override long StoreBytes => _file?.Bytes ?? (_postgres is null ? 0 : PostgresBytes());

    public override string? SchedctlStore =>
        _file is not null ? "sqlite:" + _file.Path : _postgres is null ? null : $"postgres:{_postgres.ConnectionString};Schema={_schema}";

    public IJobStore Store { get; private set; }

    public Scheduler Scheduler { get; private set; }

    public static CodomyrmexScaleTarget Memory() => new("memory", null, null, null);

    public static CodomyrmexScaleTarget Sqlite() => new("SQLite", new TemporaryDatabase("scale"), null, null);

    public static CodomyrmexScaleTarget Postgres(string connectionString)
    {
        // As the store, hosting and schedctl make it: the store's statements prepared on each connection.
        NpgsqlDataSource source = PostgreSqlJobStore.CreateDataSource(connectionString);
        return new("PostgreSQL", null, source, "bench_scale_" + Guid.NewGuid().ToString("N")[..8]);
    }

    /// <summary>The definitions the declaring source owns: far-future one-shot jobs named <c>declared-N</c>.</summary>
    public IEnumerable<JobDefinition> Declared(int count) => Enumerable.Range(0, count).Select(i => new JobDefinition
    {
        Name = "declared-" + i,
        Task = NoopTask,
        Trigger = new OnceTrigger(Far.AddDays(-1).AddSeconds(i)),
    });

    public override async ValueTask DeclareAsync(int count) =>
        await Scheduler.ReconcileAsync(DeclaredSource, Declared(count)).ConfigureAwait(false);

    public override bool Supports(ScaleOperation operation) => true;

    public override async ValueTask PrepareAsync(ScaleOperation operation)
    {
        if (operation == ScaleOperation.Claim)
        {
            await CompleteClaimedAsync().ConfigureAwait(false);

            // No trigger: due at once.
            await Scheduler.ScheduleAsync(NoopTask, name: "claim-probe").ConfigureAwait(false);
        }
    }

    public override async ValueTask RunAsync(ScaleOperation operation, Random random)
    {
        switch (operation)
        {
            case ScaleOperation.Get:
                string id = (string)AnySample(random);
                if (await Store.GetAsync(id).ConfigureAwait(false) is null)
                {
                    throw new InvalidOperationException($"Job {id} is missing.");
                }

                break;
            case ScaleOperation.ListByStatus:
                JobPage page = await Store.ListAsync(new JobQuery { Status = JobStatus.Pending, Limit = PageSize }).ConfigureAwait(false);
                Expect(page.Items.Count, PageSize, operation);
                break;
            case ScaleOperation.ListByName:
                string name = AnyName(random);
                JobPage named = await Store.ListAsync(new JobQuery { Name = name, Limit = PageSize }).ConfigureAwait(false);
                Expect(named.Items.Count, 1, operation);
                break;
            case ScaleOperation.ListByNamePrefix:
                JobPage prefixed = await Store.ListAsync(new JobQuery { NamePrefix = AnyPrefix(random), Limit = PageSize }).ConfigureAwait(false);
                Expect(prefixed.Items.Count, PageSize, operation);
                break;
            case ScaleOperation.ListBySource:
                JobPage declared = await Store.ListAsync(new JobQuery { Source = DeclaredSource, Limit = PageSize }).ConfigureAwait(false);
                Expect(declared.Items.Count, PageSize, operation);
                break;
            case ScaleOperation.Count:
                JobCounts counts = await Store.CountAsync().ConfigureAwait(false);
                if (counts.Total < Count)
                {
                    throw new InvalidOperationException($"{counts.Total} jobs counted, fewer than the {Count} added.");
                }

                break;
            case ScaleOperation.Cancel:
                string cancel = (string)UncancelledSample(random);
                if (await Store.CancelAsync(cancel).ConfigureAwait(false) is not { Status: JobStatus.Cancelled })
                {
                    throw new InvalidOperationException($"Job {cancel} was not cancelled.");
                }

                break;
            case ScaleOperation.Claim:
                ClaimBatch batch = await Store.ClaimDueAsync(new ClaimRequest { Node = _node, MaxRuns = 1 }).ConfigureAwait(false);
                Expect(batch.Runs.Count, 1, operation);
                _claimed = batch.Runs[0];
                break;
            default:
                throw new NotSupportedException(operation.ToString());
        }
    }

    /// <summary>Completes the run the last claim took (untimed), so that the store holds no runs in progress.</summary>
    public async ValueTask CompleteClaimedAsync()
    {
        if (_claimed is { } run)
        {
            _claimed = null;
            DateTimeOffset now = TimeProvider.System.GetUtcNow();
            await Store.CompleteRunAsync(new RunCompletion { Run = run, Outcome = RunOutcome.Succeeded, StartedAt = now, FinishedAt = now })
                .ConfigureAwait(false);
        }
    }

    public override async ValueTask<IReadOnlyList<(string Step, TimeSpan Took)>> ReopenAsync(int declared)
    {
        await CompleteClaimedAsync().ConfigureAwait(false);
        await CloseAsync().ConfigureAwait(false);
        var steps = new List<(string, TimeSpan)>();
        long start = Stopwatch.GetTimestamp();
        (IJobStore store, Scheduler scheduler) = Open();
        Store = store;
        Scheduler = scheduler;
        await store.NextDueAsync().ConfigureAwait(false);
        steps.Add(("open (new store instance + NextDueAsync)", Stopwatch.GetElapsedTime(start)));

        long step = Stopwatch.GetTimestamp();
        await store.RecoverExpiredAsync().ConfigureAwait(false);
        steps.Add(("recover (RecoverExpiredAsync)", Stopwatch.GetElapsedTime(step)));

        step = Stopwatch.GetTimestamp();
        ClaimBatch first = await store.ClaimDueAsync(new ClaimRequest { Node = _node, MaxRuns = 4 }).ConfigureAwait(false);
        if (first.Runs.Count != 0)
        {
            throw new InvalidOperationException($"The first claim took {first.Runs.Count} runs; nothing should be due.");
        }

        steps.Add(("first claim (ClaimDueAsync, nothing due)", Stopwatch.GetElapsedTime(step)));

        step = Stopwatch.GetTimestamp();
        ReconcileResult reconciled = await scheduler.ReconcileAsync(DeclaredSource, Declared(declared)).ConfigureAwait(false);
        steps.Add(($"reconcile {declared} declared jobs (ReconcileAsync, none changed)", Stopwatch.GetElapsedTime(step)));
        steps.Add(("start-up total", Stopwatch.GetElapsedTime(start)));
        GC.KeepAlive(reconciled);
        return steps;
    }

    public override async ValueTask DisposeAsync()
    {
        await CloseAsync().ConfigureAwait(false);
        if (_postgres is not null)
        {
            await using (NpgsqlCommand drop = _postgres.CreateCommand($"DROP SCHEMA IF EXISTS {_schema} CASCADE"))
            {
                await drop.ExecuteNonQueryAsync().ConfigureAwait(false);
            }

            await _postgres.DisposeAsync().ConfigureAwait(false);
        }

        _file?.Dispose();
    }

    protected override async ValueTask<object> AddOneAsync(int index, DateTimeOffset due) =>
        await Scheduler.ScheduleAsync(NoopTask, new OnceTrigger(due), name: JobName(index)).ConfigureAwait(false);

    /// <summary>
    /// One <see cref="Scheduler.ScheduleManyAsync"/> of task definitions, or one <see cref="IJobStore.AddManyAsync"/> of jobs made as
    /// the scheduler makes them for a task.
    /// </summary>
    protected override async ValueTask<IReadOnlyList<object>> AddBatchAsync(int from, int count, bool scheduler)
    {
        if (scheduler)
        {
            IReadOnlyList<string> ids = await Scheduler.ScheduleManyAsync(Enumerable.Range(from, count).Select(index => new JobDefinition
            {
                Name = JobName(index),
                Task = NoopTask,
                Trigger = new OnceTrigger(Due(index)),
            })).ConfigureAwait(false);
            return [.. ids];
        }

        DateTimeOffset now = Store.TimeProvider.GetUtcNow();
        var jobs = new Job[count];
        for (int k = 0; k < count; k++)
        {
            DateTimeOffset due = Due(from + k);
            jobs[k] = new Job
            {
                Id = RunIds.New(),
                Name = JobName(from + k),
                Task = NoopTask,
                Trigger = new OnceTrigger(due),
                Status = JobStatus.Pending,
                CreatedAt = now,
                NextRun = due,
                Version = 1,
            };
        }

        IReadOnlyList<AddJobResult> added = await Store.AddManyAsync(jobs).ConfigureAwait(false);
        return [.. added.Select(result => (object)result.Job.Id)];
    }

    protected override void Keep(int index, object handle)
    {
        if (index % SampleEvery == 0)
        {
            _samples.Add((string)handle);
        }
    }

    protected override object Sample(int sample) => _samples[sample];

    private static void Expect(int actual, int expected, ScaleOperation operation)
    {
        if (actual != expected)
        {
            throw new InvalidOperationException($"{operation} returned {actual} items, not {expected}.");
        }
    }

    private (IJobStore Store, Scheduler Scheduler) Open()
    {
        IJobStore store = _kind switch
        {
            "memory" => new InMemoryJobStore(),
            "SQLite" => new SqliteJobStore(new SqliteJobStoreOptions { Path = _file!.Path }),
            _ => new PostgreSqlJobStore(_postgres!, new PostgreSqlJobStoreOptions { Schema = _schema! }),
        };
        var scheduler = new Scheduler(new SchedulerOptions { MaxWorkers = 4, TimeProvider = TimeProvider.System, Store = store });
        scheduler.RegisterTask(NoopTask, static () => { });
        return (store, scheduler);
    }

    private async ValueTask CloseAsync()
    {
        await Scheduler.DisposeAsync().ConfigureAwait(false);
        if (Store is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// PostgreSQL: <c>VACUUM (ANALYZE)</c> of the schema's tables, which autovacuum would run on its own within a minute of a fill
    /// this large: measured before it, every operation shares the 2 cores with it, and reads tuples whose hint bits are not set yet.
    /// </remarks>
    public override async ValueTask SettleAsync()
    {
        if (_postgres is null)
        {
            return;
        }

        await using NpgsqlCommand vacuum = _postgres.CreateCommand($"VACUUM (ANALYZE) {_schema}.jobs, {_schema}.job_counts, {_schema}.claims, {_schema}.runs");
        vacuum.CommandTimeout = 0;
        await vacuum.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    private long PostgresBytes()
    {
        using NpgsqlCommand size = _postgres!.CreateCommand(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace " +
            $"WHERE n.nspname = '{_schema}' AND c.relkind = 'r'");
        return (long)size.ExecuteScalar()!;
    }
}
