namespace Codomyrmex.Scheduler;

/// <summary>
/// This process's runs from their registration to their record: a dense array, each run knowing its place in it, so adding
/// and removing a run allocates nothing once the array has grown to the most runs held at once (a concurrent dictionary made
/// a node per run), and a run carries one number for it rather than two links.
/// </summary>
/// <remarks>
/// One short lock guards the array and the places; the dispatcher adds a claim's runs under one acquisition. A removed run's
/// place is taken by the last run. What reads the set as a whole (Cancel, the heartbeat, Stop) gets a copy made under it, in
/// no particular order, and acts on the copy outside the lock, as with a concurrent dictionary's values. A run is in at most
/// one set.
/// </remarks>
internal sealed class ActiveRunSet
{
    private readonly Lock _lock = new();
    private RunHandle?[] _runs = new RunHandle?[16];
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
                Array.Copy(_runs, values, _count);
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
            int slot = run.ActiveSlot - 1;
            if (slot < 0)
            {
                return false;
            }

            // The last run moves into the place this one leaves.
            int last = _count - 1;
            RunHandle moved = _runs[last]!;
            _runs[slot] = moved;
            moved.ActiveSlot = slot + 1;
            _runs[last] = null;
            run.ActiveSlot = 0;
            Volatile.Write(ref _count, last);
            return true;
        }
    }

    private void Link(RunHandle run)
    {
        if (run.ActiveSlot != 0)
        {
            return;
        }

        if (_count == _runs.Length)
        {
            Array.Resize(ref _runs, _runs.Length * 2);
        }

        _runs[_count] = run;
        run.ActiveSlot = _count + 1;
        Volatile.Write(ref _count, _count + 1);
    }
}
