namespace Codomyrmex.Scheduler.Dashboard.Internal;

/// <summary>A node as the run history shows it: the last run it finished, and how many of the newest runs it made.</summary>
internal sealed record NodeSeen(string Name, DateTimeOffset LastSeen, int Runs, string LastJobName, RunOutcome LastOutcome);
