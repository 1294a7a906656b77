using Codomyrmex.Scheduler.Storage;
using CsCheck;

namespace Codomyrmex.Scheduler.Tests;

public class ClaimedRunTests
{
    private static readonly Job SomeJob = new() { Id = "job-1", Name = "job", Func = static () => { } };

    [Fact]
    public void Times_AnyInstantAndOffset_ReadBackExactly()
    {
        Gen.Select(Gen.Long[DateTimeOffset.MinValue.UtcTicks, DateTimeOffset.MaxValue.UtcTicks], Gen.Int[-14 * 60, 14 * 60]).Sample((ticks, minutes) =>
        {
            TimeSpan offset = TimeSpan.FromMinutes(minutes);
            long local = ticks + offset.Ticks;
            if (local < DateTime.MinValue.Ticks || local > DateTime.MaxValue.Ticks)
            {
                return;
            }

            var time = new DateTimeOffset(local, offset);
            var run = new ClaimedRun
            {
                RunId = "run-1",
                Job = SomeJob,
                InstanceId = "node/1",
                NodeName = "node",
                ScheduledTime = time,
                ClaimedAt = time.AddTicks(-1),
                LeaseUntil = time,
            };

            AssertSame(time, run.ScheduledTime);
            Assert.Equal(time.UtcTicks - 1, run.ClaimedAt.UtcTicks);
            Assert.Equal(time.Offset, run.ClaimedAt.Offset);
            AssertSame(time, run.LeaseUntil);
        });
    }

    [Fact]
    public void Members_SetByAnInitializer_ReadBackAsGiven()
    {
        var run = new ClaimedRun
        {
            RunId = "run-1",
            Job = SomeJob,
            InstanceId = "node/1",
            NodeName = "node",
            IsManual = true,
            Attempt = 3,
            IsRecovery = true,
            FencingToken = 42,
        };

        Assert.Equal("run-1", run.RunId);
        Assert.Same(SomeJob, run.Job);
        Assert.Equal("node/1", run.InstanceId);
        Assert.Equal("node", run.NodeName);
        Assert.True(run.IsManual);
        Assert.Equal(3, run.Attempt);
        Assert.True(run.IsRecovery);
        Assert.Equal(42, run.FencingToken);
        Assert.Equal(default, run.ScheduledTime);
        Assert.Equal(default, run.ClaimedAt);
        Assert.Equal(default, run.LeaseUntil);
    }

    [Fact]
    public async Task InMemoryRun_NodeAndTimes_AreTheClaimsOwn()
    {
        var store = new InMemoryJobStore();
        Job job = (await store.AddAsync(new Job { Id = RunIds.New(), Name = "job", Func = static () => { } }, TestContext.Current.CancellationToken)).Job;
        NodeIdentity node = NodeIdentity.Create("node", DateTimeOffset.UnixEpoch);
        ClaimedRun run = (await store.ClaimNowAsync(job.Id, new ClaimRequest { Node = node, MaxRuns = 1, LeaseDuration = TimeSpan.FromMinutes(1) },
            TestContext.Current.CancellationToken))!;

        Assert.Equal(node.InstanceId, run.InstanceId);
        Assert.Equal(node.Name, run.NodeName);
        Assert.Equal(job.Id, run.JobId);
        Assert.Equal(TimeSpan.Zero, run.ClaimedAt.Offset);
        Assert.Equal(TimeSpan.FromMinutes(1), run.LeaseUntil - run.ClaimedAt);
        Assert.Equal(run.ClaimedAt, run.ScheduledTime);
    }

    private static void AssertSame(DateTimeOffset expected, DateTimeOffset actual)
    {
        Assert.Equal(expected.UtcTicks, actual.UtcTicks);
        Assert.Equal(expected.Offset, actual.Offset);
        Assert.True(expected.EqualsExact(actual));
    }
}
