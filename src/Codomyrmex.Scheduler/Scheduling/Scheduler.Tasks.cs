using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Codomyrmex.Scheduler.Diagnostics;
using Codomyrmex.Scheduler.Internal;
using Codomyrmex.Scheduler.Storage;
using Microsoft.Extensions.Logging;

namespace Codomyrmex.Scheduler;

#pragma warning disable RS0026 // One RegisterTask overload per delegate shape, as Schedule has.

public sealed partial class Scheduler
{
    private readonly ConcurrentDictionary<string, Delegate> _tasks = new(StringComparer.Ordinal);

    /// <summary>Gets the names of the registered tasks.</summary>
    public IReadOnlyCollection<string> RegisteredTasks => [.. _tasks.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Registers a task: code that durable jobs name instead of holding a delegate.</summary>
    /// <param name="name">The task's name, which jobs store.</param>
    /// <param name="handler">What the task runs.</param>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> or <paramref name="handler"/> is null.</exception>
    /// <exception cref="ArgumentException">The name is empty, or a task with that name is registered.</exception>
    /// <remarks>
    /// Delegates cannot be saved, so a job on a durable store runs a registered task, found by name each time it runs. A
    /// process that reopens a store must register its tasks before <see cref="Start"/>; a run whose task is not registered
    /// fails with an error that names it.
    /// </remarks>
    public void RegisterTask(string name, Action handler) => RegisterTaskCore(name, handler, handler);

    /// <summary>Registers a task whose result becomes <see cref="Job.Result"/>.</summary>
    /// <param name="name">The task's name, which jobs store.</param>
    /// <param name="handler">What the task runs.</param>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> or <paramref name="handler"/> is null.</exception>
    /// <exception cref="ArgumentException">The name is empty, or a task with that name is registered.</exception>
    public void RegisterTask(string name, Func<object?> handler) => RegisterTaskCore(name, handler, handler);

    /// <summary>Registers an asynchronous task.</summary>
    /// <param name="name">The task's name, which jobs store.</param>
    /// <param name="handler">What the task runs.</param>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> or <paramref name="handler"/> is null.</exception>
    /// <exception cref="ArgumentException">The name is empty, or a task with that name is registered.</exception>
    public void RegisterTask(string name, Func<Task> handler) => RegisterTaskCore(name, handler, handler);

    /// <summary>Registers an asynchronous task that observes cancellation.</summary>
    /// <param name="name">The task's name, which jobs store.</param>
    /// <param name="handler">What the task runs.</param>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> or <paramref name="handler"/> is null.</exception>
    /// <exception cref="ArgumentException">The name is empty, or a task with that name is registered.</exception>
    public void RegisterTask(string name, Func<CancellationToken, Task> handler) => RegisterTaskCore(name, handler, handler);

    /// <summary>Registers an asynchronous task that reads its <see cref="JobContext"/> (the job's JSON arguments) and returns a result.</summary>
    /// <param name="name">The task's name, which jobs store.</param>
    /// <param name="handler">What the task runs.</param>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> or <paramref name="handler"/> is null.</exception>
    /// <exception cref="ArgumentException">The name is empty, or a task with that name is registered.</exception>
    public void RegisterTask(string name, Func<JobContext, CancellationToken, Task<object?>> handler) => RegisterTaskCore(name, handler, handler);

    /// <summary>Registers an asynchronous task with a typed result.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="name">The task's name, which jobs store.</param>
    /// <param name="handler">What the task runs.</param>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> or <paramref name="handler"/> is null.</exception>
    /// <exception cref="ArgumentException">The name is empty, or a task with that name is registered.</exception>
    public void RegisterTask<T>(string name, Func<JobContext, CancellationToken, Task<T>> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        RegisterTaskCore(name, handler,
            new Func<JobContext, CancellationToken, Task<object?>>(async (context, token) => await handler(context, token).ConfigureAwait(false)));
    }

    /// <summary>Schedules a registered task, as a job a durable store can keep.</summary>
    /// <param name="task">The registered task's name.</param>
    /// <param name="trigger">When the job runs; <see langword="null"/> runs it once, as soon as possible.</param>
    /// <param name="args">Positional arguments as JSON, passed in <see cref="JobContext.Args"/> (each a <see cref="JsonNode"/>).</param>
    /// <param name="kwargs">Keyword arguments as JSON, passed in <see cref="JobContext.Kwargs"/> (each a <see cref="JsonNode"/>).</param>
    /// <param name="name">A human-readable name; by default the task's name.</param>
    /// <param name="maxRuns">The most runs, failed ones included; <see langword="null"/> for no limit.</param>
    /// <param name="options">Overlap, misfire, retry, timeout and recovery policies.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The job's id.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="task"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRuns"/> is less than 1.</exception>
    /// <exception cref="ArgumentException">
    /// No task has that name, the trigger can never fire, the options are not valid, or the arguments nest arrays and
    /// objects more than 64 levels deep (deeper than a store can read back).
    /// </exception>
    /// <exception cref="ObjectDisposedException">The scheduler is disposed.</exception>
    /// <remarks>The arguments are copied: changing the nodes afterwards does not change the job.</remarks>
    public ValueTask<string> ScheduleAsync(string task, Trigger? trigger = null, JsonArray? args = null, JsonObject? kwargs = null, string? name = null,
        int? maxRuns = null, JobOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        ThrowIfDisposed();
        ThrowIfUnknownTask(task, nameof(task));
        DateTimeOffset now = StoreNow;
        Job job = NewJob(name ?? task, trigger, maxRuns, options, now) with
        {
            Task = task,
            Args = JsonArguments.Positional(args),
            Kwargs = JsonArguments.Keyword(kwargs),
        };
        return AddJobAsync(job, trigger, cancellationToken);
    }

    /// <summary>Schedules many jobs of registered tasks in one call: all of them, or none if one is not valid.</summary>
    /// <param name="definitions">The jobs: each names a registered task, as a definition given to <see cref="ReconcileAsync"/> does.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The jobs' ids, in the order of <paramref name="definitions"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="definitions"/> or one of them is null.</exception>
    /// <exception cref="ArgumentException">
    /// A definition is not valid: its name is empty, it names a task that is not registered, has a trigger that never fires,
    /// has invalid options or max runs, or has args or kwargs nested more than 64 levels deep. The message lists every
    /// problem, and no job is added.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The scheduler is disposed.</exception>
    /// <remarks>
    /// <para>
    /// Each definition becomes the job <see cref="ScheduleAsync(string, Trigger?, JsonArray?, JsonObject?, string?, int?, JobOptions?, CancellationToken)"/>
    /// would add. Every definition is checked before any job is added, and the jobs are added in one
    /// <see cref="IJobStore.AddManyAsync"/>: one transaction on a durable store, one step on the in-memory store, so a
    /// batch is much cheaper than as many calls and a failure leaves none of it behind.
    /// </para>
    /// <para>
    /// Names need not be unique, and the jobs have no <see cref="Job.Source"/>: they are scheduled in code, so
    /// <see cref="ReconcileAsync"/> never updates or cancels them.
    /// </para>
    /// </remarks>
    public async ValueTask<IReadOnlyList<string>> ScheduleManyAsync(IEnumerable<JobDefinition> definitions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        ThrowIfDisposed();
        List<JobDefinition> wanted = [.. definitions];
        DateTimeOffset now = StoreNow;
        ThrowIfInvalid(wanted, now, namesUnique: false);
        if (wanted.Count == 0)
        {
            return [];
        }

        List<Job> jobs = [.. wanted.Select(definition => NewJob(definition, now, source: null))];
        IReadOnlyList<AddJobResult> results = await AddJobsCoreAsync(jobs, cancellationToken).ConfigureAwait(false);
        SignalChange();
        return [.. results.Select(result => result.Job.Id)];
    }

    /// <summary>Reads the run history, newest first.</summary>
    /// <param name="query">The job, the outcome and the page.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>One page of runs and the total that match.</returns>
    public ValueTask<RunPage> GetRunsAsync(RunQuery query, CancellationToken cancellationToken = default) => _store.GetRunsAsync(query, cancellationToken);

    private void RegisterTaskCore(string name, Delegate handler, Delegate invoke)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(handler);
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("The task name is empty.", nameof(name));
        }

        if (!_tasks.TryAdd(name, invoke))
        {
            throw new ArgumentException($"A task named '{name}' is already registered.", nameof(name));
        }
    }

    private void ThrowIfUnknownTask(string task, string parameter)
    {
        if (!_tasks.ContainsKey(task))
        {
            throw new ArgumentException(
                $"Unknown task: '{task}'. Register it first with scheduler.RegisterTask(\"{task}\", handler)" +
                (_tasks.IsEmpty ? "; no task is registered." : $"; registered: {string.Join(", ", RegisteredTasks)}."), parameter);
        }
    }

    /// <summary>The code a run executes: the job's delegate, or its task's.</summary>
    private Delegate ResolveHandler(ClaimedRun run)
    {
        if (run.JobFunc is { } func)
        {
            return func;
        }

        string? task = run.JobTask;
        if (task is not null && _tasks.TryGetValue(task, out Delegate? handler))
        {
            return handler;
        }

        throw new InvalidOperationException(
            $"Job '{run.JobName}' runs task '{task}', which is not registered on this scheduler: call RegisterTask(\"{task}\", handler) before Start.");
    }

    /// <summary>
    /// Gets the store's time: a new job's creation, its interval's anchor and the day an <c>At</c> trigger starts from are
    /// by the store's clock, the clock of record that decides when it is due, not by this node's, which may be off.
    /// </summary>
    private DateTimeOffset StoreNow => _store.TimeProvider.GetUtcNow();

    /// <summary>A new pending job with its trigger bound now; the caller fills in what it runs (a delegate here, or a task after).</summary>
    private Job NewJob(string name, Trigger? trigger, int? maxRuns, JobOptions? options, DateTimeOffset now, Delegate? func = null,
        IReadOnlyList<object?>? args = null, IReadOnlyDictionary<string, object?>? kwargs = null)
    {
        DateTimeOffset first = CheckNewJob(name, trigger, maxRuns, ref options, now, out Trigger? bound);
        return new Job
        {
            Id = JobIds.Format(JobIds.NewKey()),
            Name = name,
            Func = func,
            Args = args ?? [],
            Kwargs = kwargs ?? Job.NoKwargs,
            Trigger = bound,
            Status = JobStatus.Pending,
            CreatedAt = now,
            NextRun = first,
            MaxRuns = maxRuns,
            Options = options,
            Version = 1,
        };
    }

    private Trigger? Bind(Trigger? trigger, DateTimeOffset anchor) => trigger?.Bind(anchor, _options.TimeZone ?? _time.LocalTimeZone);

    /// <summary>Adds a new job to the store (drawing a new id on the rare collision) and logs it.</summary>
    /// <returns>The job's id.</returns>
    private ValueTask<string> AddJobAsync(Job job, Trigger? trigger, CancellationToken cancellationToken)
    {
        // Schedule's hot path: the in-memory store completes at once, so no second state machine runs.
        ValueTask<AddJobResult> adding = AddJobCoreAsync(job, trigger, cancellationToken);
        return adding.IsCompletedSuccessfully ? new(adding.Result.Job.Id) : AwaitIdAsync(adding);

        static async ValueTask<string> AwaitIdAsync(ValueTask<AddJobResult> adding) => (await adding.ConfigureAwait(false)).Job.Id;
    }

    /// <summary>Adds new jobs to the store in one call, drawing new ids on the rare collision.</summary>
    /// <returns>What <see cref="AddJobCoreAsync"/> would return for each job, in order.</returns>
    private async ValueTask<IReadOnlyList<AddJobResult>> AddJobsCoreAsync(List<Job> jobs, CancellationToken cancellationToken)
    {
        IReadOnlyList<AddJobResult> results;
        while (true)
        {
            try
            {
                results = await _store.AddManyAsync(jobs, cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (ArgumentException)
            {
                // The batch added nothing. If 64 random bits collided with stored ids, draw those again; else the error stands.
                bool drawn = false;
                for (int i = 0; i < jobs.Count; i++)
                {
                    if (await _store.GetAsync(jobs[i].Id, cancellationToken).ConfigureAwait(false) is not null)
                    {
                        jobs[i] = jobs[i] with { Id = JobIds.Format(JobIds.NewKey()) };
                        drawn = true;
                    }
                }

                if (!drawn)
                {
                    throw;
                }
            }
        }

        if (_logger.IsEnabled(LogLevel.Debug))
        {
            foreach (AddJobResult result in results.Where(result => result.Added))
            {
                Log.JobScheduled(_logger, result.Job.Name, result.Job.Id, result.Job.Trigger?.ToString() ?? "run once", result.Job.NextRun);
            }
        }

        return results;
    }

    /// <summary>Adds a new job to the store, drawing a new id on the rare collision.</summary>
    /// <returns>
    /// The job added, or, for a declared job (with a <see cref="Job.Source"/>) whose name a live job of that source has
    /// already (another node reconciling the same definitions at the same time), that job, not added.
    /// </returns>
    private async ValueTask<AddJobResult> AddJobCoreAsync(Job job, Trigger? trigger, CancellationToken cancellationToken)
    {
        AddJobResult result;
        while (true)
        {
            try
            {
                result = await _store.AddAsync(job, cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (ArgumentException)
            {
                if (await _store.GetAsync(job.Id, cancellationToken).ConfigureAwait(false) is null)
                {
                    throw;
                }

                // 64 random bits collided with an existing id: draw again.
                job = job with { Id = JobIds.Format(JobIds.NewKey()) };
            }
        }

        if (result.Added && _logger.IsEnabled(LogLevel.Debug))
        {
            Log.JobScheduled(_logger, job.Name, job.Id, job.Trigger?.ToString() ?? trigger?.ToString() ?? "run once", job.NextRun);
        }

        return result;
    }
}
