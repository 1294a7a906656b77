using System.Runtime.InteropServices;

namespace Codomyrmex.Scheduler;

/// <summary>
/// One job's recent runs for <see cref="InMemoryJobStore"/>: a ring of compact rows, turned into <see cref="RunRecord"/>s
/// only when read. Writing a run allocates nothing once the ring has grown, so keeping history costs the hot path little.
/// </summary>
internal sealed class InMemoryRunHistory
{
    private Row[] _rows = new Row[1];
    private int _start;
    private int _count;

    public int Count => _count;

    /// <summary>Appends a run, dropping the oldest once <paramref name="max"/> are kept.</summary>
    public void Add(in Row row, int max)
    {
        if (_count == max)
        {
            _rows[_start] = row;
            _start = (_start + 1) % _rows.Length;
            return;
        }

        if (_count == _rows.Length)
        {
            var grown = new Row[Math.Min(_rows.Length * 2, max)];
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

    /// <summary>Drops the runs that finished before <paramref name="ticks"/> (UTC), oldest first.</summary>
    public void DropFinishedBefore(long ticks)
    {
        while (_count > 0 && _rows[_start].Finished < ticks)
        {
            _rows[_start] = default;
            _start = (_start + 1) % _rows.Length;
            _count--;
        }
    }

    /// <summary>The rows, newest first.</summary>
    public IEnumerable<Row> NewestFirst()
    {
        for (int i = _count - 1; i >= 0; i--)
        {
            yield return _rows[(_start + i) % _rows.Length];
        }
    }

    /// <summary>One run, as compact as a record allows: the job's id is the entry's, strings are shared with the run.</summary>
    [StructLayout(LayoutKind.Auto)]
    public readonly record struct Row(
        long Sequence, string RunId, string JobName, string Node, long Scheduled, long Started, long Finished, RunOutcome Outcome, string? Error,
        string? Result, int Attempt, bool IsManual, bool IsRecovery)
    {
        public RunRecord ToRecord(string jobId) => new()
        {
            RunId = RunId,
            JobId = jobId,
            JobName = JobName,
            ScheduledTime = new DateTimeOffset(Scheduled, TimeSpan.Zero),
            StartedAt = new DateTimeOffset(Started, TimeSpan.Zero),
            FinishedAt = new DateTimeOffset(Finished, TimeSpan.Zero),
            Node = Node,
            Outcome = Outcome,
            Error = Error,
            Result = Result,
            Attempt = Attempt,
            IsManual = IsManual,
            IsRecovery = IsRecovery,
        };
    }
}
