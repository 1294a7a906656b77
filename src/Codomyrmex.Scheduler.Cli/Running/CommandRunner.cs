using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Codomyrmex.Scheduler.Cli.Running;

/// <summary>Runs command jobs: the task <c>"command"</c> that every job of a jobs file or crontab names.</summary>
internal static class CommandRunner
{
    /// <summary>The name of the registered task that runs a command.</summary>
    public const string TaskName = "command";

    /// <summary>How long to wait, after a command exits, for the end of its output (which a background child may hold open).</summary>
    private static readonly TimeSpan OutputDrainTime = TimeSpan.FromSeconds(2);

    /// <summary>How much of stdout and of stderr each run keeps for the history.</summary>
    public const int TailLength = 2000;

    /// <summary>
    /// Runs the run's command to its end. Exit code 0 returns <c>{exit_code, stdout, stderr}</c> (the ends of the output);
    /// any other code throws <see cref="CommandFailedException"/>, so the run counts as failed and retries apply. When the
    /// token is cancelled (a timeout, the job cancelled, the shutdown grace over), the command and its children are killed.
    /// </summary>
    public static async Task<object?> RunAsync(JobContext context, CancellationToken cancellationToken)
    {
        CommandInvocation invocation = CommandInvocation.FromContext(context);
        if (invocation.WorkingDirectory is { } folder && !Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"The working folder '{folder}' does not exist.");
        }

        using var process = new Process { StartInfo = CreateStartInfo(invocation) };
        try
        {
            process.Start();
        }
        catch (Win32Exception exception)
        {
            throw new InvalidOperationException($"Cannot start '{invocation.Command[0]}': {exception.Message}", exception);
        }

        process.StandardInput.Close();
        var stdout = new OutputTail(TailLength);
        var stderr = new OutputTail(TailLength);
        Task reading = Task.WhenAll(stdout.ReadToEndAsync(process.StandardOutput), stderr.ReadToEndAsync(process.StandardError));
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            throw;
        }

        // The command has exited. A child it left in the background may still hold its output open: take what came
        // within a moment and stop reading, rather than wait for that child.
        try
        {
            await reading.WaitAsync(OutputDrainTime, TimeProvider.System, cancellationToken).ConfigureAwait(false);
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

    private static ProcessStartInfo CreateStartInfo(CommandInvocation invocation)
    {
        var info = new ProcessStartInfo
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = invocation.WorkingDirectory ?? "",
        };
        if (invocation.Shell)
        {
            string line = string.Join(' ', invocation.Command);
            if (OperatingSystem.IsWindows())
            {
                info.FileName = "cmd.exe";
                info.ArgumentList.Add("/c");
            }
            else
            {
                info.FileName = invocation.Environment.GetValueOrDefault("SHELL") ?? "/bin/sh";
                info.ArgumentList.Add("-c");
            }

            info.ArgumentList.Add(line);
        }
        else
        {
            info.FileName = invocation.Command[0];
            foreach (string arg in invocation.Command.Skip(1))
            {
                info.ArgumentList.Add(arg);
            }
        }

        foreach ((string name, string value) in invocation.Environment)
        {
            info.Environment[name] = value;
        }

        return info;
    }

    private static void Kill(Process process)
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

    /// <summary>The last few lines of some output, on one line, for an error message.</summary>
    private static string LastLines(string text)
    {
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(" | ", lines.TakeLast(3));
    }
}
