using Codomyrmex.Scheduler.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Codomyrmex.Scheduler.Hosting.Tests;

/// <summary>The built-in SQLite store through a real host: configured jobs keep their counters and history across host restarts.</summary>
public sealed class SchedulerHostingSqliteTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Store_ABarePath_IsASqliteFileThere_AsSchedctlReadsIt()
    {
        string folder = Directory.CreateTempSubdirectory("hosting-sqlite-").FullName;
        try
        {
            string database = Path.Combine(folder, "bare.db");
            var clock = new FakeTimeProvider(TestHost.Start);
            using (IHost host = TestHost.Build(clock, new Dictionary<string, string?> { ["Scheduler:Store"] = database }))
            {
                await host.StartAsync(Token);
                Assert.IsType<SqliteJobStore>(host.Services.GetRequiredService<Scheduler>().Store);
                await host.StopAsync(Token);
            }

            Assert.True(File.Exists(database));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task SqliteStore_FromConfiguration_KeepsJobsAndHistoryAcrossHostRestarts()
    {
        string folder = Directory.CreateTempSubdirectory("hosting-sqlite-").FullName;
        try
        {
            string database = Path.Combine(folder, "jobs.db");
            var clock = new FakeTimeProvider(TestHost.Start);
            Dictionary<string, string?> configuration = TestHost.Merge(
                new Dictionary<string, string?> { ["Scheduler:Store"] = "sqlite:" + database },
                TestHost.Job(0, "tick", "work", "@every 1m"));
            int runs = 0;
            Func<IServiceProvider, JobContext, CancellationToken, Task> work = (_, _, _) =>
            {
                Interlocked.Increment(ref runs);
                return Task.CompletedTask;
            };

            string jobId;
            using (IHost first = TestHost.Build(clock, configuration, scheduler => scheduler.AddTask("work", work)))
            {
                await first.StartAsync(Token);
                await first.AdvanceAsync(clock, TimeSpan.FromMinutes(1), steps: 2);
                Scheduler scheduler = first.Services.GetRequiredService<Scheduler>();
                Assert.IsType<SqliteJobStore>(scheduler.Store);
                jobId = Assert.Single(scheduler.ListJobs()).Id;
                await first.StopAsync(Token);
            }

            Assert.Equal(2, runs);
            Assert.True(File.Exists(database));
            using (IHost second = TestHost.Build(clock, configuration, scheduler => scheduler.AddTask("work", work)))
            {
                await second.StartAsync(Token);
                await second.AdvanceAsync(clock, TimeSpan.FromMinutes(1));
                Scheduler scheduler = second.Services.GetRequiredService<Scheduler>();
                Job job = Assert.Single(scheduler.ListJobs());
                Assert.Equal(jobId, job.Id);
                Assert.Equal(3, job.RunCount);
                Assert.Equal(3, (await scheduler.GetRunsAsync(new RunQuery { JobId = jobId }, Token)).Total);
                await second.StopAsync(Token);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task SqliteStore_TwoHostsInOneProcessOnOneFile_ShareItWithOneJobPerDeclaredName()
    {
        // The file's dispatch lock belongs to a process (another process is refused: schedctl's tests show it); hosts in one
        // process share the file as nodes of one store, and their declared jobs are one job per name however they race.
        string folder = Directory.CreateTempSubdirectory("hosting-sqlite-").FullName;
        try
        {
            string database = Path.Combine(folder, "jobs.db");
            var clock = new FakeTimeProvider(TestHost.Start);
            var store = new Dictionary<string, string?> { ["Scheduler:Store"] = "sqlite:" + database };
            using IHost live = TestHost.Build(clock, TestHost.Merge(store, TestHost.Job(0, "a", "work", "@every 1m")),
                scheduler => scheduler.AddTask("work", TestHost.NoOp));
            using IHost second = TestHost.Build(clock, TestHost.Merge(store, TestHost.Job(0, "a", "work", "@every 1m")),
                scheduler => scheduler.AddTask("work", TestHost.NoOp));
            await Task.WhenAll(live.StartAsync(Token), second.StartAsync(Token));

            Scheduler scheduler = live.Services.GetRequiredService<Scheduler>();
            Job job = Assert.Single(scheduler.ListJobs());
            Assert.Equal("a", job.Name);
            Assert.Equal(JobStatus.Pending, job.Status);
            Assert.Equal(2, (await scheduler.ListNodesAsync(Token)).Count);
            await Task.WhenAll(second.StopAsync(Token), live.StopAsync(Token));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
