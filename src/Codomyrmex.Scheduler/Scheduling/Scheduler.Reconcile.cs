using System.Text.Json.Nodes;
using Codomyrmex.Scheduler.Internal;
using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler;

public sealed partial class Scheduler
{
    /// <summary>Makes the jobs of one source match its definitions: adds new ones, updates changed ones, cancels removed ones.</summary>
    /// <param name="source">Where the definitions come from (a jobs file's path, <c>"configuration"</c>); stored as <see cref="Job.Source"/>.</param>
    /// <param name="definitions">Every job the source declares.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>What changed, by name.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> or <paramref name="definitions"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// The definitions are not valid: two share a name, one names a task that is not registered, has a trigger that never
    /// fires, has invalid options, or has args or kwargs nested more than 64 levels deep. The message lists every problem,
    /// and nothing is changed.
    /// </exception>
    /// <exception cref="InvalidOperationException">The store refuses this process (for example a SQLite file another live process runs); nothing is changed.</exception>
    /// <remarks>
    /// <para>
    /// Jobs are matched by name among the jobs of <paramref name="source"/> that are not cancelled; jobs scheduled in code
    /// or by another source are never touched, nor read: the store is asked for this source's jobs only, and the new ones
    /// are added in one <see cref="IJobStore.AddManyAsync"/> (one transaction on a durable store), so reconciling a few
    /// definitions costs the same on a store of a million jobs as on an empty one. An updated job keeps its id, counters and run history; if its trigger or
    /// limit changed, its next run is computed again (a finished job with runs left becomes pending). A removed job is
    /// cancelled, so a definition added again later starts a new job.
    /// </para>
    /// <para>
    /// Like <see cref="StartAsync"/>, it first records runs whose node vanished; on a store that one process runs at a time
    /// (SQLite) that makes the store this process's, so a second process is refused before it changes anything.
    /// Run it at start-up (and when the source changes). Several nodes may reconcile the same source on one store at once (every
    /// host of a cluster starting with the same configuration): the store keeps one live job per source and name, so they end
    /// with one job per definition; a node whose add lost that race updates the job the other added instead.
    /// </para>
    /// </remarks>
    public async Task<ReconcileResult> ReconcileAsync(string source, IEnumerable<JobDefinition> definitions, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        ArgumentNullException.ThrowIfNull(definitions);
        ThrowIfDisposed();
        List<JobDefinition> wanted = [.. definitions];
        DateTimeOffset now = StoreNow;
        ThrowIfInvalid(wanted, now, namesUnique: true);

        // As Start does first: record runs lost while nothing ran them, which also makes a single-process store (SQLite)
        // ours, so that a process that may not run the store is refused here, before it changes any job.
        await RecoverLostRunsAsync(cancellationToken).ConfigureAwait(false);

        // Only this source's jobs: the store finds them by source, so a start on a store of a million jobs reads the few it declared.
        Dictionary<string, Job> current = new(StringComparer.Ordinal);
        foreach (Job job in (await _store.ListAsync(new JobQuery { Source = source }, cancellationToken).ConfigureAwait(false)).Items)
        {
            if (job.Status != JobStatus.Cancelled)
            {
                // Two live jobs of one name (a store that does not enforce one live job per source and name, or one written
                // before it did): the newest stands, the other goes.
                if (current.TryGetValue(job.Name, out Job? other))
                {
                    await _store.CancelAsync(other.CreatedAt <= job.CreatedAt ? other.Id : job.Id, cancellationToken).ConfigureAwait(false);
                    if (other.CreatedAt > job.CreatedAt)
                    {
                        continue;
                    }
                }

                current[job.Name] = job;
            }
        }

        // The new definitions are added in one call (one transaction on a durable store). The store checks each name against
        // the live jobs of the source in the same step, so a node that lost the race to another reconciling the same source
        // gets that node's job back, and brings it to this definition below.
        List<Job> fresh = [.. wanted.Where(d => !current.ContainsKey(d.Name)).Select(d => NewJob(d, now, source))];
        IReadOnlyList<AddJobResult> results = fresh.Count == 0 ? [] : await AddJobsCoreAsync(fresh, cancellationToken).ConfigureAwait(false);
        int next = 0;
        List<string> added = [], updated = [], removed = [], unchanged = [];
        foreach (JobDefinition definition in wanted)
        {
            if (!current.Remove(definition.Name, out Job? job))
            {
                AddJobResult result = results[next++];
                if (result.Added)
                {
                    added.Add(definition.Name);
                    continue;
                }

                // Another node reconciling the same source added it first: that job is the one, brought to this definition.
                job = result.Job;
            }

            (await UpdateFromDefinitionAsync(job, definition, now, cancellationToken).ConfigureAwait(false) ? updated : unchanged).Add(definition.Name);
        }

        foreach (Job gone in current.Values)
        {
            await CancelAsync(gone.Id, cancellationToken).ConfigureAwait(false);
            removed.Add(gone.Name);
        }

        SignalChange();
        return new ReconcileResult(added, updated, removed, unchanged);
    }

    /// <summary>Checks every definition before anything changes, listing every problem; <paramref name="namesUnique"/> for the definitions of one source.</summary>
    private void ThrowIfInvalid(List<JobDefinition> definitions, DateTimeOffset now, bool namesUnique)
    {
        var errors = new List<string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (JobDefinition definition in definitions)
        {
            ArgumentNullException.ThrowIfNull(definition, nameof(definitions));
            string name = definition.Name;
            if (string.IsNullOrWhiteSpace(name))
            {
                errors.Add("A job definition has an empty name.");
                continue;
            }

            if (namesUnique && !names.Add(name))
            {
                errors.Add($"Job '{name}' is defined twice.");
            }

            if (!_tasks.ContainsKey(definition.Task))
            {
                errors.Add($"Job '{name}': unknown task '{definition.Task}'; register it with RegisterTask(\"{definition.Task}\", handler).");
            }

            if (definition.MaxRuns is < 1)
            {
                errors.Add($"Job '{name}': max runs is {definition.MaxRuns}; it must be at least 1.");
            }

            if (definition.Options is null)
            {
                errors.Add($"Job '{name}': options are null.");
            }
            else
            {
                errors.AddRange(definition.Options.Validate().Select(problem => $"Job '{name}': {problem}"));
            }

            foreach (string? problem in (string?[])[JsonArguments.Problem(definition.Args, "Its args"), JsonArguments.Problem(definition.Kwargs, "Its kwargs")])
            {
                if (problem is not null)
                {
                    errors.Add($"Job '{name}': {problem}");
                }
            }

            if (definition.Trigger is { } trigger && Bind(trigger, now)!.GetFirstRun(now) is null)
            {
                errors.Add($"Job '{name}': the trigger '{trigger}' never fires after {now:O}.");
            }
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("The job definitions are not valid: " + string.Join(" ", errors), nameof(definitions));
        }
    }

    /// <summary>A new pending job of a definition, declared by <paramref name="source"/> (<see langword="null"/>: scheduled in code).</summary>
    private Job NewJob(JobDefinition definition, DateTimeOffset now, string? source) =>
        NewJob(definition.Name, definition.Trigger, definition.MaxRuns, definition.Options, now) with
        {
            Task = definition.Task,
            Args = JsonArguments.Positional(definition.Args),
            Kwargs = JsonArguments.Keyword(definition.Kwargs),
            Source = source,
        };

    /// <summary>Updates a job to match its definition; false if it already did.</summary>
    private async Task<bool> UpdateFromDefinitionAsync(Job existing, JobDefinition definition, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Bound at the job's creation, an unchanged interval keeps its anchor, so restarts neither shift nor "change" it.
        Trigger? trigger = Bind(definition.Trigger, existing.CreatedAt);
        JsonArray args = definition.Args ?? [];
        JsonObject kwargs = definition.Kwargs ?? [];
        bool sameTrigger = Equals(existing.Trigger, trigger);
        if (sameTrigger && existing.Task == definition.Task && existing.MaxRuns == definition.MaxRuns && existing.Options == definition.Options
            && JsonNode.DeepEquals(JobArguments.ToJson(existing.Args), args) && JsonNode.DeepEquals(JobArguments.ToJson(existing.Kwargs), kwargs))
        {
            return false;
        }

        Job job = existing;
        for (int attempt = 0; ; attempt++)
        {
            // A changed trigger starts as a new job's would: a one-time trigger whose time has just passed still runs (late,
            // as its misfire policy says), as it would had the job been added rather than updated.
            DateTimeOffset? next = sameTrigger && existing.MaxRuns == definition.MaxRuns ? job.NextRun : trigger is null ? now : trigger.GetFirstRun(now);
            Job? result = await _store.UpdateAsync(
                job with
                {
                    Task = definition.Task,
                    Trigger = trigger,
                    Args = JsonArguments.Positional(args),
                    Kwargs = JsonArguments.Keyword(kwargs),
                    MaxRuns = definition.MaxRuns,
                    Options = definition.Options,
                    NextRun = next,
                },
                cancellationToken).ConfigureAwait(false);
            if (result is not null)
            {
                return true;
            }

            // Someone (a run completing) changed it meanwhile: read it again and retry.
            job = await _store.GetAsync(existing.Id, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Job '{existing.Name}' ({existing.Id}) disappeared while it was being updated.");
            if (attempt == 10)
            {
                throw new InvalidOperationException($"Job '{existing.Name}' ({existing.Id}) kept changing while it was being updated; try again.");
            }
        }
    }
}
