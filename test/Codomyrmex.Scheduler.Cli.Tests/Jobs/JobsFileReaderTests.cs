using Codomyrmex.Scheduler.Cli.Jobs;

namespace Codomyrmex.Scheduler.Cli.Tests.Jobs;

public sealed class JobsFileReaderTests
{
    [Fact]
    public void Read_JsonJob_FillsTheModel()
    {
        using var file = new TempFile("jobs.json", """
            { "jobs": [ {
                "name": "backup", "schedule": "30 2 * * *", "time_zone": "Europe/Berlin",
                "command": ["tar", "czf", "/b.tgz", "/data"], "working_dir": "/data", "env": { "K": "V" },
                "timeout": "1h30m", "max_runs": 10, "overlap": "queue", "misfire": "run_all", "misfire_grace": "2m",
                "max_attempts": 3, "retry_delay": "10m", "recoverable": true
            } ] }
            """);

        JobsFileResult result = JobsFileReader.Read(file.Path);

        Assert.Empty(result.Errors);
        JobSpec job = Assert.Single(result.File!.Jobs);
        Assert.Equal("backup", job.Name);
        var cron = Assert.IsType<CronTrigger>(job.Trigger);
        Assert.Equal("Europe/Berlin", cron.TimeZone!.Id);
        Assert.Equal(["tar", "czf", "/b.tgz", "/data"], job.Command);
        Assert.False(job.Shell);
        Assert.Equal("/data", job.WorkingDirectory);
        Assert.Equal("V", job.Environment["K"]);
        Assert.Equal(10, job.MaxRuns);
        Assert.True(job.Options.Recoverable);
        Assert.Equal(1, job.Line);
        Assert.Equal(
            JobOptions.Default with
            {
                Timeout = TimeSpan.FromMinutes(90), Overlap = OverlapPolicy.Queue, Misfire = MisfirePolicy.RunAll,
                MisfireGraceTime = TimeSpan.FromMinutes(2), MaxAttempts = 3, RetryDelay = TimeSpan.FromMinutes(10), MaxRetryDelay = TimeSpan.FromMinutes(10),
                Recoverable = true,
            },
            job.Options);
        Assert.Empty(job.Options.Validate());
    }

    [Fact]
    public void Read_JsonTriggers_AreTheDesignShapes()
    {
        using var file = new TempFile("jobs.json", """
            { "jobs": [
              { "name": "i", "trigger": { "type": "interval", "minutes": 5 }, "command": ["x"] },
              { "name": "o", "trigger": { "type": "once", "run_at": "2030-01-01T09:00:00Z" }, "command": ["x"] },
              { "name": "c", "trigger": { "type": "cron", "expression": "0 9 * * 1-5", "time_zone": "America/New_York" }, "command": ["x"] },
              { "name": "e", "schedule": "@every 1h30m", "command": "echo hi", "shell": true }
            ] }
            """);

        IReadOnlyList<JobSpec> jobs = JobsFileReader.Read(file.Path).File!.Jobs;

        Assert.Equal(TimeSpan.FromMinutes(5), Assert.IsType<IntervalTrigger>(jobs[0].Trigger).Interval);
        Assert.Equal(new DateTimeOffset(2030, 1, 1, 9, 0, 0, TimeSpan.Zero), Assert.IsType<OnceTrigger>(jobs[1].Trigger).RunAt);
        Assert.Equal("America/New_York", Assert.IsType<CronTrigger>(jobs[2].Trigger).TimeZone!.Id);
        Assert.Equal(TimeSpan.FromMinutes(90), Assert.IsType<IntervalTrigger>(jobs[3].Trigger).Interval);
        Assert.Equal(["echo hi"], jobs[3].Command);
        Assert.True(jobs[3].Shell);
    }

    [Fact]
    public void Read_Crontab_AppliesEnvironmentAndZoneToTheLinesBelow()
    {
        using var file = new TempFile("crontab", """
            # comment
            */5 * * * * echo first

            SHELL=/bin/bash
            MAILTO = "ops@example.com"
            CRON_TZ=Europe/Berlin
            30 2 * * 1-5 /usr/bin/backup --all
            @daily echo first
            @every 30s   echo often
            """);

        JobsFileResult result = JobsFileReader.Read(file.Path);

        Assert.Equal(JobsFileFormat.Crontab, result.Format);
        Assert.Empty(result.Errors);
        IReadOnlyList<JobSpec> jobs = result.File!.Jobs;
        Assert.Equal(["echo first", "/usr/bin/backup --all", "echo first #2", "echo often"], jobs.Select(j => j.Name));
        Assert.Empty(jobs[0].Environment);
        Assert.Null(Assert.IsType<CronTrigger>(jobs[0].Trigger).TimeZone);
        Assert.Equal("Europe/Berlin", Assert.IsType<CronTrigger>(jobs[1].Trigger).TimeZone!.Id);
        Assert.Equal("/bin/bash", jobs[1].Environment["SHELL"]);
        Assert.Equal("ops@example.com", jobs[1].Environment["MAILTO"]);
        Assert.False(jobs[1].Environment.ContainsKey("CRON_TZ"));
        Assert.All(jobs, job => Assert.True(job.Shell));
        Assert.Equal(["/usr/bin/backup --all"], jobs[1].Command);
        Assert.Equal(7, jobs[1].Line);
        Assert.Equal(TimeSpan.FromSeconds(30), Assert.IsType<IntervalTrigger>(jobs[3].Trigger).Interval);
    }

    [Theory]
    [InlineData("jobs.json", "# not json", "Json")]
    [InlineData("jobs", "  {\"jobs\": []}", "Json")]
    [InlineData("crontab", "@daily true", "Crontab")]
    public void Read_Format_FollowsExtensionThenContent(string name, string text, string format)
    {
        using var file = new TempFile(name, text);

        Assert.Equal(format, JobsFileReader.Read(file.Path).Format.ToString());
    }

    [Theory]
    [InlineData("jobs.json", "", null)]
    [InlineData("jobs.json", " \n\t\r\n", null)]
    [InlineData("jobs.json", "\uFEFF", null)]
    [InlineData("jobs.json", "// no jobs yet\n/* none */ \n", null)]
    [InlineData("jobs", "", null)]
    [InlineData("jobs", "  \n", null)]
    [InlineData("jobs", "", "Json")]
    [InlineData("jobs", " \n", "Json")]
    public void Read_EmptyFile_InEveryFormat_HasNoJobs_AndNoErrors(string name, string text, string? format)
    {
        using var file = new TempFile(name, text);

        JobsFileResult result = JobsFileReader.Read(file.Path, format is null ? null : Enum.Parse<JobsFileFormat>(format));

        Assert.Empty(result.Errors);
        Assert.Empty(result.File!.Jobs);
    }

    [Theory]
    [InlineData("{", "invalid JSON")]
    [InlineData("/* never closed", "invalid JSON")]
    [InlineData("// a comment, then\n[]", "a jobs file is an object")]
    [InlineData("{}", "no \"jobs\" array")]
    public void Read_JsonWithAnythingButWhitespaceAndComments_IsReadAsJson(string text, string expected)
    {
        using var file = new TempFile("jobs.json", text);

        JobsFileResult result = JobsFileReader.Read(file.Path);

        Assert.Null(result.File);
        Assert.Contains(expected, Assert.Single(result.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_SystemCrontab_TakesTheWordAfterTheScheduleAsTheUser()
    {
        JobsFileResult result = Parse("""
            SHELL=/bin/sh
            17 *  * * *  root    cd / && run-parts --report /etc/cron.hourly
            @daily       backup  /usr/local/bin/backup --all
            @every 30s   www-data /usr/bin/php /srv/tick.php
            @reboot      root    /usr/sbin/start-things
            """, system: true);

        Assert.Empty(result.Errors);
        Assert.True(result.File!.IsSystem);
        Assert.Equal(["root", "backup", "www-data", "root"], result.File.Jobs.Select(job => job.User));
        Assert.Equal(
            ["cd / && run-parts --report /etc/cron.hourly", "/usr/local/bin/backup --all", "/usr/bin/php /srv/tick.php", "/usr/sbin/start-things"],
            result.File.Jobs.Select(job => job.Command[0]));
        Assert.True(result.File.Jobs[3].RunsAtStart);
        Assert.Equal((2, 14), result.File.Jobs[0].Places["user"]);
    }

    [Fact]
    public void Read_UserCrontab_HasNoUsers_AndTheWholeRestIsTheCommand()
    {
        JobsFileResult result = Parse("17 * * * * root /bin/true\n", system: false);

        JobSpec job = Assert.Single(result.File!.Jobs);
        Assert.Null(job.User);
        Assert.Equal(["root /bin/true"], job.Command);
    }

    [Theory]
    [InlineData("@daily date +\\%Y-\\%m-\\%d", "date +%Y-%m-%d")]
    [InlineData("@daily printf '100\\%'", "printf '100%'")]
    public void Read_EscapedPercent_IsALiteralPercent_AsInCron(string line, string command)
    {
        JobSpec job = Assert.Single(Parse(line + "\n", system: false).File!.Jobs);

        Assert.Equal([command], job.Command);
    }

    [Fact]
    public void Read_Mailto_IsNotedOnce_AtTheFirstLineThatSetsIt()
    {
        JobsFileResult result = Parse("""
            # mail goes nowhere
            MAILTO=ops@example.com
            @daily /bin/true
            MAILTO=other@example.com
            MAILTO=""
            @hourly /bin/true
            """, system: false);

        FileError note = Assert.Single(result.File!.Notes);
        Assert.Equal((2, 1), (note.Line, note.Column));
        Assert.StartsWith("MAILTO is set, but schedctl sends no mail: each run's output", note.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_EmptyMailto_TurnsMailOff_AndNeedsNoNote()
    {
        Assert.Empty(Parse("MAILTO=\"\"\n@daily /bin/true\n", system: false).File!.Notes);
    }

    [Theory]
    [InlineData("/etc/crontab", true)]
    [InlineData("/etc/cron.d/backup", true)]
    [InlineData("/etc/cron.d/../crontab", true)]
    [InlineData("/etc/cron.daily/backup", false)]
    [InlineData("/home/me/crontab", false)]
    [InlineData("crontab", false)]
    public void IsSystemCrontabPath_IsCronsOwnPlaces(string path, bool system)
    {
        Assert.Equal(system, JobsFileReader.IsSystemCrontabPath(path));
    }

    private static JobsFileResult Parse(string text, bool system) =>
        JobsFileReader.Parse("crontab", System.Text.Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\n")), JobsFileFormat.Crontab, system);
}
