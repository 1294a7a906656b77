using CsCheck;

namespace Codomyrmex.Scheduler.Tests;

public sealed class ActiveRunSetTests
{
    [Fact]
    public void AddAndRemove_AnyOrder_ValuesAreTheRunsAdded()
    {
        // Each step adds a new run (a non-negative number) or removes the run at that place among those added so far.
        Gen.Int[-40, 40].Array[0, 200].Sample(steps =>
        {
            var set = new ActiveRunSet();
            var expected = new List<RunHandle>();
            var all = new List<RunHandle>();
            foreach (int step in steps)
            {
                if (step >= 0 || all.Count == 0)
                {
                    RunHandle run = RunHandleTests.NewHandle();
                    all.Add(run);
                    set.Add(run);
                    expected.Add(run);
                }
                else
                {
                    RunHandle run = all[-step % all.Count];
                    Assert.Equal(expected.Remove(run), set.Remove(run));
                }

                Assert.Equal(expected.Count, set.Count);
                Assert.Equal(expected.Count == 0, set.IsEmpty);
                Assert.Equal(expected.ToHashSet(), set.Values.ToHashSet());
                Assert.Equal(expected.Count, set.Values.Length);
            }
        });
    }

    [Fact]
    public void Add_RunAlreadyIn_IsInOnce_AndARemovedRunCanBeAddedAgain()
    {
        var set = new ActiveRunSet();
        RunHandle run = RunHandleTests.NewHandle();
        set.AddRange([run, run]);
        set.Add(run);
        Assert.Single(set.Values);

        Assert.True(set.Remove(run));
        Assert.False(set.Remove(run));
        Assert.True(set.IsEmpty);

        set.Add(run);
        Assert.Same(run, Assert.Single(set.Values));
    }
}
