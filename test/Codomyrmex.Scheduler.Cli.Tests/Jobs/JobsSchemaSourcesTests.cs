using System.Text;
using System.Text.Json.Nodes;
using Codomyrmex.Scheduler.Cli.Jobs;
using Codomyrmex.Scheduler.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Codomyrmex.Scheduler.Cli.Tests.Jobs;

/// <summary>
/// One reader for the jobs schema: the same mistake in schedctl's jobs file and in the hosting <c>Scheduler:Jobs</c>
/// configuration gets the same message, each at its own place (line and column, configuration path).
/// </summary>
public sealed class JobsSchemaSourcesTests
{
    public static TheoryData<string> Mistakes =>
    [
        """ "name": "a", "schedule": "@daily", "time_zone": "Mars/Olympus" """,
        """ "name": "a", "schedule": "@daily", "trigger": { "type": "interval", "minutes": 5 } """,
        """ "name": "a", "schedule": "0 0 30 2 *" """,
        """ "name": "a", "schedule": "0 61 * * *" """,
        """ "name": "a", "schedule": "@every 0s" """,
        """ "name": "a", "trigger": { "type": "interval", "minutes": -5 } """,
        """ "name": "a", "trigger": { "type": "cron", "expression": "0 0 31 4 *" } """,
        """ "name": "a", "trigger": { "type": "cron", "expression": "0 9 * * *", "time_zone": "Nowhere/City" } """,
        """ "name": "a", "schedule": "@daily", "timeout": "5 minutes" """,
        """ "name": "a", "schedule": "@daily", "timeout": "0s" """,
        """ "name": "a", "schedule": "@daily", "retry_delay": "soon" """,
        """ "name": "a", "schedule": "@daily", "max_runs": 0 """,
        """ "name": "a", "schedule": "@daily", "max_attempts": 0 """,
        """ "name": "a", "schedule": "@daily", "overlap": "never" """,
        """ "name": "a", "schedule": "@daily", "misfire": "run-once" """,
        """ "name": "a", "schedule": "@daily", "recoverable": "maybe" """,
        """ "name": "a", "schedule": "@daily", "max_run": 3 """,
        """ "name": " ", "schedule": "@daily" """,
        """ "name": "a\u001b[31m", "schedule": "@daily" """,
        """ "name": "a" """,
    ];

    [Theory]
    [MemberData(nameof(Mistakes))]
    public void SameMistake_SameMessage_InAJobsFileAndInConfiguration(string fields)
    {
        string job = "{" + fields + ", \"task\": \"work\" }";

        JobsFileResult file = JsonJobsReader.Read("jobs.json", Encoding.UTF8.GetBytes(
            "{ \"tasks\": { \"work\": { \"command\": [\"true\"] } },\n\"jobs\": [" + job + "] }"));
        string configured = ConfigurationProblem(job);

        FileError error = Assert.Single(file.Errors);
        Assert.Equal(2, error.Line);
        Assert.Equal(error.Message, configured[(configured.IndexOf(": ", StringComparison.Ordinal) + 2)..]);
        Assert.StartsWith("Scheduler:Jobs:0", configured, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateName_SameRule_EachSourceSaysWhereTheFirstIs()
    {
        const string Job = """{ "name": "a", "task": "work", "schedule": "@daily" }""";

        JobsFileResult file = JsonJobsReader.Read("jobs.json", Encoding.UTF8.GetBytes(
            "{ \"tasks\": { \"work\": { \"command\": [\"true\"] } },\n\"jobs\": [" + Job + ",\n" + Job + "] }"));
        string configured = ConfigurationProblem(Job, Job);

        Assert.Equal("duplicate job name 'a'; the first job with that name is on line 2.", Assert.Single(file.Errors).Message);
        Assert.Equal("Scheduler:Jobs:1:name: duplicate job name 'a'; the first job with that name is at Scheduler:Jobs:0:name.", configured);
    }

    /// <summary>The one problem the hosting validation reports for the jobs, with its configuration path.</summary>
    private static string ConfigurationProblem(params string[] jobs)
    {
        var values = new Dictionary<string, string?>();
        for (int i = 0; i < jobs.Length; i++)
        {
            Flatten(JsonNode.Parse(jobs[i])!, $"Scheduler:Jobs:{i}", values);
        }

        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
        services.AddScheduler().AddTask("work", (_, _, _) => Task.CompletedTask);
        using ServiceProvider provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<SchedulerHostingOptions>>().Value);
        string[] lines = error.Message.Split('\n', StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 2, error.Message);
        return lines[1];
    }

    /// <summary>JSON as configuration keys, the way appsettings.json reaches an application: every value as text.</summary>
    private static void Flatten(JsonNode node, string path, Dictionary<string, string?> values)
    {
        switch (node)
        {
            case JsonObject json:
                foreach ((string key, JsonNode? value) in json)
                {
                    Flatten(value!, $"{path}:{key}", values);
                }

                break;
            case JsonArray array:
                for (int i = 0; i < array.Count; i++)
                {
                    Flatten(array[i]!, $"{path}:{i}", values);
                }

                break;
            default:
                values[path] = node.GetValueKind() == System.Text.Json.JsonValueKind.String ? node.GetValue<string>() : node.ToJsonString();
                break;
        }
    }
}
