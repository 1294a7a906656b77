using System.Runtime.InteropServices;
using Codomyrmex.Scheduler.Internal;

namespace Codomyrmex.Scheduler.Storage;

/// <summary>
/// One job's recent runs for <see cref="InMemoryJobStore"/>: compact rows, turned into <see cref="RunRecord"/>s only when
/// read. The first row lives inline (most jobs scheduled in bulk run once), later ones in a ring that, once grown, is
/// reused: writing a run allocates nothing, and what a run leaves behind is one row, not objects the GC must trace.
/// </summary>
internal sealed class InMemoryRunHistory
{
    private Row _first;
    private Row[]? _rows;
    private int _start;
    private int _count;

    /// <summary>Gets how many runs are kept.</summary>
    public int Count => _count;

    /// <summary>Appends a run, dropping the oldest once <paramref name="max"/> are kept.</summary>
    public void Add(in Row row, int max)
    {
        if (_rows is null)
        {
            if (_count == 0 || max == 1)
            {
                _first = row;
                _count = 1;
                return;
            }

            _rows = new Row[Math.Min(4, max)];
            _rows[0] = _first;
            _first = default;
            _start = 0;
        }

        if (_count == max)
        {
            _rows[_start] = row;
            _start = (_start + 1) % _rows.Length;
            return;
        }

        if (_count == _rows.Length)
        {
            var grown = new Row[(int)Math.Min(_rows.Length * 2L, max)];
            for (int i = 0; i < _count; i++)
            {
                grown[i] = _rows[(_start + i) % _rows.Length];
            }

            _rows = grown;
            _start = 0;
        }

        _rows[(_start + _count) % _rows.Length] = row;
        _count++;
    }

    /// <summary>Drops the runs that finished before <paramref name="ticks"/> (UTC), oldest first, at most <paramref name="max"/>.</summary>
    /// <returns>How many were dropped.</returns>
    public int DropFinishedBefore(long ticks, int max)
    {
        if (_rows is null)
        {
            if (_count == 1 && max > 0 && _first.Finished < ticks)
            {
                _first = default;
                _count = 0;
                return 1;
            }

            return 0;
        }

        int dropped = 0;
        while (_count > 0 && dropped < max && _rows[_start].Finished < ticks)
        {
            _rows[_start] = default;
            _start = (_start + 1) % _rows.Length;
            _count--;
            dropped++;
        }

        return dropped;
    }

    /// <summary>The rows, newest first.</summary>
    public IEnumerable<Row> NewestFirst()
    {
        if (_rows is null)
        {
            if (_count == 1)
            {
                yield return _first;
            }

            yield break;
        }

        for (int i = _count - 1; i >= 0; i--)
        {
            yield return _rows[(_start + i) % _rows.Length];
        }
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
