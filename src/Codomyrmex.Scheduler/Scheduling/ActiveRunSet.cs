namespace Codomyrmex.Scheduler;

/// <summary>
/// This process's runs from their registration to their record: a list linked through the runs themselves, so adding and
/// removing a run allocates nothing (a concurrent dictionary made a node per run).
/// </summary>
/// <remarks>
/// One short lock guards the links; the dispatcher adds a claim's runs under one acquisition. What reads the set as a whole
/// (Cancel, the heartbeat, Stop) gets a copy made under it, and acts on the copy outside the lock, as with a concurrent
/// dictionary's values.
/// </remarks>
internal sealed class ActiveRunSet
{
    private readonly Lock _lock = new();
    private RunHandle? _head;
    private int _count;

    /// <summary>Gets how many runs are in the set.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Gets a value indicating whether the set is empty.</summary>
    public bool IsEmpty => Volatile.Read(ref _count) == 0;

    /// <summary>Gets a copy of the runs in the set.</summary>
    public RunHandle[] Values
    {
        get
        {
            lock (_lock)
            {
                if (_count == 0)
                {
                    return [];
                }

                var values = new RunHandle[_count];
                int i = 0;
                for (RunHandle? run = _head; run is not null; run = run.ActiveNext)
                {
                    values[i++] = run;
                }

                return values;
            }
        }
    }

    /// <summary>Adds a run that is in no set.</summary>
    public void Add(RunHandle run)
    {
        lock (_lock)
        {
            Link(run);
        }
    }

    /// <summary>Adds runs that are in no set, under one acquisition of the lock.</summary>
    public void AddRange(List<RunHandle> runs)
    {
        lock (_lock)
        {
            foreach (RunHandle run in runs)
            {
                Link(run);
            }
        }
    }

    /// <summary>Removes a run.</summary>
    /// <returns>Whether the run was in the set.</returns>
    public bool Remove(RunHandle run)
    {
        lock (_lock)
        {
            if (!run.IsActive)
            {
                return false;
            }

            if (run.ActivePrev is { } prev)
            {
                prev.ActiveNext = run.ActiveNext;
            }
            else
            {
                _head = run.ActiveNext;
            }

            if (run.ActiveNext is { } next)
            {
                next.ActivePrev = run.ActivePrev;
            }

            run.ActivePrev = null;
            run.ActiveNext = null;
            run.IsActive = false;
            Volatile.Write(ref _count, _count - 1);
            return true;
        }
    }

    private void Link(RunHandle run)
    {
        if (run.IsActive)
        {
            return;
        }

        run.IsActive = true;
        run.ActivePrev = null;
        run.ActiveNext = _head;
        if (_head is not null)
        {
            _head.ActivePrev = run;
        }

        _head = run;
        Volatile.Write(ref _count, _count + 1);
    }
}
