using Microsoft.Data.Sqlite;

namespace Codomyrmex.Scheduler.Sqlite.Tests;

/// <summary>
/// A real scheduler in a child process runs thousands of short jobs on a file and is killed (SIGKILL) at random moments,
/// then restarted; afterwards the history shows no job lost, no occurrence run twice except marked recoveries, and the
/// file is intact.
/// </summary>
public sealed class SqliteJobStoreCrashTests : IDisposable
{
    private const int Jobs = 3000;
    private const int Kills = 5;
    private readonly TempFolder _folder = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task KilledAtRandomAndRestarted_LosesNoJob_RunsNothingTwiceUnmarked_AndKeepsTheFileIntact()
    {
        string path = _folder.NewPath();
        string log = Path.Combine(_folder.Path, "ran.log");
        int seed = Random.Shared.Next();
        var random = new Random(seed);
        for (int kill = 0; kill < Kills; kill++)
        {
            using var child = TestHost.Start("crash-run", path, Jobs.ToString(System.Globalization.CultureInfo.InvariantCulture), log);
            await child.WaitForLineAsync("started", Token);
            await Task.Delay(random.Next(0, 250), Token);
            child.Kill();
        }

        using (var last = TestHost.Start("crash-run", path, Jobs.ToString(System.Globalization.CultureInfo.InvariantCulture), log))
        {
            await last.WaitForLineAsync("done", Token);
            await last.Process.WaitForExitAsync(Token);
            Assert.Equal(0, last.Process.ExitCode);
        }

        using SqliteJobStore store = SqliteJobStoreFileTests.Open(path);
        JobPage all = await store.ListAsync(new JobQuery(), Token);
        Assert.Equal(Jobs, all.Total);
        Assert.Equal(Jobs, all.Items.Select(j => j.Name).Distinct().Count());
        Dictionary<string, int> bodies = File.ReadAllLines(log).GroupBy(line => line.Split(' ')[0]).ToDictionary(g => g.Key, g => g.Count());
        int interrupted = 0;
        int recovered = 0;
        foreach (Job job in all.Items)
        {
            List<RunRecord> runs = [.. (await store.GetRunsAsync(new RunQuery { JobId = job.Id }, Token)).Items.Reverse()];
            string context = $"seed {seed}, job {job.Name} ({job.Status}): {string.Join(", ", runs.Select(r => $"{r.Outcome}{(r.IsRecovery ? "*" : "")}"))}";

            // Never lost: every job ended, with a record of how.
            Assert.True(job.Status is JobStatus.Completed or JobStatus.Failed, context);
            Assert.NotEmpty(runs);
            Assert.True(runs.Count(r => r.Outcome == RunOutcome.Succeeded) <= 1, context);
            Assert.All(runs.SkipLast(1), r => Assert.Equal(RunOutcome.Interrupted, r.Outcome));
            interrupted += runs.Count(r => r.Outcome == RunOutcome.Interrupted);
            if (job.Options.Recoverable)
            {
                // Every run after a lost one is a marked recovery, and the job ends successfully.
                Assert.All(runs.Skip(1), r => Assert.True(r.IsRecovery, context));
                Assert.Equal(JobStatus.Completed, job.Status);
                recovered += runs.Count(r => r.IsRecovery);
            }
            else
            {
                // At most once: one record, and the job's body ran at most once.
                Assert.Single(runs);
                Assert.True(bodies.GetValueOrDefault(job.Id) <= 1, context + $"; its body ran {bodies.GetValueOrDefault(job.Id)} times");
                Assert.Equal(runs[0].Outcome == RunOutcome.Succeeded, job.Status == JobStatus.Completed);
            }
        }

        // The kills hit runs in flight (3,000 runs take well over the 250 ms a kill waits at most), or the test tested nothing.
        Assert.True(interrupted > 0 && recovered > 0, $"seed {seed}: {interrupted} runs interrupted by {Kills} kills, {recovered} recovery runs.");
        using var raw = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        raw.Open();
        using SqliteCommand check = raw.CreateCommand();
        check.CommandText = "PRAGMA integrity_check;";
        Assert.Equal("ok", check.ExecuteScalar());
    }
}
