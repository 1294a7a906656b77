namespace Codomyrmex.Scheduler.Benchmarks.Dispatch;

/// <summary>Our nodes (<see cref="PostgreSqlCluster"/>) as a contender of the cluster race: the no-op task <c>fire</c>, scheduled through node 1.</summary>
internal sealed class CodomyrmexPostgresCluster(string server, int nodes, int workers) : ClusterContender
{
    private readonly PostgreSqlCluster _cluster = new(server, nodes, workers, s => s.RegisterTask("fire", FireRecorder.Fire));

    public override string Name => "Codomyrmex (PostgreSQL)";

    public override Task SetUpAsync() => _cluster.MigrateAsync();

    public override Task ScheduleAsync(int count, DateTimeOffset due) => _cluster.ScheduleAsync("fire", count, _ => due);

    public override void StartAll() => _cluster.StartAll();

    public override ValueTask DisposeAsync() => _cluster.DisposeAsync();
}
