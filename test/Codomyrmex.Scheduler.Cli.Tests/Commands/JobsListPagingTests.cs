using System.Text.Json;
using Codomyrmex.Scheduler.Sqlite;

namespace Codomyrmex.Scheduler.Cli.Tests;

/// <summary>
/// <c>schedctl jobs list</c> prints one page at a time, filtered by the store, and says how many match and how to see the next
/// page; a job name finds its job by a query, also when many jobs share it. Real schedctl processes on a real SQLite file.
/// </summary>
public sealed class JobsListPagingTests(JobsListPagingTests.PagedStore prepared) : IClassFixture<JobsListPagingTests.PagedStore>
{
    private const int Reports = 230;
    private const int Crowd = 13;
    private const int AllJobs = Reports + 2 + Crowd + 2;

    private string Store => prepared.Store;

    /// <summary>Bad paging options: each is a usage error that names the option, and nothing is printed.</summary>
    public static TheoryData<string[], string> BadOptions => new()
    {
        { ["--limit", "0"], "--limit must be 1 or more." },
        { ["--limit", "-1"], "--limit must be 1 or more." },
        { ["--offset", "-1"], "--offset must be 0 or more." },
        { ["--offset", "-2147483648"], "--offset must be 0 or more." },
        { ["--limit", "ten"], "ten" },
        { ["--offset", "99999999999"], "99999999999" },
        { ["--all", "--limit", "5"], "--all and --limit do not go together" },
        { ["--status", "sleeping"], "sleeping" },
        { ["--name"], "--name" },
    };

    [Fact]
    public async Task List_PrintsAHundredJobs_SaysHowManyMatch_AndItsNextCommandPrintsTheNextPage()
    {
        Schedctl.Result first = await Schedctl.RunAsync("jobs", "list", "--store", Store);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal(100, Rows(first).Length);
        Assert.Equal($"Showing 1-100 of {AllJobs} jobs. Next: schedctl jobs list --offset 100 --store {Store}", first.Lines[^1]);
        Assert.Equal([.. Enumerable.Range(0, 100).Select(i => $"report-{i:000}")], Rows(first));

        Schedctl.Result second = await RunNextAsync(first);
        Assert.Equal([.. Enumerable.Range(100, 100).Select(i => $"report-{i:000}")], Rows(second));
        Assert.Equal($"Showing 101-200 of {AllJobs} jobs. Next: schedctl jobs list --offset 200 --store {Store}", second.Lines[^1]);

        Schedctl.Result third = await RunNextAsync(second);
        Assert.Equal(AllJobs - 200, Rows(third).Length);
        Assert.Equal($"Showing 201-{AllJobs} of {AllJobs} jobs.", third.Lines[^1]);

        Schedctl.Result all = await Schedctl.RunAsync("jobs", "list", "--all", "--store", Store);
        Assert.Equal(AllJobs, Rows(all).Length);
        Assert.Equal($"{AllJobs} jobs.", all.Lines[^1]);
    }

    [Theory]
    [InlineData("2 jobs named 'twin'.", 2, "--name", "twin")]
    [InlineData("1 job named 'report-007'.", 1, "--name", "report-007")]
    [InlineData("No jobs named 'report'.", 0, "--name", "report")]
    [InlineData("10 jobs whose name starts with 'report-22'.", 10, "--name-prefix", "report-22")]
    [InlineData("No jobs whose name starts with 'REPORT'.", 0, "--name-prefix", "REPORT")] // case by case: an index range, not a search
    [InlineData("2 cancelled jobs.", 2, "--status", "cancelled")]
    [InlineData("2 cancelled jobs whose name starts with 'go'.", 2, "--status", "cancelled", "--name-prefix", "go")]
    [InlineData("No running jobs.", 0, "--status", "running")]
    [InlineData("Showing 1-5 of 13 pending jobs whose name starts with 'crowd'. Next: schedctl jobs list --status pending --name-prefix crowd --limit 5 --offset 5 --store {store}",
        5, "--status", "pending", "--name-prefix", "crowd", "--limit", "5")]
    [InlineData("Showing 11-13 of 13 jobs named 'crowd'.", 3, "--name", "crowd", "--limit", "5", "--offset", "10")]
    [InlineData("No jobs past --offset 1000: 247 jobs in all.", 0, "--offset", "1000")]
    public async Task List_FiltersByStatusNameAndNamePrefix_AndSaysWhatMatched(string summary, int rows, params string[] filters)
    {
        Schedctl.Result result = await Schedctl.RunAsync(["jobs", "list", .. filters, "--store", Store]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(summary.Replace("{store}", Store, StringComparison.Ordinal), result.Lines[^1]);
        Assert.Equal(rows, Rows(result).Length);
    }

    [Fact]
    public async Task List_Json_CarriesTheTotalThePageAndTheNextOffset()
    {
        using JsonDocument first = (await Schedctl.RunAsync("jobs", "list", "--json", "--limit", "10", "--store", Store)).Json();
        using JsonDocument last = (await Schedctl.RunAsync("jobs", "list", "--json", "--limit", "10", "--offset", "240", "--store", Store)).Json();
        using JsonDocument all = (await Schedctl.RunAsync("jobs", "list", "--json", "--all", "--name-prefix", "crowd", "--store", Store)).Json();

        Assert.Equal((AllJobs, 0, 10, 10), Page(first.RootElement));
        Assert.Equal(10, first.RootElement.GetProperty("jobs").GetArrayLength());
        Assert.Equal("report-000", first.RootElement.GetProperty("jobs")[0].GetProperty("name").GetString());
        Assert.Equal((AllJobs, 240, 10, null), Page(last.RootElement));
        Assert.Equal(AllJobs - 240, last.RootElement.GetProperty("jobs").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, all.RootElement.GetProperty("limit").ValueKind);
        Assert.Equal(Crowd, all.RootElement.GetProperty("total").GetInt32());
        Assert.Equal(Crowd, all.RootElement.GetProperty("jobs").GetArrayLength());

        static (int Total, int Offset, int Limit, int? Next) Page(JsonElement page) => (page.GetProperty("total").GetInt32(),
            page.GetProperty("offset").GetInt32(), page.GetProperty("limit").GetInt32(),
            page.GetProperty("next_offset").ValueKind == JsonValueKind.Null ? null : page.GetProperty("next_offset").GetInt32());
    }

    [Theory]
    [MemberData(nameof(BadOptions))]
    public async Task List_BadPagingOrFilterOptions_AreUsageErrors(string[] options, string message)
    {
        Schedctl.Result result = await Schedctl.RunAsync(["jobs", "list", "--store", Store, .. options]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.Equal("", result.Output);
    }

    [Fact]
    public async Task AJobName_FindsItsOneLiveJob_OrSaysWhichJobsShareIt()
    {
        Schedctl.Result one = await Schedctl.RunAsync("jobs", "show", "report-123", "--json", "--store", Store);
        Schedctl.Result twins = await Schedctl.RunAsync("jobs", "show", "twin", "--store", Store);
        Schedctl.Result crowd = await Schedctl.RunAsync("jobs", "pause", "crowd", "--store", Store);
        Schedctl.Result byId = await Schedctl.RunAsync("jobs", "show", prepared.Twins[1], "--json", "--store", Store);
        Schedctl.Result cancelled = await Schedctl.RunAsync("jobs", "show", "gone", "--json", "--store", Store);
        Schedctl.Result missing = await Schedctl.RunAsync("jobs", "show", "report-1", "--store", Store);

        Assert.True(one.ExitCode == 0, one.ToString());
        Assert.Equal("report-123", one.Json().RootElement.GetProperty("name").GetString());
        Assert.Equal(1, twins.ExitCode);
        Assert.Equal($"schedctl: 2 jobs are named 'twin' (ids {prepared.Twins[0]}, {prepared.Twins[1]}); give the id.", twins.Error.Trim());
        Assert.Equal(1, crowd.ExitCode);
        Assert.StartsWith($"schedctl: {Crowd} jobs are named 'crowd' (ids {string.Join(", ", prepared.Crowd.Take(10))} and 3 more); give the id.",
            crowd.Error, StringComparison.Ordinal);
        Assert.Equal(prepared.Twins[1], byId.Json().RootElement.GetProperty("job_id").GetString());
        Assert.Equal(prepared.LastGone, cancelled.Json().RootElement.GetProperty("job_id").GetString());
        Assert.Equal(1, missing.ExitCode);
        Assert.StartsWith($"schedctl: no job named or with id 'report-1' in {Store}.", missing.Error, StringComparison.Ordinal);
    }

    /// <summary>The names in the rows of a printed table (every job here has a plain name).</summary>
    private static string[] Rows(Schedctl.Result result) =>
        [.. result.Lines.Where(l => l.StartsWith("report-", StringComparison.Ordinal) || l.StartsWith("twin ", StringComparison.Ordinal)
            || l.StartsWith("crowd ", StringComparison.Ordinal) || l.StartsWith("gone ", StringComparison.Ordinal)).Select(l => l.Split(' ')[0])];

    /// <summary>Runs the command the last line of <paramref name="page"/> gives for the next page, word by word as a shell would.</summary>
    private static async Task<Schedctl.Result> RunNextAsync(Schedctl.Result page)
    {
        string line = page.Lines[^1];
        string command = line[(line.IndexOf("Next: schedctl ", StringComparison.Ordinal) + "Next: schedctl ".Length)..];
        Schedctl.Result next = await Schedctl.RunAsync(command.Split(' '));
        Assert.True(next.ExitCode == 0, next.ToString());
        return next;
    }

    /// <summary>A store of 247 jobs added in one batch: report-000 to report-229, two named twin, 13 named crowd, two cancelled named gone.</summary>
    public sealed class PagedStore : IAsyncLifetime
    {
        private readonly TempFolder _folder = new();

        public string Store => "sqlite:" + _folder["state.db"];

        public IReadOnlyList<string> Twins { get; private set; } = [];

        public IReadOnlyList<string> Crowd { get; private set; } = [];

        public string LastGone { get; private set; } = "";

        public async ValueTask InitializeAsync()
        {
            using var store = new SqliteJobStore(_folder["state.db"]);
            await using var scheduler = new Scheduler(new SchedulerOptions { Store = store });
            scheduler.RegisterTask("command", (JobContext _, CancellationToken _) => Task.FromResult<object?>(null));
            string[] names =
            [
                .. Enumerable.Range(0, Reports).Select(i => $"report-{i:000}"), "twin", "twin", .. Enumerable.Repeat("crowd", JobsListPagingTests.Crowd),
                "gone", "gone",
            ];
            IReadOnlyList<string> ids = await scheduler.ScheduleManyAsync(
                names.Select(name => new JobDefinition { Name = name, Task = "command", Trigger = Triggers.Cron("@yearly"), Args = ["true"] }),
                TestContext.Current.CancellationToken);
            Twins = [.. ids.Skip(Reports).Take(2)];
            Crowd = [.. ids.Skip(Reports + 2).Take(JobsListPagingTests.Crowd)];
            LastGone = ids[^1];
            await scheduler.CancelAsync(ids[^2], TestContext.Current.CancellationToken);
            await scheduler.CancelAsync(ids[^1], TestContext.Current.CancellationToken);
        }

        public ValueTask DisposeAsync()
        {
            _folder.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
