using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Codomyrmex.Scheduler.Cli.Running;

/// <summary>Runs command jobs: the task <c>"command"</c> that every job of a jobs file or crontab names.</summary>
/// <remarks>
/// <para>
/// On Linux each command runs under a small <c>sh</c> wrapper in a session and process group of its own (<c>setsid</c>), so
/// Ctrl+C in schedctl's terminal reaches schedctl alone, and stopping a run signals everything the command started. The
/// wrapper also watches a pipe from schedctl: when schedctl is gone, however it ended (SIGKILL, a crash), the pipe closes
/// and the wrapper kills its whole group, so no command outlives the schedctl that started it.
/// </para>
/// <para>
/// When a run is stopped (its timeout, the job cancelled, the shutdown), the group gets SIGTERM, then SIGKILL after the
/// kill timeout. When a command exits, whatever it left running in its group is stopped the same way.
/// </para>
/// </remarks>
internal static class CommandRunner
{
    /// <summary>The name of the registered task that runs a command.</summary>
    public const string TaskName = "command";

    /// <summary>How much of stdout and of stderr each run keeps for the history.</summary>
    public const int TailLength = 2000;

    /// <summary>How long to wait, after a command exits, for the end of its output (which a background child may hold open).</summary>
    private static readonly TimeSpan OutputDrainTime = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The wrapper, run by <c>setsid</c> as <c>sh -c WRAPPER schedctl-run COMMAND...</c>. It keeps schedctl's pipe as its
    /// stdin for a watcher in the background (any end of it kills the group) and gives the command <c>/dev/null</c>. It
    /// outlives SIGTERM/SIGINT/SIGHUP to the group (the trap does nothing), so it keeps watching until the command ends, and
    /// exits with the command's status. It reaps the watcher it killed: left a zombie, the watcher would be handed to init
    /// and keep the group in existence until init reaps it (some container inits take seconds), and every look at whether
    /// the group is empty would have to scan <c>/proc</c> instead of one <c>kill(-group, 0)</c>.
    /// </summary>
    private const string Wrapper = """
        trap : TERM INT HUP
        exec 3<&0 </dev/null
        { trap '' TERM INT HUP; read -r _ <&3; kill -KILL 0; } &
        watcher=$!
        exec 3<&-
        "$@"
        status=$?
        kill -KILL "$watcher" 2>/dev/null
        wait "$watcher" 2>/dev/null
        exit "$status"
        """;

    /// <summary>Runs the run's command with the default kill timeout; see <see cref="RunAsync(JobContext, CommandRunOptions, CancellationToken)"/>.</summary>
    public static Task<object?> RunAsync(JobContext context, CancellationToken cancellationToken) =>
        RunAsync(context, CommandRunOptions.Default, cancellationToken);

    /// <summary>
    /// Runs the run's command to its end. Exit code 0 returns <c>{exit_code, stdout, stderr}</c> (the ends of the output);
    /// any other code throws <see cref="CommandFailedException"/>, so the run counts as failed and retries apply. When the
    /// token is cancelled (a timeout, the job cancelled, the shutdown grace over), the command's process group is stopped
    /// (SIGTERM, then SIGKILL after the kill timeout) before the cancellation comes out of this method.
    /// </summary>
    public static async Task<object?> RunAsync(JobContext context, CommandRunOptions options, CancellationToken cancellationToken)
    {
        CommandInvocation invocation = CommandInvocation.FromContext(context);
        UserAccount? account = invocation.User is { } user
            ? await UserAccount.FindAsync(user, context.JobName, cancellationToken).ConfigureAwait(false)
            : null;
        string? folder = invocation.WorkingDirectory ?? (account is not null && Directory.Exists(account.Home) ? account.Home : null);
        if (folder is not null && !Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"The working folder '{folder}' does not exist.");
        }

        ProcessStartInfo info = CreateStartInfo(invocation, account, folder);
        foreach ((string name, string value) in CommandEnvironment.For(context))
        {
            info.Environment[name] = value;
        }

        if (!invocation.Shell && FindProgram(invocation.Command[0], info.Environment.TryGetValue("PATH", out string? path) ? path : null, folder) is null)
        {
            throw new InvalidOperationException($"Cannot start '{invocation.Command[0]}': no such program (looked in the PATH and the working folder).");
        }

        using var process = new Process { StartInfo = info };
        try
        {
            process.Start();
        }
        catch (Win32Exception exception)
        {
            throw new InvalidOperationException($"Cannot start '{info.FileName}': {exception.Message}", exception);
        }

        // On Linux stdin stays open until the run ends: the wrapper's watcher takes its end as schedctl's end.
        if (!OperatingSystem.IsLinux())
        {
            process.StandardInput.Close();
        }

        using StreamWriter lifeline = process.StandardInput;
        var group = new ProcessGroup(process);
        var stdout = new OutputTail(TailLength);
        var stderr = new OutputTail(TailLength);
        Task reading = Task.WhenAll(stdout.ReadToEndAsync(process.StandardOutput), stderr.ReadToEndAsync(process.StandardError));
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await StopAsync(process, group, options.KillTimeout).ConfigureAwait(false);
            throw;
        }

        // The command has exited. Anything it left running in its group is stopped (it would otherwise outlive schedctl),
        // and a child that escaped the group may still hold the output open: take what came within a moment.
        await StopAsync(process, group, options.KillTimeout).ConfigureAwait(false);
        // Not the run's token: the command has ended, so a shutdown now must not turn its outcome into a cancellation; the
        // wait is bounded by the drain time anyway.
        try
        {
            await reading.WaitAsync(OutputDrainTime, TimeProvider.System, CancellationToken.None).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The end of the output was not reached: the tails hold what was read.
        }

        int code = process.ExitCode;
        if (code != 0)
        {
            string detail = LastLines(stderr.Text) is { Length: > 0 } err ? err : LastLines(stdout.Text);
            throw new CommandFailedException(code, detail.Length == 0 ? $"exit code {code}" : $"exit code {code}: {detail}")
            {
                Stdout = stdout.Text,
                Stderr = stderr.Text,
            };
        }

        return new JsonObject { ["exit_code"] = code, ["stdout"] = stdout.Text, ["stderr"] = stderr.Text };
    }

    private static async Task StopAsync(Process process, ProcessGroup group, TimeSpan killTimeout)
    {
        if (OperatingSystem.IsLinux())
        {
            await group.StopAsync(killTimeout).ConfigureAwait(false);
        }
        else if (!process.HasExited)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It exited on its own meanwhile.
            }
        }

        await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
    }

    private static ProcessStartInfo CreateStartInfo(CommandInvocation invocation, UserAccount? account, string? folder)
    {
        var info = new ProcessStartInfo
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = folder ?? "",
        };
        if (account is not null)
        {
            // As cron does, a command run as another user starts from a minimal environment, not schedctl's: schedctl runs
            // as root then, and its environment (tokens, passwords of the service that started it) is not that user's to see.
            info.Environment.Clear();
            foreach ((string name, string value) in CommandEnvironment.For(account))
            {
                info.Environment[name] = value;
            }
        }

        foreach ((string name, string value) in invocation.Environment)
        {
            info.Environment[name] = value;
        }

        var argv = new List<string>();
        if (invocation.Shell)
        {
            argv.AddRange(OperatingSystem.IsWindows() ? ["cmd.exe", "/c"] : [invocation.Environment.GetValueOrDefault("SHELL") ?? "/bin/sh", "-c"]);
            argv.Add(string.Join(' ', invocation.Command));
        }
        else
        {
            argv.AddRange(invocation.Command);
        }

        if (OperatingSystem.IsLinux())
        {
            // setsid [setpriv --reuid --regid --init-groups --] sh -c WRAPPER schedctl-run ARGV...
            var wrapped = new List<string> { "setsid" };
            if (account is not null)
            {
                wrapped.AddRange(["setpriv", $"--reuid={account.UserId}", $"--regid={account.GroupId}", "--init-groups", "--"]);
            }

            wrapped.AddRange(["/bin/sh", "-c", Wrapper, "schedctl-run"]);
            argv.InsertRange(0, wrapped);
        }
        else if (account is not null)
        {
            throw new PlatformNotSupportedException($"Running a command as user '{account.Name}' needs Linux.");
        }

        info.FileName = argv[0];
        foreach (string arg in argv.Skip(1))
        {
            info.ArgumentList.Add(arg);
        }

        return info;
    }

    /// <summary>Where <paramref name="program"/> is, as <c>execvp</c> would find it; null if nowhere.</summary>
    private static string? FindProgram(string program, string? path, string? folder)
    {
        if (program.Contains('/', StringComparison.Ordinal) || OperatingSystem.IsWindows())
        {
            string full = Path.IsPathRooted(program) ? program : Path.Combine(folder ?? Environment.CurrentDirectory, program);
            return File.Exists(full) || OperatingSystem.IsWindows() ? full : null;
        }

        foreach (string dir in (path ?? "/usr/local/bin:/usr/bin:/bin").Split(':'))
        {
            string candidate = Path.Combine(dir.Length == 0 ? "." : dir, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The last few lines of some output, on one line, for an error message.</summary>
    private static string LastLines(string text)
    {
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(" | ", lines.TakeLast(3));
    }
}
