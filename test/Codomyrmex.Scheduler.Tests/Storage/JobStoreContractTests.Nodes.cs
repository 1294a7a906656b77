using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>Nodes: a heartbeat makes a node live until its lease ends by the store's clock; leaving forgets it.</summary>
public abstract partial class JobStoreContractTests
{
    [Fact]
    public async Task Nodes_HeartbeatListsTheNode_WithItsIdentityAndRuns_OnEveryInstance()
    {
        IJobStore store = CreateStore();
        IJobStore second = OpenSecond(store);
        Assert.Empty(await store.ListNodesAsync(Token));
        Job job = NewJob(EveryMinute());
        await store.AddAsync(job, Token);
        ClaimedRun run = Assert.Single((await ClaimAsync(store, T0.AddMinutes(1), node: NodeA)).Runs);
        At(T0.AddMinutes(1).AddSeconds(5));
        await store.RenewAsync(Heartbeat(NodeA, TimeSpan.FromMinutes(2), run), Token);
        await second.RenewAsync(Heartbeat(NodeB, TimeSpan.FromMinutes(2)), Token);

        IReadOnlyList<NodeInfo> nodes = await second.ListNodesAsync(Token);
        Assert.Equal([NodeA.InstanceId, NodeB.InstanceId], nodes.Select(n => n.InstanceId));
        NodeInfo a = nodes[0];
        Assert.Equal(NodeA.Name, a.Name);
        Assert.Equal(NodeA.Host, a.Host);
        Assert.Equal(NodeA.ProcessId, a.ProcessId);
        Assert.Equal(NodeA.StartedAt, a.StartedAt);
        Assert.Equal(T0.AddMinutes(1).AddSeconds(5), a.LastSeen);
        Assert.Equal(T0.AddMinutes(3).AddSeconds(5), a.AliveUntil);
        Assert.Equal(1, a.RunningRuns);
        Assert.Equal(0, nodes[1].RunningRuns);
    }

    [Fact]
    public async Task Nodes_TwoInstancesOfOneName_AreTwoNodes()
    {
        IJobStore store = CreateStore();
        await store.RenewAsync(Heartbeat(NewNode("web", "1")), Token);
        await OpenSecond(store).RenewAsync(Heartbeat(NewNode("web", "2")), Token);
        IReadOnlyList<NodeInfo> nodes = await store.ListNodesAsync(Token);
        Assert.Equal(["web/1", "web/2"], nodes.Select(n => n.InstanceId));
        Assert.All(nodes, n => Assert.Equal("web", n.Name));
    }

    [Fact]
    public async Task Nodes_WithoutAHeartbeatBeforeTheirLeaseEnds_AreNoLongerListed_AnotherBeatBringsThemBack()
    {
        IJobStore store = CreateStore();
        await store.RenewAsync(Heartbeat(NodeA, TimeSpan.FromMinutes(1)), Token);
        await store.RenewAsync(Heartbeat(NodeB, TimeSpan.FromMinutes(3)), Token);
        At(T0.AddMinutes(1));
        Assert.Equal(2, (await store.ListNodesAsync(Token)).Count);
        At(T0.AddMinutes(1).AddTicks(1));
        Assert.Equal([NodeB.InstanceId], (await store.ListNodesAsync(Token)).Select(n => n.InstanceId));
        await store.RenewAsync(Heartbeat(NodeA, TimeSpan.FromMinutes(1)), Token);
        Assert.Equal(2, (await store.ListNodesAsync(Token)).Count);
    }

    [Fact]
    public async Task Nodes_Leave_ForgetsTheNode_ButNotItsRuns()
    {
        IJobStore store = CreateStore();
        IJobStore second = OpenSecond(store);
        Job job = NewJob(EveryMinute());
        await store.AddAsync(job, Token);
        ClaimedRun run = Assert.Single((await ClaimAsync(store, T0.AddMinutes(1), node: NodeA, lease: TimeSpan.FromMinutes(1))).Runs);
        await store.RenewAsync(Heartbeat(NodeA, TimeSpan.FromMinutes(1), run), Token);
        await store.RenewAsync(Heartbeat(NodeB), Token);
        await second.LeaveAsync(NodeA.InstanceId, Token);
        await second.LeaveAsync("never-seen/1", Token);
        Assert.Equal([NodeB.InstanceId], (await store.ListNodesAsync(Token)).Select(n => n.InstanceId));

        // Its run keeps its lease, and is recovered when that ends.
        Assert.Empty(await store.RecoverExpiredAsync(Token));
        Assert.Equal(run.RunId, Assert.Single(await RecoverAsync(second, T0.AddMinutes(2))).RunId);
    }
}
