using Codomyrmex.Scheduler.Cli.Jobs;
using Microsoft.Extensions.Time.Testing;

namespace Codomyrmex.Scheduler.Cli.Tests.Jobs;

public sealed class JobsFileCheckTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static Task<JobsFileResult> CheckAsync(string text, bool system = false, bool isRoot = true)
    {
        JobsFileResult read = JobsFileReader.Parse("jobs", System.Text.Encoding.UTF8.GetBytes(text), null, system);
        // A machine whose accounts are root and backup, so no process is started to ask.
        var accounts = new Accounts(isRoot, name => name is "root" or "backup");
        return JobsFileCheck.CheckAsync(read, new FakeTimeProvider(Start), accounts, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Check_SystemCrontabWithoutRoot_IsRefusedAsAWhole()
    {
        JobsFileResult result = await CheckAsync("@daily root /bin/true\n", system: true, isRoot: false);

        FileError error = Assert.Single(result.Errors);
        Assert.Null(result.File);
        Assert.Equal((0, 0), (error.Line, error.Column));
        Assert.StartsWith("this is a system crontab, whose jobs run as the account named after each schedule; only root can run", error.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_SystemCrontabAsRoot_CarriesTheUserIntoTheJobsArguments()
    {
        JobsFileResult result = await CheckAsync("@daily root /bin/true\n", system: true);

        Assert.Empty(result.Errors);
        JobDefinition definition = Assert.Single(result.File!.Definitions);
        Assert.Equal("root", definition.Kwargs!["user"]!.GetValue<string>());
    }

    [Fact]
    public async Task Check_UnknownAccount_IsAnErrorAtTheUserColumn()
    {
        JobsFileResult result = await CheckAsync("0 * * * *   no-such-user-4711 /bin/true\n", system: true);

        FileError error = Assert.Single(result.Errors);
        Assert.Equal((1, 13, "there is no account 'no-such-user-4711' on this machine to run the command as."), (error.Line, error.Column, error.Message));
    }

    [Theory]
    [InlineData("0 * * * * backup /usr/local/bin/backup --all\n", 11, "the command starts with 'backup', an account on this machine and no program")]
    [InlineData("PATH=/nowhere\n@daily root run-parts /etc/cron.daily\n", 8, "the command starts with 'root'")]
    public async Task Check_UserCrontabWhoseCommandStartsWithAnAccount_IsRefusedAsASystemCrontabMisread(string text, int column, string message)
    {
        JobsFileResult result = await CheckAsync(text);

        FileError error = Assert.Single(result.Errors);
        Assert.Equal(column, error.Column);
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
        Assert.EndsWith("Then read it as one with --system.", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("@daily ls /tmp\n")]
    [InlineData("@daily cd / && backup\n")]
    [InlineData("@daily /usr/bin/backup\n")]
    public async Task Check_UserCrontabWithPrograms_IsAccepted(string text)
    {
        JobsFileResult result = await CheckAsync(text);

        Assert.Empty(result.Errors);
    }

    [Fact]
    public async Task Check_TheSchedulersRefusal_IsPlacedAtTheFieldItIsAbout()
    {
        JobsFileResult result = await CheckAsync("""
            { "jobs": [
              { "name": "ok", "schedule": "@daily", "command": ["x"] },
              { "name": "late", "command": ["x"],
                "trigger": { "type": "interval", "minutes": 1, "end_time": "2020-01-01T00:00:00Z" } }
            ] }
            """);

        FileError error = Assert.Single(result.Errors);
        Assert.Equal((4, 16), (error.Line, error.Column));
        Assert.StartsWith("the scheduler refuses job 'late': the trigger 'every 1m until 2020-01-01T00:00:00.0000000+00:00' never fires after", error.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_RebootJob_IsOneRunJustAfterTheStart_TheSameForTheSameStart()
    {
        JobsFileResult first = await CheckAsync("""{ "jobs": [ { "name": "boot", "schedule": "@reboot", "command": ["x"] } ] }""");
        JobsFileResult again = await CheckAsync("""{ "jobs": [ { "name": "boot", "schedule": "@reboot", "command": ["x"] } ] }""");

        JobSpec job = Assert.Single(first.File!.Jobs);
        Assert.True(job.RunsAtStart);
        var trigger = Assert.IsType<OnceTrigger>(Assert.Single(first.File.Definitions).Trigger);
        Assert.Equal(Start + CommandJobs.AtStartDelay, trigger.RunAt);
        Assert.Equal(trigger.ToString(), again.File!.Definitions[0].Trigger!.ToString());
        Assert.NotEqual(trigger.ToString(), CommandJobs.ToDefinition(job, Start.AddMinutes(1)).Trigger!.ToString());
    }

    [Fact]
    public async Task Check_NextRuns_AreTheSchedulersFirstRuns()
    {
        JobsFileResult result = await CheckAsync("CRON_TZ=UTC\n0 9 * * *   /usr/bin/report\n@every 90s /usr/bin/poll\n@reboot /usr/bin/start\n");

        Assert.Equal([new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero), Start.AddSeconds(90), Start + CommandJobs.AtStartDelay],
            result.File!.NextRuns.Select(next => next!.Value.ToUniversalTime()));
    }

    [Fact]
    public void Refusals_EachProblemOfAJob_IsPlacedAtTheFieldItNames()
    {
        JobSpec job = Assert.Single(Parse("""
            { "jobs": [ { "name": "a", "schedule": "@daily", "command": ["x"],
                          "timeout": "50d",
                          "max_attempts": 2 } ] }
            """).File!.Jobs);
        var refusal = new ArgumentException(
            "The job definitions are not valid: Job 'a': Timeout is 50.00:00:00; it must be at most 24.20:31:23.6470000. " +
            "Job 'a': MaxAttempts is 2; it must be 1 here. Job 'a': something else.", "definitions");

        FileError[] errors = [.. JobsFileCheck.Refusals(job, refusal)];

        Assert.Equal(
            [
                (2, 26, "the scheduler refuses job 'a': Timeout is 50.00:00:00; it must be at most 24.20:31:23.6470000."),
                (3, 31, "the scheduler refuses job 'a': MaxAttempts is 2; it must be 1 here."),
                (1, 13, "the scheduler refuses job 'a': something else."),
            ],
            errors.Select(e => (e.Line, e.Column, e.Message)));
    }

    private static JobsFileResult Parse(string text) => JobsFileReader.Parse("jobs.json", System.Text.Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\n")), null, false);
}
