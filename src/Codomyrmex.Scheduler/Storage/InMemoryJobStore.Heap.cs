using System.Runtime.CompilerServices;

namespace Codomyrmex.Scheduler.Storage;

public sealed partial class InMemoryJobStore
{
    /// <summary>
    /// Takes the entry at <paramref name="index"/> out of the due heap. The heap is 4-ary (the children of slot i are slots
    /// 4i+1 to 4i+4), ordered by due time, then by the order the jobs were added.
    /// </summary>
    /// <remarks>
    /// Each level of a removal reads the entries of its children, which at hundreds of thousands of jobs are mostly misses of
    /// the processor's caches: four children a level take half the levels of two, and their four reads go out together,
    /// where each level waits for the one before it (see bench/README.md, Dispatch).
    /// </remarks>
    private void RemoveAt(int index)
    {
        Entry removed = _heap[index];
        removed.HeapIndex = -1;
        removed.DueKey = long.MaxValue;
        _heapCount--;
        if (index == _heapCount)
        {
            _heap[index] = null!;
            return;
        }

        Entry last = _heap[_heapCount];
        _heap[_heapCount] = null!;
        _heap[index] = last;
        last.HeapIndex = index;
        SiftUp(index);
        SiftDown(last.HeapIndex);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Before(Entry a, Entry b) => a.DueKey < b.DueKey || (a.DueKey == b.DueKey && a.Sequence < b.Sequence);

    private void SiftUp(int index)
    {
        Entry[] heap = _heap;
        Entry entry = heap[index];
        while (index > 0)
        {
            int parent = (index - 1) >> 2;
            Entry above = heap[parent];
            if (!Before(entry, above))
            {
                break;
            }

            heap[index] = above;
            above.HeapIndex = index;
            index = parent;
        }

        heap[index] = entry;
        entry.HeapIndex = index;
    }

    private void SiftDown(int index)
    {
        Entry[] heap = _heap;
        int count = _heapCount;
        Entry entry = heap[index];
        while (true)
        {
            int first = (index << 2) + 1;
            if (first >= count)
            {
                break;
            }

            int best = first;
            Entry bestEntry = heap[first];
            int end = Math.Min(first + 4, count);
            for (int child = first + 1; child < end; child++)
            {
                Entry candidate = heap[child];
                if (Before(candidate, bestEntry))
                {
                    best = child;
                    bestEntry = candidate;
                }
            }

            if (!Before(bestEntry, entry))
            {
                break;
            }

            heap[index] = bestEntry;
            bestEntry.HeapIndex = index;
            index = best;
        }

        heap[index] = entry;
        entry.HeapIndex = index;
    }
}
