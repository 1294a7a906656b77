using System.Runtime.InteropServices;
using Codomyrmex.Scheduler.Internal;

namespace Codomyrmex.Scheduler.Storage;

/// <summary>
/// The run history of every job of one <see cref="InMemoryJobStore"/>: compact rows in a few large arrays shared by all jobs,
/// turned into <see cref="RunRecord"/>s only when read. Each job's rows form a list, oldest first, through the rows' links;
/// the job keeps only where its list starts and ends (a <see cref="Slot"/>). Rows freed by the per-job limit, by retention
/// or by deleting a job are reused.
/// </summary>
/// <remarks>
/// Why not an object per job: a job's history is written when the job is old (it was scheduled long before it ran), so a
/// new object per job's first run is a young object referenced from an old one, which every young collection must find
/// and then copy into the older generations. Rows in arrays that are allocated once (large enough to live with the old
/// objects) leave nothing behind for a collection to trace or copy; writing a run allocates nothing once the arrays have grown.
/// Not thread-safe: the store calls it under its lock.
/// </remarks>
internal sealed class InMemoryRunHistory
{
    /// <summary>Rows per array: 4,096 rows of about 120 bytes, so each array is on the large object heap from the start.</summary>
    private const int ChunkShift = 12;
    private const int ChunkSize = 1 << ChunkShift;
    private const int ChunkMask = ChunkSize - 1;

    private Cell[][] _chunks = [];

    /// <summary>How many rows were ever handed out (the high-water mark); rows at or past it are new.</summary>
    private int _used;

    /// <summary>The first free row plus one (0: none); free rows are linked through <see cref="Cell.Next"/>.</summary>
    private int _free;

    /// <summary>Appends a run to a job's history, dropping its oldest rows once <paramref name="max"/> are kept.</summary>
    public void Add(ref Slot slot, in Row row, int max)
    {
        while (slot.Count >= max && slot.Count > 0)
        {
            FreeOldest(ref slot);
        }

        if (max <= 0)
        {
            return;
        }

        int index = Allocate();
        ref Cell cell = ref At(index);
        cell.Row = row;
        cell.Next = 0;
        if (slot.Newest == 0)
        {
            slot.Oldest = index + 1;
        }
        else
        {
            At(slot.Newest - 1).Next = index + 1;
        }

        slot.Newest = index + 1;
        slot.Count++;
    }

    /// <summary>Drops a job's runs that finished before <paramref name="ticks"/> (UTC), oldest first, at most <paramref name="max"/>.</summary>
    /// <returns>How many were dropped.</returns>
    public int DropFinishedBefore(ref Slot slot, long ticks, int max)
    {
        int dropped = 0;
        while (slot.Count > 0 && dropped < max && At(slot.Oldest - 1).Row.Finished < ticks)
        {
            FreeOldest(ref slot);
            dropped++;
        }

        return dropped;
    }

    /// <summary>Drops all of a job's runs (the job is being deleted).</summary>
    public void Clear(ref Slot slot)
    {
        while (slot.Count > 0)
        {
            FreeOldest(ref slot);
        }
    }

    /// <summary>A job's rows, newest first (a copy: the caller may read it outside the store's lock).</summary>
    public Row[] NewestFirst(in Slot slot)
    {
        var rows = new Row[slot.Count];
        int index = slot.Oldest;
        for (int i = rows.Length - 1; i >= 0; i--)
        {
            ref Cell cell = ref At(index - 1);
            rows[i] = cell.Row;
            index = cell.Next;
        }

        return rows;
    }

    private ref Cell At(int index) => ref _chunks[index >> ChunkShift][index & ChunkMask];

    private int Allocate()
    {
        if (_free != 0)
        {
            int index = _free - 1;
            _free = At(index).Next;
            return index;
        }

        if (_used >> ChunkShift == _chunks.Length)
        {
            Array.Resize(ref _chunks, _chunks.Length + 1);
            _chunks[^1] = new Cell[ChunkSize];
        }

        return _used++;
    }

    private void FreeOldest(ref Slot slot)
    {
        int index = slot.Oldest - 1;
        ref Cell cell = ref At(index);
        slot.Oldest = cell.Next;
        slot.Count--;
        if (slot.Count == 0)
        {
            slot.Newest = 0;
        }

        // Cleared, so that a freed row keeps no error or result text alive.
        cell.Row = default;
        cell.Next = _free;
        _free = index + 1;
    }

    /// <summary>Where a job's rows are: its oldest and newest row, each plus one (0: none), and how many.</summary>
    [StructLayout(LayoutKind.Auto)]
    public struct Slot
    {
        public int Oldest;
        public int Newest;
        public int Count;
    }

    [StructLayout(LayoutKind.Auto)]
    private struct Cell
    {
        public Row Row;

        /// <summary>The job's next newer row plus one (0: this is its newest), or for a free row the next free one.</summary>
        public int Next;
    }

    /// <summary>
    /// One run, as compact as a record allows: the job's id is the entry's, the name and node strings are shared, and a run
    /// id the store made is kept as its 64-bit number (the text only for an id of another shape).
    /// </summary>
    [StructLayout(LayoutKind.Auto)]
    public readonly record struct Row(
        long Sequence, ulong RunKey, string? RunIdText, string JobName, string Node, string InstanceId, long Scheduled, long Started, long Finished, RunOutcome Outcome,
        string? Error, string? Result, int Attempt, bool IsManual, bool IsRecovery)
    {
        public static Row Create(long sequence, ClaimedRun run, RunOutcome outcome, long started, long finished, string? error, string? result)
        {
            bool made = JobIds.TryParse(run.RunId, out ulong key);
            return new Row(sequence, key, made ? null : run.RunId, run.Job.Name, run.NodeName, run.InstanceId, run.ScheduledTime.UtcTicks, started, finished, outcome, error,
                result, run.Attempt, run.IsManual, run.IsRecovery);
        }

        public RunRecord ToRecord(string jobId) => new()
        {
            RunId = RunIdText ?? JobIds.Format(RunKey),
            JobId = jobId,
            JobName = JobName,
            ScheduledTime = new DateTimeOffset(Scheduled, TimeSpan.Zero),
            StartedAt = new DateTimeOffset(Started, TimeSpan.Zero),
            FinishedAt = new DateTimeOffset(Finished, TimeSpan.Zero),
            Node = Node,
            InstanceId = InstanceId,
            Outcome = Outcome,
            Error = Error,
            Result = Result,
            Attempt = Attempt,
            IsManual = IsManual,
            IsRecovery = IsRecovery,
        };
    }
}
