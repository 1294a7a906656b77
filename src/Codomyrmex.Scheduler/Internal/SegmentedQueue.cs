using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Codomyrmex.Scheduler.Internal;

/// <summary>A first-in, first-out queue kept in fixed-size segments, for queues that grow by one item per run.</summary>
/// <remarks>
/// <see cref="Queue{T}"/> doubles its array as it grows: a queue that reaches n items has allocated arrays for up to 2n,
/// each copied into the next and the larger ones on the large object heap. Here growing allocates one segment per
/// <see cref="SegmentSize"/> items and copies nothing; a segment emptied at the front is kept for reuse at the back, so a
/// queue that stays about the same length allocates nothing. Not thread-safe.
/// </remarks>
/// <typeparam name="T">The items.</typeparam>
internal sealed class SegmentedQueue<T>
{
    /// <summary>Items per segment: few enough that a segment of 16-byte items stays off the large object heap.</summary>
    internal const int SegmentSize = 1024;

    private Segment? _head;
    private Segment? _tail;
    private Segment? _spare;
    private int _headIndex;
    private int _tailIndex;
    private int _count;

    /// <summary>Gets how many items the queue holds.</summary>
    public int Count => _count;

    /// <summary>Adds an item at the back.</summary>
    public void Enqueue(T item)
    {
        if (_tail is null)
        {
            _head = _tail = TakeSegment();
            _headIndex = _tailIndex = 0;
        }
        else if (_tailIndex == SegmentSize)
        {
            Segment next = TakeSegment();
            _tail.Next = next;
            _tail = next;
            _tailIndex = 0;
        }

        _tail.Items[_tailIndex++] = item;
        _count++;
    }

    /// <summary>Gets the item at the front without removing it.</summary>
    /// <exception cref="InvalidOperationException">The queue is empty.</exception>
    public T Peek()
    {
        if (_count == 0)
        {
            throw new InvalidOperationException("The queue is empty.");
        }

        return _head!.Items[_headIndex];
    }

    /// <summary>Removes the item at the front and returns it.</summary>
    /// <exception cref="InvalidOperationException">The queue is empty.</exception>
    public T Dequeue()
    {
        T item = Peek();
        Segment head = _head!;
        if (RuntimeHelpers.IsReferenceOrContainsReferences<T>())
        {
            // A dequeued item must not keep what it references alive.
            head.Items[_headIndex] = default!;
        }

        _headIndex++;
        _count--;
        if (_count == 0)
        {
            // Empty: start again at the front of the one segment left, keeping it.
            Debug.Assert(ReferenceEquals(head, _tail), "An empty queue has one segment.");
            _headIndex = _tailIndex = 0;
        }
        else if (_headIndex == SegmentSize)
        {
            _head = head.Next;
            _headIndex = 0;
            head.Next = null;
            _spare = head;
        }

        return item;
    }

    private Segment TakeSegment()
    {
        if (_spare is { } spare)
        {
            _spare = null;
            return spare;
        }

        return new Segment();
    }

    private sealed class Segment
    {
        public T[] Items { get; } = new T[SegmentSize];

        public Segment? Next { get; set; }
    }
}
