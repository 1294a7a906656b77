using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Codomyrmex.Scheduler.Cli.Tests;
using Codomyrmex.Scheduler.PostgreSql;
using Npgsql;

namespace Codomyrmex.Scheduler.Cluster.Tests;

/// <summary>
/// Three real <c>schedctl run</c> processes on one PostgreSQL database run fifty jobs firing every second or two for
/// about a minute; one is killed (SIGKILL) at 20 s, another paused (SIGSTOP) from 30 s to 45 s. Then the history in the store
/// and the log the jobs wrote must show every occurrence in the window exactly once, the lost ones run again and marked as
/// recoveries.
/// </summary>
/// <remarks>
/// <para>
/// What a lost run is. The killed node's runs in flight are lost with it (their commands die with it: the wrapper kills
/// its group when schedctl's pipe closes). The paused node's commands run on (they are in sessions of their own, which
/// SIGSTOP to schedctl's group does not reach) and may write their lines, but the node cannot record them: its leases
/// lapse, another node records those runs as interrupted and runs each occurrence again, marked as a recovery, and when
/// the node wakes its completions and renewals are refused (fenced) and it records nothing. So an occurrence may have two
/// lines in the log: one unmarked, of a run the history has as interrupted, and one marked, of the recovery. It never has
/// two successful runs, nor two unmarked lines.
/// </para>
/// <para>
/// The test checks exactly once, not how fast: it prints the longest time a job went without a run after the kill and
/// after the pause (the README quotes them), and fails only on an occurrence missing, doubled or not marked. Before the
/// nodes are stopped it waits for the occurrences of the window to have run, so that a loaded machine's lateness is not
/// counted as a missing occurrence.
/// </para>
/// </remarks>
public sealed class ClusterTests : IAsyncLifetime
{
    /// <summary>How long a node's claim holds without a heartbeat: the failover time is about this plus one heartbeat (a third of it).</summary>
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);

    private static readonly TimeSpan KillAt = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan PauseAt = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ResumeAt = TimeSpan.FromSeconds(45);
    private static readonly TimeSpan StopAt = TimeSpan.FromSeconds(60);

    /// <summary>Occurrences this close to the start or the stop are outside the window: nodes were still starting or already stopping.</summary>
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(3);

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "codomyrmex-cluster-" + Guid.NewGuid().ToString("N"));
    private readonly string _schema = "cluster_" + Guid.NewGuid().ToString("N");
    private readonly List<RunningSchedctl> _nodes = [];
    private NpgsqlDataSource? _source;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (RunningSchedctl node in _nodes)
        {
            // A node left stopped must be continued to be killed cleanly; one already gone is fine.
            await Signal("CONT", node, mustSucceed: false);
            await node.DisposeAsync();
        }

        // CODOMYRMEX_CLUSTER_KEEP=1 keeps the schema, to look into a failed run.
        if (_source is not null && Environment.GetEnvironmentVariable("CODOMYRMEX_CLUSTER_KEEP") != "1")
        {
            await using (NpgsqlCommand drop = _source.CreateCommand($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE"))
            {
                await drop.ExecuteNonQueryAsync(CancellationToken.None);
            }

        }

        if (_source is not null)
        {
            await _source.DisposeAsync();
        }

        if (Environment.GetEnvironmentVariable("CODOMYRMEX_CLUSTER_KEEP") != "1")
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task ThreeNodes_KillOnePauseAnother_EveryOccurrenceRunsExactlyOnce()
    {
        string connectionString = PostgresServer.ConnectionString;
        _source = NpgsqlDataSource.Create(connectionString);
        // Fifty jobs (about 30 runs a second, each a process of its own) by default: on two cores shared with the rest of the
        // suite, a hundred put the nodes a minute behind their schedule, whatever the store does (see README, "Many nodes").
        int jobCount = int.TryParse(Environment.GetEnvironmentVariable("CODOMYRMEX_CLUSTER_JOBS"), CultureInfo.InvariantCulture, out int n) ? n : 50;
        string log = Path.Combine(_folder, "runs.log");
        Dictionary<string, TimeSpan> intervals = WriteJobsFile(Path.Combine(_folder, "jobs.json"), jobCount, log);
        string store = $"postgres:{connectionString};Schema={_schema}";

        // Three nodes, started at once on an empty schema: they migrate it and reconcile the same file together.
        for (int i = 0; i < 3; i++)
        {
            _nodes.Add(RunningSchedctl.StartInOwnGroup(_folder, "run", "jobs.json", "--store", store, "--node", "node" + i, "--lease", "3s",
                "--workers", "32", "--grace", "10s", "--kill-timeout", "2s"));
        }

        foreach (RunningSchedctl node in _nodes)
        {
            await node.WaitForErrorAsync("schedctl: running");
        }

        DateTimeOffset start = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        // CODOMYRMEX_CLUSTER_FAULTS=0 runs the same minute without the kill and the pause: the baseline, to see whether the
        // cluster keeps up at all on a machine.
        bool faults = Environment.GetEnvironmentVariable("CODOMYRMEX_CLUSTER_FAULTS") != "0";
        // The store keeps the last 100 runs of each job (schedctl's default), and a job firing every second passes that before
        // the drain ends: the test keeps every record it has seen, read every two seconds while the nodes run.
        using var recording = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var seen = new Dictionary<string, RunRecord>(StringComparer.Ordinal);
        Task recorder = RecordHistoryAsync(seen, recording.Token);
        await Until(clock, KillAt);
        DateTimeOffset killedAt = DateTimeOffset.UtcNow;
        if (faults)
        {
            await Signal("KILL", _nodes[1]);
        }

        await Until(clock, PauseAt);
        if (faults)
        {
            await Signal("STOP", _nodes[2]);
        }

        await Until(clock, ResumeAt);
        if (faults)
        {
            await Signal("CONT", _nodes[2]);
        }

        await Until(clock, StopAt);
        DateTimeOffset stoppedAt = DateTimeOffset.UtcNow;
        DateTimeOffset from = start + Margin, to = stoppedAt - Margin;
        TimeSpan drained = await DrainAsync(intervals, to);
        string cpu = string.Join(", ", _nodes.Select((node, i) => $"node{i} {CpuSeconds(node.Id)}"));
        // SIGINT to schedctl alone, as a service manager stops it: its commands, in process groups of their own, finish.
        await _nodes[0].SignalAsync("INT");
        await _nodes[2].SignalAsync("INT");
        Assert.Equal(0, await _nodes[0].ExitCodeAsync());
        Assert.Equal(0, await _nodes[2].ExitCodeAsync());

        await recording.CancelAsync();
        await recorder;
        foreach (RunRecord run in await ReadHistoryAsync())
        {
            seen[run.RunId] = run;
        }

        List<RunRecord> history = [.. seen.Values];
        List<JobLogLine> lines = [.. File.ReadAllLines(log).Where(line => line.Length > 0).Select(JobLogLine.Parse)];
        var failures = new List<string>();

        // None doubled: one successful run per occurrence, anywhere in the history.
        List<RunRecord> succeeded = [.. history.Where(run => run.Outcome == RunOutcome.Succeeded)];
        foreach (IGrouping<(string, DateTimeOffset), RunRecord> twice in succeeded.GroupBy(run => (run.JobName, run.ScheduledTime)).Where(g => g.Count() > 1))
        {
            failures.Add($"{twice.Key.Item1} at {twice.Key.Item2:O} succeeded {twice.Count()} times (runs {string.Join(", ", twice.Select(r => r.RunId))}).");
        }

        // None missing: in the window, each job's successful occurrences are one interval apart, from its start to its end.
        foreach ((string job, TimeSpan interval) in intervals)
        {
            DateTimeOffset[] times = [.. succeeded.Where(run => run.JobName == job && run.ScheduledTime >= from && run.ScheduledTime <= to)
                .Select(run => run.ScheduledTime).Order()];
            if (times.Length == 0 || times[0] - from >= interval || to - times[^1] >= interval)
            {
                failures.Add($"{job}: its runs do not cover the window {from:O} to {to:O} ({times.Length} runs).");
                continue;
            }

            for (int i = 1; i < times.Length; i++)
            {
                if (times[i] - times[i - 1] != interval)
                {
                    failures.Add($"{job}: no run between {times[i - 1]:O} and {times[i]:O} (every {interval.TotalSeconds}s).");
                }
            }
        }

        // Recoveries marked: every lost run was run again as a recovery, and every recovery replaced a lost run.
        var lost = history.Where(run => run.Outcome == RunOutcome.Interrupted).Select(run => (run.JobName, run.ScheduledTime)).ToHashSet();
        var recovered = succeeded.Where(run => run.IsRecovery).Select(run => (run.JobName, run.ScheduledTime)).ToHashSet();
        failures.AddRange(lost.Where(o => o.ScheduledTime >= from && o.ScheduledTime <= to && !recovered.Contains(o))
            .Select(o => $"{o.JobName} at {o.ScheduledTime:O} was interrupted and not run again as a recovery."));
        failures.AddRange(recovered.Where(o => !lost.Contains(o)).Select(o => $"{o.JobName} at {o.ScheduledTime:O} was recovered, but no run of it was lost."));

        // The log agrees: each successful run wrote its line once, marked as a recovery exactly when it was one; every other
        // line is a run the history has as interrupted (its command ran, its node lost it); no occurrence ran twice unmarked.
        var byRunId = history.GroupBy(run => run.RunId).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        Dictionary<string, int> written = lines.GroupBy(line => line.RunId).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        failures.AddRange(succeeded.Where(run => written.GetValueOrDefault(run.RunId) != 1)
            .Select(run => $"run {run.RunId} ({run.JobName} at {run.ScheduledTime:O}) succeeded but wrote {written.GetValueOrDefault(run.RunId)} log lines."));
        foreach (JobLogLine line in lines)
        {
            if (!byRunId.TryGetValue(line.RunId, out RunRecord? run))
            {
                failures.Add($"log line of run {line.RunId} ({line.Job} at {line.ScheduledAt:O}) has no run in the history.");
            }
            else if (run.IsRecovery != line.IsRecovery || run.JobName != line.Job || run.ScheduledTime != line.ScheduledAt)
            {
                failures.Add($"log line of run {line.RunId} ({line.Job} at {line.ScheduledAt:O}, recovery {line.IsRecovery}) disagrees with the history.");
            }
        }

        foreach (IGrouping<(string, DateTimeOffset), JobLogLine> twice in lines.Where(line => !line.IsRecovery)
            .GroupBy(line => (line.Job, line.ScheduledAt)).Where(g => g.Count() > 1))
        {
            failures.Add($"{twice.Key.Item1} at {twice.Key.Item2:O} ran {twice.Count()} times without being a recovery.");
        }

        ClusterReport.Write([$"cluster: schema {_schema}, folder {_folder}", .. Figures(jobCount, intervals, history, lines, from, to, killedAt, killedAt + (PauseAt - KillAt), stoppedAt),
            $"cluster: CPU seconds per node over the run: {cpu}; the last occurrences of the window ran {drained.TotalSeconds:F1}s after it ended",
            string.Create(CultureInfo.InvariantCulture, $"cluster: problems (an occurrence missing, doubled or not marked): {failures.Count} ") +
                string.Create(CultureInfo.InvariantCulture, $"({failures.Count(f => f.Contains(" not run again", StringComparison.Ordinal))} lost and not run again, ") +
                string.Create(CultureInfo.InvariantCulture, $"{failures.Count(f => f.Contains("do not cover the window", StringComparison.Ordinal))} jobs whose last occurrences had not run a minute after the window)"),
            .. failures.Take(5).Select(failure => "cluster:   " + failure)]);
        Assert.True(failures.Count == 0, $"{failures.Count} problem(s):\n" + string.Join('\n', failures.Take(50)));
        Assert.NotEmpty(succeeded);
    }

    /// <summary>The figures the README quotes, one line each.</summary>
    private static List<string> Figures(int jobCount, Dictionary<string, TimeSpan> intervals, List<RunRecord> history, List<JobLogLine> lines,
        DateTimeOffset from, DateTimeOffset to, DateTimeOffset killedAt, DateTimeOffset pausedAt, DateTimeOffset stoppedAt)
    {
        List<RunRecord> succeeded = [.. history.Where(run => run.Outcome == RunOutcome.Succeeded)];
        int inWindow = succeeded.Count(run => run.ScheduledTime >= from && run.ScheduledTime <= to);
        List<RunRecord> interrupted = [.. history.Where(run => run.Outcome == RunOutcome.Interrupted)];

        // The longest a job went without a run starting, beyond its interval: after the kill (the failover time plus the
        // lateness of the next run) and after the pause (the same for the paused node's runs).
        var afterKill = new List<(string Job, TimeSpan Gap)>();
        var afterPause = new List<(string Job, TimeSpan Gap)>();
        foreach (string job in intervals.Keys)
        {
            DateTimeOffset[] starts = [.. succeeded.Where(run => run.JobName == job && run.StartedAt >= killedAt && run.StartedAt <= stoppedAt)
                .Select(run => run.StartedAt).Order()];
            for (int i = 1; i < starts.Length; i++)
            {
                (starts[i - 1] < pausedAt ? afterKill : afterPause).Add((job, starts[i] - starts[i - 1] - intervals[job]));
            }
        }

        string perNode = string.Join(", ", succeeded.GroupBy(run => run.Node).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key}: {g.Count()}")));
        return
        [
            string.Create(CultureInfo.InvariantCulture, $"cluster: 3 schedctl run nodes, {jobCount} jobs ({intervals.Values.Count(i => i.TotalSeconds == 1)} every 1s, " +
                $"{intervals.Values.Count(i => i.TotalSeconds == 2)} every 2s), lease {Lease.TotalSeconds}s; node1 SIGKILLed at {KillAt.TotalSeconds}s, " +
                $"node2 SIGSTOPped {PauseAt.TotalSeconds}s-{ResumeAt.TotalSeconds}s, SIGINT at {StopAt.TotalSeconds}s"),
            string.Create(CultureInfo.InvariantCulture, $"cluster: runs succeeded {succeeded.Count} ({inWindow} in the {(to - from).TotalSeconds:F0}s window), log lines {lines.Count}"),
            string.Create(CultureInfo.InvariantCulture, $"cluster: recoveries {succeeded.Count(run => run.IsRecovery)}; interrupted {interrupted.Count} " +
                $"(lost with the killed node1: {interrupted.Count(run => run.Node.StartsWith("node1", StringComparison.Ordinal))}, " +
                $"fenced on the paused node2: {interrupted.Count(run => run.Node.StartsWith("node2", StringComparison.Ordinal))})"),
            "cluster: lost occurrences run again (recoveries), started after their due time: " + Lateness(succeeded.Where(run => run.IsRecovery)),
            "cluster: longest gap of a job after the kill, beyond its interval: " + Gaps(afterKill),
            "cluster: longest gap of a job after the pause, beyond its interval: " + Gaps(afterPause),
            "cluster: runs per node: " + perNode,
            "cluster: outcomes: " + string.Join(", ", history.GroupBy(run => run.Outcome).Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key} {g.Count()}"))) +
                string.Concat(history.Where(run => run.Error is not null).GroupBy(run => run.Error).Take(3).Select(g => $"; '{g.Key}' x{g.Count()}")),
            string.Create(CultureInfo.InvariantCulture, $"cluster: load average at the end {LoadAverage()}"),
        ];
    }

    /// <summary>The longest and the median time from the runs' due times to their starts: for recoveries, the failover time.</summary>
    private static string Lateness(IEnumerable<RunRecord> runs)
    {
        TimeSpan[] late = [.. runs.Select(run => run.StartedAt - run.ScheduledTime).Order()];
        return late.Length == 0 ? "none" : string.Create(CultureInfo.InvariantCulture, $"longest {late[^1].TotalSeconds:F2}s, median {late[late.Length / 2].TotalSeconds:F2}s");
    }

    /// <summary>The longest gap, whose job, and the median of the jobs' longest gaps.</summary>
    private static string Gaps(List<(string Job, TimeSpan Gap)> gaps)
    {
        if (gaps.Count == 0)
        {
            return "none";
        }

        (string job, TimeSpan worst) = gaps.MaxBy(gap => gap.Gap);
        TimeSpan[] perJob = [.. gaps.GroupBy(gap => gap.Job).Select(g => g.Max(gap => gap.Gap)).Order()];
        return string.Create(CultureInfo.InvariantCulture, $"{worst.TotalSeconds:F2}s ({job}); median of the per-job longest gaps {perJob[perJob.Length / 2].TotalSeconds:F2}s");
    }

    /// <summary>
    /// Waits (up to a minute) until every job has a successful run of an occurrence after <paramref name="to"/> less one
    /// interval, which is the last occurrence of the window, so that the nodes stop only once the window has run; returns
    /// how long that took.
    /// </summary>
    private async Task<TimeSpan> DrainAsync(Dictionary<string, TimeSpan> intervals, DateTimeOffset to)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromMinutes(1))
        {
            await using NpgsqlCommand select = _source!.CreateCommand(
                $"SELECT job_name, max(scheduled) FROM \"{_schema}\".runs WHERE outcome = {(int)RunOutcome.Succeeded} GROUP BY job_name");
            var last = new Dictionary<string, long>(StringComparer.Ordinal);
            await using (NpgsqlDataReader reader = await select.ExecuteReaderAsync(Token))
            {
                while (await reader.ReadAsync(Token))
                {
                    last[reader.GetString(0)] = reader.GetInt64(1);
                }
            }

            if (intervals.All(job => last.TryGetValue(job.Key, out long ticks) && ticks > (to - job.Value).UtcTicks))
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), Token);
        }

        return waited.Elapsed;
    }

    private static string CpuSeconds(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return string.Create(CultureInfo.InvariantCulture, $"{(long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture)) / 100.0:F1}");
        }
        catch (IOException)
        {
            return "gone";
        }
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    /// <summary>Writes the jobs file: a quarter of the jobs every second, the rest every two, each appending one line per run.</summary>
    private static Dictionary<string, TimeSpan> WriteJobsFile(string path, int count, string log)
    {
        var intervals = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        var jobs = new JsonArray();
        for (int i = 0; i < count; i++)
        {
            string name = string.Create(CultureInfo.InvariantCulture, $"job{i:D3}");
            int seconds = i % 4 == 0 ? 1 : 2;
            intervals[name] = TimeSpan.FromSeconds(seconds);
            jobs.Add(new JsonObject
            {
                ["name"] = name,
                ["schedule"] = string.Create(CultureInfo.InvariantCulture, $"@every {seconds}s"),
                ["shell"] = true,
                // One job in five (every two seconds) stays two seconds after its line, as long as its interval, so that one of its
                // runs is in flight at any moment and the killed and the paused node hold some whatever the phase of the kill
                // (with a stay of half the interval, a quiet machine's nodes were idle at the kill in every run; a longer stay
                // holds so many of a node's workers that the nodes fall behind). A node may hold several runs of one job at once:
                // each lost one runs again, one after another.
                ["command"] = JobLogLine.Command(log, i % 10 is 5 or 7 ? 2 : 0),
                // A run lost with its node runs again; a run still going when the next occurrence comes does not hold it back.
                ["recoverable"] = true,
                ["overlap"] = "allow",
            });
        }

        File.WriteAllText(path, new JsonObject { ["jobs"] = jobs }.ToJsonString());
        return intervals;
    }

    /// <summary>Reads the newest records every two seconds into <paramref name="seen"/> (by run id, the latest read winning) until cancelled.</summary>
    private async Task RecordHistoryAsync(Dictionary<string, RunRecord> seen, CancellationToken cancellationToken)
    {
        await using var store = new PostgreSqlJobStore(_source!, new PostgreSqlJobStoreOptions { Schema = _schema, ListenForChanges = false });
        try
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
                RunPage page = await store.GetRunsAsync(new RunQuery { Limit = 1000 }, cancellationToken);
                foreach (RunRecord run in page.Items)
                {
                    seen[run.RunId] = run;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The nodes have stopped: the final read follows.
        }
    }

    private async Task<List<RunRecord>> ReadHistoryAsync()
    {
        await using var store = new PostgreSqlJobStore(_source!, new PostgreSqlJobStoreOptions { Schema = _schema, ListenForChanges = false });
        var runs = new List<RunRecord>();
        while (true)
        {
            RunPage page = await store.GetRunsAsync(new RunQuery { Offset = runs.Count, Limit = 1000 }, Token);
            runs.AddRange(page.Items);
            if (page.Items.Count == 0 || runs.Count >= page.Total)
            {
                return runs;
            }
        }
    }

    /// <summary>Waits until the stopwatch reaches a point of the scenario (the scenario is real time: these are real processes).</summary>
    private static async Task Until(Stopwatch clock, TimeSpan at)
    {
        if (at > clock.Elapsed)
        {
            await Task.Delay(at - clock.Elapsed, Token);
        }
    }

    /// <summary>Signals a node's whole process group (schedctl; its commands have groups of their own).</summary>
    private static async Task Signal(string signal, RunningSchedctl node, bool mustSucceed = true)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, "--", "-" + node.Id.ToString(CultureInfo.InvariantCulture)])
        {
            RedirectStandardError = true,
        })!;
        await kill.WaitForExitAsync(CancellationToken.None);
        if (mustSucceed)
        {
            Assert.True(kill.ExitCode == 0, $"kill -{signal} failed: {await kill.StandardError.ReadToEndAsync(CancellationToken.None)}");
        }
    }
}
