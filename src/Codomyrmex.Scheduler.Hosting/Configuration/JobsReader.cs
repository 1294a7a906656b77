using Codomyrmex.Scheduler.JobsSchema;
using Microsoft.Extensions.Configuration;

namespace Codomyrmex.Scheduler.Hosting.Configuration;

/// <summary>
/// Reads <c>Scheduler:Jobs</c> with the jobs schema's one reader (<see cref="JobShapeReader"/>), which schedctl's jobs file
/// shares: the same fields, rules and messages, with <c>task</c> naming a registered task instead of a <c>command</c>.
/// </summary>
/// <remarks>
/// <c>Jobs</c> is an array of jobs, or an object whose keys are the jobs' names (handier in environment variables:
/// <c>Scheduler__Jobs__backup__schedule</c>). Because configuration holds only text, <c>args</c> and <c>kwargs</c> reach
/// the task as JSON strings (nested arrays and objects keep their shape).
/// </remarks>
internal static class JobsReader
{
    public static void Read(IConfigurationSection jobs, ConfigurationReader reader, List<ConfiguredJob> into)
    {
        var shapes = new JobShapeReader(JobSourceRules.Configuration);
        foreach (JobShape job in shapes.ReadJobs(new ConfigurationSchemaNode(jobs, reader)))
        {
            var definition = new JobDefinition
            {
                Name = job.Name,
                Task = job.Task!,
                Trigger = job.Trigger,
                Args = job.Args,
                Kwargs = job.Kwargs,
                MaxRuns = job.MaxRuns,
                Options = job.Options,
            };
            into.Add(new ConfiguredJob(jobs.Path + ConfigurationPath.KeyDelimiter + job.Node.Key, definition));
        }
    }
}
