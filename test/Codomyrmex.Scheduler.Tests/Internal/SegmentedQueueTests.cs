using Codomyrmex.Scheduler.Internal;
using CsCheck;

namespace Codomyrmex.Scheduler.Tests;

public class SegmentedQueueTests
{
    [Fact]
    public void Dequeue_AcrossSegments_IsFirstInFirstOut()
    {
        var queue = new SegmentedQueue<int>();
        int n = (SegmentedQueue<int>.SegmentSize * 3) + 7;
        for (int i = 0; i < n; i++)
        {
            queue.Enqueue(i);
        }

        Assert.Equal(n, queue.Count);
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(i, queue.Peek());
            Assert.Equal(i, queue.Dequeue());
        }

        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void PeekAndDequeue_Empty_Throw()
    {
        var queue = new SegmentedQueue<string>();
        Assert.Throws<InvalidOperationException>(() => queue.Peek());
        queue.Enqueue("a");
        Assert.Equal("a", queue.Dequeue());
        Assert.Throws<InvalidOperationException>(() => queue.Dequeue());
    }

    [Fact]
    public void EnqueueDequeue_AnyInterleaving_MatchesQueue()
    {
        // A positive number enqueues that many items, a negative one dequeues up to that many.
        Gen.Int[-3000, 3000].Array[0, 20].Sample(steps =>
        {
            var queue = new SegmentedQueue<int>();
            var expected = new Queue<int>();
            int next = 0;
            foreach (int step in steps)
            {
                for (int i = 0; i < step; i++)
                {
                    queue.Enqueue(next);
                    expected.Enqueue(next++);
                }

                for (int i = 0; i > step && expected.Count > 0; i--)
                {
                    Assert.Equal(expected.Dequeue(), queue.Dequeue());
                }

                Assert.Equal(expected.Count, queue.Count);
            }

            while (expected.Count > 0)
            {
                Assert.Equal(expected.Dequeue(), queue.Dequeue());
            }
        });
    }
}
