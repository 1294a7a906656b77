using System.Diagnostics;
using System.Runtime.InteropServices;
using Codomyrmex.Scheduler.Internal;

namespace Codomyrmex.Scheduler.Storage;

/// <summary>
/// The run history of every job of one <see cref="InMemoryJobStore"/>: compact rows in a few large arrays shared by all jobs,
/// turned into <see cref="RunRecord"/>s only when read. Each job's rows form a list linked both ways; the job keeps only its
/// newest row's number, and that row knows the oldest and the count. Rows freed by the per-job limit, by retention or by
/// deleting a job are reused.
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
    /// <summary>Rows per array: 4,096 rows of about 72 bytes (near 300 KB), so each array is on the large object heap from the start.</summary>
    private const int ChunkShift = 12;
    private const int ChunkSize = 1 << ChunkShift;
    private const int ChunkMask = ChunkSize - 1;

    private Cell[][] _chunks = [];

    /// <summary>How many rows were ever handed out (the high-water mark); rows at or past it are new.</summary>
    private int _used;

    /// <summary>The first free row plus one (0: none); free rows are linked through <see cref="Cell.Older"/>.</summary>
    private int _free;

    /// <summary>Gets how many runs a job keeps.</summary>
    /// <param name="newest">The job's newest row plus one (0: it keeps none).</param>
    public int Count(int newest) => newest == 0 ? 0 : At(newest - 1).Count;

    /// <summary>Appends a run to a job's history, dropping its oldest rows once <paramref name="max"/> are kept.</summary>
    /// <param name="newest">The job's newest row plus one (0: none yet); set to the new row.</param>
    /// <param name="row">The run.</param>
    /// <param name="max">The most rows the job keeps.</param>
    public void Add(ref int newest, in Row row, int max)
    {
        if (max <= 0)
        {
            Clear(ref newest);
            return;
        }

        (int oldest, int count) = Ends(newest);
        while (count >= max)
        {
            FreeOldest(ref newest, ref oldest, ref count);
        }

        int index = Allocate();
        ref Cell cell = ref At(index);
        cell.Row = row;
        cell.Older = newest;
        cell.Newer = 0;
        if (newest != 0)
        {
            At(newest - 1).Newer = index + 1;
        }

        newest = index + 1;
        cell.Oldest = oldest == 0 ? newest : oldest;
        cell.Count = count + 1;
    }

    /// <summary>Drops a job's runs that finished before <paramref name="ticks"/> (UTC), oldest first, at most <paramref name="max"/>.</summary>
    /// <returns>How many were dropped.</returns>
    public int DropFinishedBefore(ref int newest, long ticks, int max)
    {
        (int oldest, int count) = Ends(newest);
        int dropped = 0;
        while (count > 0 && dropped < max && At(oldest - 1).Row.Finished < ticks)
        {
            FreeOldest(ref newest, ref oldest, ref count);
            dropped++;
        }

        SetEnds(newest, oldest, count);
        return dropped;
    }

    /// <summary>Drops all of a job's runs (the job is being deleted).</summary>
    public void Clear(ref int newest)
    {
        while (newest != 0)
        {
            int index = newest - 1;
            newest = At(index).Older;
            Free(index);
        }
    }

    /// <summary>A job's rows, newest first (a copy: the caller may read it outside the store's lock).</summary>
    public Row[] NewestFirst(int newest)
    {
        var rows = new Row[Count(newest)];
        for (int i = 0, index = newest; i < rows.Length; i++)
        {
            ref Cell cell = ref At(index - 1);
            rows[i] = cell.Row;
            index = cell.Older;
        }

        return rows;
    }

    private ref Cell At(int index) => ref _chunks[index >> ChunkShift][index & ChunkMask];

    private (int Oldest, int Count) Ends(int newest)
    {
        if (newest == 0)
        {
            return (0, 0);
        }

        ref Cell cell = ref At(newest - 1);
        return (cell.Oldest, cell.Count);
    }

    private void SetEnds(int newest, int oldest, int count)
    {
        if (newest != 0)
        {
            ref Cell cell = ref At(newest - 1);
            cell.Oldest = oldest;
            cell.Count = count;
        }
    }

    private int Allocate()
    {
        if (_free != 0)
        {
            int index = _free - 1;
            _free = At(index).Older;
            return index;
        }

        if (_used >> ChunkShift == _chunks.Length)
        {
            Array.Resize(ref _chunks, _chunks.Length + 1);
            _chunks[^1] = new Cell[ChunkSize];
        }

        return _used++;
    }

    /// <summary>Frees a job's oldest row; the caller writes the new ends into the newest row (if any) when done.</summary>
    private void FreeOldest(ref int newest, ref int oldest, ref int count)
    {
        int index = oldest - 1;
        oldest = At(index).Newer;
        count--;
        if (oldest == 0)
        {
            newest = 0;
        }
        else
        {
            At(oldest - 1).Older = 0;
        }

        Free(index);
    }

    private void Free(int index)
    {
        // Cleared, so that a freed row keeps no error or result text alive.
        ref Cell cell = ref At(index);
        cell = default;
        cell.Older = _free;
        _free = index + 1;
    }

    [StructLayout(LayoutKind.Auto)]
    private struct Cell
    {
        public Row Row;

        /// <summary>The job's next older row plus one (0: this is its oldest); for a free row, the next free one.</summary>
        public int Older;

        /// <summary>The job's next newer row plus one (0: this is its newest).</summary>
        public int Newer;

        /// <summary>In a job's newest row: its oldest row plus one.</summary>
        public int Oldest;

        /// <summary>In a job's newest row: how many rows the job keeps.</summary>
        public int Count;
    }

    /// <summary>
    /// One run, as compact as a record allows: the job's id is the entry's, the job's name and the node's identity are shared,
    /// the run id is kept as its 64-bit number (the store made it), the outcome as a byte, and a run keeps an error or a
    /// result text, almost never both, so one field holds either. What does not fit (both texts, an outcome past a byte's range,
    /// which only a caller of the store can give) is kept in a <see cref="Rare"/> object instead.
    /// </summary>
    [StructLayout(LayoutKind.Auto)]
    public readonly struct Row
    {
        private const byte ManualFlag = 1;
        private const byte RecoveryFlag = 2;
        private const byte TextIsResultFlag = 4;

        private readonly string _jobName;
        private readonly NodeIdentity _node;

        /// <summary>The error, or the result if <see cref="TextIsResultFlag"/> is set, or neither, or a <see cref="Rare"/> that holds both and the outcome.</summary>
        private readonly object? _text;
        private readonly ulong _runKey;
        private readonly long _scheduled;
        private readonly long _started;
        private readonly int _attempt;
        private readonly byte _outcome;
        private readonly byte _flags;

        private Row(long sequence, ulong runKey, string jobName, NodeIdentity node, long scheduled, long started, long finished, RunOutcome outcome,
            object? text, int attempt, byte flags)
        {
            Sequence = sequence;
            _runKey = runKey;
            _jobName = jobName;
            _node = node;
            _scheduled = scheduled;
            _started = started;
            Finished = finished;
            _outcome = (byte)outcome;
            _text = text;
            _attempt = attempt;
            _flags = flags;
        }

        public long Sequence { get; }

        /// <summary>Gets when the run finished, in UTC ticks.</summary>
        public long Finished { get; }

        /// <summary>A row of a run this store claimed (only such runs have history rows: the store writes rows of the runs it holds).</summary>
        public static Row Create(long sequence, ClaimedRun run, RunOutcome outcome, long started, long finished, string? error, string? result)
        {
            if (!run.TryGetRunKey(out ulong key) || run.Node is null)
            {
                // Fail where the row would be written, not at every later read of the job's history.
                throw new UnreachableException("A history row is made only of a run the in-memory store claimed.");
            }

            object? text = (error is not null && result is not null) || (uint)outcome > byte.MaxValue ? new Rare(error, result, outcome) : error ?? result;
            byte flags = (byte)((run.IsManual ? ManualFlag : 0) | (run.IsRecovery ? RecoveryFlag : 0) | (error is null && result is not null ? TextIsResultFlag : 0));
            return new Row(sequence, key, run.JobName, run.Node, run.ScheduledTime.UtcTicks, started, finished, outcome, text, run.Attempt, flags);
        }

        public RunRecord ToRecord(string jobId)
        {
            (string? error, string? result, RunOutcome outcome) = _text switch
            {
                Rare rare => (rare.Error, rare.Result, rare.Outcome),
                string text when (_flags & TextIsResultFlag) != 0 => (null, text, (RunOutcome)_outcome),
                string text => (text, null, (RunOutcome)_outcome),
                _ => ((string?)null, (string?)null, (RunOutcome)_outcome),
            };

            return new()
            {
                RunId = JobIds.Format(_runKey),
                JobId = jobId,
                JobName = _jobName,
                ScheduledTime = new DateTimeOffset(_scheduled, TimeSpan.Zero),
                StartedAt = new DateTimeOffset(_started, TimeSpan.Zero),
                FinishedAt = new DateTimeOffset(Finished, TimeSpan.Zero),
                Node = _node.Name,
                InstanceId = _node.InstanceId,
                Outcome = outcome,
                Error = error,
                Result = result,
                Attempt = _attempt,
                IsManual = (_flags & ManualFlag) != 0,
                IsRecovery = (_flags & RecoveryFlag) != 0,
            };
        }
    }

    /// <summary>What a row keeps of a run recorded with both an error and a result, or with an outcome past a byte's range (a caller of the store wrote it so).</summary>
    private sealed record Rare(string? Error, string? Result, RunOutcome Outcome);
}
