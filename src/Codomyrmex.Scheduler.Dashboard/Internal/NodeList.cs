namespace Codomyrmex.Scheduler.Dashboard.Internal;

/// <summary>The nodes view's data: the nodes seen in the history, and the jobs running now.</summary>
internal sealed record NodeList(IReadOnlyList<NodeSeen> Nodes, IReadOnlyList<Job> Running, int RunningTotal);
