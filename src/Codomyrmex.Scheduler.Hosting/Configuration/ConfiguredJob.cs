namespace Codomyrmex.Scheduler.Hosting.Configuration;

/// <summary>A job read from configuration, with the path of its section (<c>Scheduler:Jobs:2</c>) for error messages.</summary>
internal sealed record ConfiguredJob(string Path, JobDefinition Definition);
