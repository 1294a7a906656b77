using System.Diagnostics;
using System.Text.Json.Nodes;
using Codomyrmex.Scheduler.PostgreSql;
using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Benchmarks.Dispatch;

/// <summary>
/// The <c>cluster</c> scenario: Codomyrmex nodes on one PostgreSQL database (<c>CODOMYRMEX_POSTGRES</c>, as
/// <c>eng/postgres.sh start</c> prints it), all in this process, each with a pool, store and scheduler of its own: durable
/// fires per second with 1, 2 and 3 nodes, claim-to-start latency (a job scheduled on one node, started by whichever node
/// the notification wakes), and lateness at 1,000 fires per second on 3 nodes.
/// </summary>
internal static partial class DispatchScenarios
{
    private const string PostgresVariable = "CODOMYRMEX_POSTGRES";

    /// <param name="firesPerSecond">False (<c>--scenario cluster-latency</c>) for the two latency tables alone.</param>
    private static async Task ClusterAsync(bool firesPerSecond)
    {
        if (Environment.GetEnvironmentVariable(PostgresVariable) is not { Length: > 0 } connectionString)
        {
            Console.WriteLine();
            Console.WriteLine($"cluster: skipped, {PostgresVariable} is not set (start a server with eng/postgres.sh start and export what it prints).");
            return;
        }

        string[] parts = ClusterParts();
        if (firesPerSecond && parts.Contains("fires"))
        {
            await ClusterFiresAsync(connectionString);
        }

        if (parts.Contains("completions"))
        {
            await GroupCommitAsync(connectionString);
        }

        if (parts.Contains("claim"))
        {
            await ClaimToStartAsync(connectionString);
        }

        if (parts.Contains("lateness"))
        {
            await ClusterLatenessAsync(connectionString);
        }
    }

    private static readonly string[] AllClusterParts = ["fires", "completions", "claim", "lateness"];

    /// <summary>The tables <c>--cluster-parts fires,completions,claim,lateness</c> names; all of them by default.</summary>
    private static string[] ClusterParts() => ChosenFrom("--cluster-parts", AllClusterParts);

    /// <summary>
    /// Group commit, before and after, side by side on one store: claimed runs completed one at a time (each its own
    /// transaction, as every completion was before the store batched them) and all at once (queued, written together).
    /// </summary>
    private static async Task GroupCommitAsync(string connectionString)
    {
        int n = Math.Max(500, (int)(5_000 * s_scale));
        var table = new MarkdownTable($"Completions on one PostgreSQL store instance: {n:N0} claimed runs completed one at a time or all at once",
            "Library", "Callers", "Completions/s", "Transactions", "Check");
        foreach (bool together in new[] { false, true, false, true })
        {
            await using var cluster = new PostgreSqlCluster(connectionString, 1, Workers, s => s.RegisterTask("fire", FireRecorder.Fire));
            await cluster.MigrateAsync();
            PostgreSqlJobStore store = cluster.Stores[0];
            await cluster.ScheduleAsync("fire", n, _ => DateTimeOffset.UtcNow.AddMinutes(-1));
            var node = NodeIdentity.Create("bench", DateTimeOffset.UtcNow);
            var runs = new List<ClaimedRun>(n);
            while (runs.Count < n)
            {
                runs.AddRange((await store.ClaimDueAsync(new ClaimRequest { Node = node, MaxRuns = 500, LeaseDuration = TimeSpan.FromMinutes(10) })).Runs);
            }

            RunCompletion Done(ClaimedRun run) => new() { Run = run, Outcome = RunOutcome.Succeeded, StartedAt = run.ClaimedAt, FinishedAt = run.ClaimedAt };
            int before = store.CompletionTransactions;
            long start = Stopwatch.GetTimestamp();
            RunCompletionResult[] results;
            if (together)
            {
                results = await Task.WhenAll(runs.Select(r => store.CompleteRunAsync(Done(r)).AsTask()));
            }
            else
            {
                results = new RunCompletionResult[n];
                for (int i = 0; i < n; i++)
                {
                    results[i] = await store.CompleteRunAsync(Done(runs[i]));
                }
            }

            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            int recorded = results.Count(r => r.Status == RunCompletionStatus.Recorded);
            table.Row("Codomyrmex (PostgreSQL)", together ? "all at once" : "one at a time", n / seconds, store.CompletionTransactions - before,
                recorded == n ? "ok" : $"**{recorded:N0} recorded of {n:N0}**");
        }
    }

    /// <summary>
    /// Fires per second with 1, 2 and 3 nodes, the libraries side by side: ours, Quartz.NET clustered (defaults and tuned) and
    /// Hangfire.PostgreSql, each on the same work (<see cref="ClusterJobs"/> one-shot no-op jobs due at once, scheduled through node 1),
    /// a warm-up run first and then three runs. <c>--cluster-libraries codomyrmex,quartz,quartz-tuned,hangfire</c> (the default: all)
    /// picks some.
    /// </summary>
    private static async Task ClusterFiresAsync(string connectionString)
    {
        string[] libraries = ClusterLibraries();
        var table = new MarkdownTable($"Many nodes (PostgreSQL): {ClusterJobs:N0} no-op one-shot durable jobs, all due when the nodes start",
            "Library", "Nodes", "Run", "Schedule calls/s", "Start to last fire (s)", "Fires/s", "Start to first fire (ms)", "CPU (s)", "Check");
        foreach (int nodes in ChosenFrom("--cluster-nodes", ["1", "2", "3"]).Select(int.Parse))
        {
            foreach (string library in libraries)
            {
                ClusterContender Make() => library switch
                {
                    "quartz" => new QuartzPostgresCluster(connectionString, nodes, tuned: false),
                    "quartz-tuned" => new QuartzPostgresCluster(connectionString, nodes, tuned: true),
                    "hangfire" => new HangfirePostgresCluster(connectionString, nodes, Workers, HangfirePolling),
                    _ => new CodomyrmexPostgresCluster(connectionString, nodes, Workers),
                };

                await ClusterFiresOnceAsync(Make(), nodes, ClusterWarmUpJobs, table: null, run: 0);
                for (int run = 1; run <= 3; run++)
                {
                    await ClusterFiresOnceAsync(Make(), nodes, ClusterJobs, table, run);
                }
            }
        }
    }

    /// <summary>
    /// The jobs of each run of the cluster race: 2,000, the workload the issue measured Quartz and Hangfire on; 500 with
    /// <c>--quick</c>, where Quartz and Hangfire at tens of fires per second would take most of an hour; <c>--cluster-jobs N</c>
    /// sets another number (more, so that the fires outlast the nodes' start and a profile sees them at their steady rate).
    /// </summary>
    private static int ClusterJobs
    {
        get
        {
            string[] args = Environment.GetCommandLineArgs();
            int at = Array.IndexOf(args, "--cluster-jobs");
            if (at < 0)
            {
                return s_scale < 1 ? 500 : 2_000;
            }

            // At least 10, so that the warm-up run (a tenth) has jobs too.
            return at + 1 < args.Length && int.TryParse(args[at + 1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int jobs)
                && jobs >= 10 ? jobs
                : throw new ArgumentException($"--cluster-jobs needs a whole number of jobs, at least 10; got '{(at + 1 < args.Length ? args[at + 1] : "")}'.");
        }
    }

    /// <summary>The jobs of each library's warm-up run (not reported).</summary>
    private static int ClusterWarmUpJobs => ClusterJobs / 10;

    private static readonly string[] AllClusterLibraries = ["codomyrmex", "quartz", "quartz-tuned", "hangfire"];

    /// <summary>The libraries <c>--cluster-libraries a,b</c> names, in that order; all of them by default.</summary>
    private static string[] ClusterLibraries() => ChosenFrom("--cluster-libraries", AllClusterLibraries);

    /// <summary>The values <c>option a,b</c> names on the command line, in that order, each one of <paramref name="known"/>; all of them by default.</summary>
    private static string[] ChosenFrom(string option, string[] known)
    {
        string[] args = Environment.GetCommandLineArgs();
        int at = Array.IndexOf(args, option);
        if (at < 0 || at + 1 >= args.Length)
        {
            return known;
        }

        string[] chosen = args[at + 1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string[] unknown = chosen.Except(known, StringComparer.Ordinal).ToArray();
        return unknown.Length == 0 ? chosen
            : throw new ArgumentException($"{option}: unknown {string.Join(", ", unknown)} (known: {string.Join(", ", known)}).");
    }

    private static async Task ClusterFiresOnceAsync(ClusterContender contender, int nodes, int n, MarkdownTable? table, int run)
    {
        await using ClusterContender _ = contender;
        await contender.SetUpAsync();
        FireRecorder.Reset(n, timestamps: false);
        DateTimeOffset due = DateTimeOffset.UtcNow;
        long scheduling = Stopwatch.GetTimestamp();
        await contender.ScheduleAsync(n, due);
        TimeSpan scheduled = Stopwatch.GetElapsedTime(scheduling);

        TimeSpan cpu = CpuTime();
        long start = Stopwatch.GetTimestamp();
        contender.StartAll();
        bool done = FireRecorder.Done.Wait(TimeSpan.FromMinutes(3));
        long last = done ? FireRecorder.Last : Stopwatch.GetTimestamp();
        cpu = CpuTime() - cpu;
        double seconds = Stopwatch.GetElapsedTime(start, last).TotalSeconds;
        double firstMs = FireRecorder.First == 0 ? double.NaN : Stopwatch.GetElapsedTime(start, FireRecorder.First).TotalMilliseconds;
        await Task.Delay(200);
        string check = !done ? $"**timed out with {FireRecorder.Count:N0} of {n:N0}**"
            : FireRecorder.Count != n ? $"**{FireRecorder.Count:N0} fires for {n:N0} jobs**"
            : "ok";
        table?.Row(contender.Name, nodes, run, n / scheduled.TotalSeconds, seconds, n / seconds, firstMs, cpu.TotalSeconds, check);
    }

    /// <summary>
    /// Claim-to-start latency: with 3 nodes started and idle, one job at a time is scheduled on node 1, due at once; the time from
    /// the schedule call's return to the start of the job body, on whichever node claimed it.
    /// </summary>
    private static async Task ClaimToStartAsync(string connectionString)
    {
        int n = Math.Max(100, (int)(500 * s_scale));
        var started = new TaskCompletionSource[1];
        await using var cluster = new PostgreSqlCluster(connectionString, 3, Workers, s => s.RegisterTask("ping", () => Volatile.Read(ref started[0]).TrySetResult()));
        await cluster.MigrateAsync();
        cluster.StartAll();
        var ticks = new long[n];
        for (int i = -20; i < n; i++)
        {
            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref started[0], signal);
            await cluster.Nodes[0].ScheduleAsync("ping", new OnceTrigger(DateTimeOffset.UtcNow));
            long scheduled = Stopwatch.GetTimestamp();
            await signal.Task.WaitAsync(TimeSpan.FromSeconds(30));
            if (i >= 0)
            {
                ticks[i] = Math.Max(0, Stopwatch.GetTimestamp() - scheduled);
            }
        }

        LatencyStats s = LatencyStats.From(ticks, 1000);
        var table = new MarkdownTable($"Claim to start on 3 PostgreSQL nodes: {n} jobs, one at a time, due when scheduled (ms, from the schedule call's return to the job body)",
            "Library", "Min", "Mean", "p50", "p99", "Max");
        table.Row("Codomyrmex (PostgreSQL, 3 nodes)", s.Min, s.Mean, s.P50, s.P99, s.Max);
    }

    /// <summary>The lateness job on a durable store: its index is its first argument.</summary>
    private static Task<object?> RecordArgument(JobContext context, CancellationToken cancellationToken)
    {
        FireRecorder.Record(((JsonNode)context.Args[0]!).GetValue<int>());
        return Task.FromResult<object?>(null);
    }

    /// <summary>Lateness at 1,000 fires per second on 3 nodes: jobs due 1 ms apart, scheduled ahead, start minus due time.</summary>
    private static async Task ClusterLatenessAsync(string connectionString)
    {
        int n = Scaled(10_000);
        var table = new MarkdownTable($"Lateness on 3 PostgreSQL nodes at 1,000 fires/s: {n:N0} jobs due 1 ms apart (ms, start of the job body minus its due time)",
            "Library", "Run", "Min", "Mean", "p50", "p99", "p99.9", "Max", "Check");
        for (int run = 1; run <= 3; run++)
        {
            await using var cluster = new PostgreSqlCluster(connectionString, 3, Workers, s => s.RegisterTask("record", RecordArgument));
            await cluster.MigrateAsync();
            cluster.StartAll();
            FireRecorder.Reset(n, timestamps: true);

            // Due from 3 s (plus the time scheduling takes) ahead, so that every job is in the store before the first is due.
            DateTimeOffset baseTime = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(3) + TimeSpan.FromMilliseconds(n / 4.0);
            long baseStamp = Stopwatch.GetTimestamp() + (long)((baseTime - DateTimeOffset.UtcNow).TotalSeconds * Stopwatch.Frequency);
            await cluster.ScheduleAsync("record", n, i => baseTime + TimeSpan.FromMilliseconds(i));
            bool done = FireRecorder.Done.Wait(TimeSpan.FromMinutes(3));
            long[] late = new long[n];
            for (int i = 0; i < n; i++)
            {
                late[i] = FireRecorder.Started[i] - (baseStamp + (long)(i * Stopwatch.Frequency / 1000.0));
            }

            long early = late.Min();
            LatencyStats s = LatencyStats.From(late.Select(t => Math.Max(0, t)).ToArray(), 1000);
            table.Row("Codomyrmex (PostgreSQL, 3 nodes)", run, s.Min, s.Mean, s.P50, s.P99, s.P999, s.Max,
                done ? (early < -Stopwatch.Frequency / 100 ? $"**{early * 1000.0 / Stopwatch.Frequency:0.0} ms early**" : "ok") : $"**timed out with {FireRecorder.Count:N0}**");
        }
    }
}
