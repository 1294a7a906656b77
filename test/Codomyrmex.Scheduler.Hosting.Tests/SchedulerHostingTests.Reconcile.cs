using Codomyrmex.Scheduler.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Codomyrmex.Scheduler.Hosting.Tests;

public sealed class SchedulerHostingReconcileTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StartAsync_RestartWithChangedConfiguration_UpdatesAddsAndRemovesByName()
    {
        var clock = new FakeTimeProvider(TestHost.Start);
        var store = new InMemoryJobStore(new InMemoryJobStoreOptions { TimeProvider = clock });   // the store outlives the host, as a durable one would
        Dictionary<string, string?> first = TestHost.Merge(TestHost.Job(0, "report", "work", "0 9 * * *"), TestHost.Job(1, "cleanup", "work", "@hourly"));
        Dictionary<string, string?> second = TestHost.Merge(TestHost.Job(0, "report", "work", "0 18 * * *"), TestHost.Job(1, "backup", "work", "@daily"));
        Job reportBefore;
        using (IHost host = TestHost.Build(clock, first, scheduler => scheduler.AddTask("work", TestHost.NoOp).UseStore(_ => store)))
        {
            await host.StartAsync(Token);
            await host.AdvanceAsync(clock, TimeSpan.FromHours(1), steps: 10);
            reportBefore = host.Services.GetRequiredService<Scheduler>().ListJobs().Single(job => job.Name == "report");
            await host.StopAsync(Token);
        }

        using (IHost host = TestHost.Build(clock, second, scheduler => scheduler.AddTask("work", TestHost.NoOp).UseStore(_ => store)))
        {
            await host.StartAsync(Token);
            IReadOnlyList<Job> jobs = host.Services.GetRequiredService<Scheduler>().ListJobs();

            Job report = jobs.Single(job => job.Name == "report");
            Assert.Equal(reportBefore.Id, report.Id);
            Assert.Equal(1, report.RunCount);
            Assert.Equal(new DateTimeOffset(2026, 11, 23, 18, 0, 0, TimeSpan.Zero), report.NextRun);
            Assert.Equal(JobStatus.Cancelled, jobs.Single(job => job.Name == "cleanup").Status);
            Assert.Equal(JobStatus.Pending, jobs.Single(job => job.Name == "backup").Status);
            Assert.All(jobs, job => Assert.Equal(SchedulerHostingOptions.JobSource, job.Source));
            await host.StopAsync(Token);
        }
    }

    [Fact]
    public async Task StartAsync_JobDeclaredInCode_IsReplacedByAConfiguredJobOfTheSameName()
    {
        var clock = new FakeTimeProvider(TestHost.Start);
        using IHost host = TestHost.Build(clock, TestHost.Job(0, "report", "work", "0 18 * * *"),
            scheduler => scheduler.AddTask("work", TestHost.NoOp)
                .AddJob(new JobDefinition { Name = "report", Task = "work", Trigger = Triggers.Cron("0 9 * * *") })
                .AddJob(new JobDefinition { Name = "sweep", Task = "work", Trigger = Triggers.Every(minutes: 30) }));

        await host.StartAsync(Token);

        IReadOnlyList<Job> jobs = host.Services.GetRequiredService<Scheduler>().ListJobs();
        Assert.Equal(["report", "sweep"], jobs.Select(job => job.Name).Order());
        Assert.Equal("0 18 * * *", Assert.IsType<CronTrigger>(jobs.Single(job => job.Name == "report").Trigger).Expression.ToString());
        await host.StopAsync(Token);
    }
}
