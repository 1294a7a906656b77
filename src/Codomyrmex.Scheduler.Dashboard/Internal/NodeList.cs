using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Dashboard.Internal;

/// <summary>
/// The nodes view's data: the live nodes the store lists, the instance id of the node this dashboard runs in, the newest
/// finished run of each node among the newest runs of the history, and the jobs running now (on any node).
/// </summary>
internal sealed record NodeList(IReadOnlyList<NodeInfo> Nodes, string Self, IReadOnlyDictionary<string, RunRecord> LastRuns,
    IReadOnlyList<Job> Running, int RunningTotal);
