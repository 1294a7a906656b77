using System.Diagnostics;
using System.Threading.Channels;

namespace Codomyrmex.Scheduler.Cli.Tests;

/// <summary>A <c>schedctl run</c> child process, its output read line by line as it comes.</summary>
internal sealed class RunningSchedctl : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _output = [];
    private readonly List<string> _error = [];

    private RunningSchedctl(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => OnLine(e.Data, _output);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data, _error);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    /// <summary>Gets every line written so far to stdout (the run log).</summary>
    public IReadOnlyList<string> Output
    {
        get
        {
            lock (_output)
            {
                return [.. _output];
            }
        }
    }

    /// <summary>Gets every line written so far to stderr.</summary>
    public string Error
    {
        get
        {
            lock (_error)
            {
                return string.Join('\n', _error);
            }
        }
    }

    /// <summary>Whether a human run-log line (<c>DATE TIME OUTCOME JOB …</c>) is a run of <paramref name="job"/> with <paramref name="outcome"/>.</summary>
    public static bool IsRun(string line, string outcome, string job) =>
        line.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, _, var o, var j, ..] && o == outcome && j == job;

    public static RunningSchedctl Start(string workingDirectory, params string[] args) =>
        new(Process.Start(Schedctl.StartInfo(args, workingDirectory))!);

    /// <summary>
    /// Starts schedctl as a terminal's foreground job: leading a process group of its own (so <see cref="SignalGroupAsync"/>
    /// reaches it as Ctrl+C would), with SIGINT at its default even if this test process inherited it ignored.
    /// </summary>
    public static RunningSchedctl StartInOwnGroup(string workingDirectory, params string[] args)
    {
        ProcessStartInfo start = Schedctl.StartInfo(args, workingDirectory);
        start.ArgumentList.Insert(0, start.FileName);
        foreach (string wrapper in new[] { "setsid", "--default-signal=INT", "env" })
        {
            start.ArgumentList.Insert(0, wrapper);
        }

        start.FileName = start.ArgumentList[0];
        start.ArgumentList.RemoveAt(0);
        return new(Process.Start(start)!);
    }

    /// <summary>Sends a signal to schedctl's whole process group, as a terminal does for Ctrl+C (SIGINT).</summary>
    public Task SignalGroupAsync(string signal) => KillAsync("-" + signal, "--", "-" + Id.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Waits for the next stdout lines until one matches; fails with everything printed if none does in time.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(Patience);
        try
        {
            while (true)
            {
                string line = await _lines.Reader.ReadAsync(timeout.Token);
                if (match(line))
                {
                    return line;
                }
            }
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"No matching line in {Patience}.\nstdout:\n{string.Join('\n', Output)}\nstderr:\n{Error}");
        }
    }

    /// <summary>Waits until stderr has a line containing <paramref name="text"/>.</summary>
    public async Task WaitForErrorAsync(string text)
    {
        var clock = Stopwatch.StartNew();
        while (!Error.Contains(text, StringComparison.Ordinal))
        {
            Assert.True(clock.Elapsed < Patience, $"stderr never said '{text}'.\nstdout:\n{string.Join('\n', Output)}\nstderr:\n{Error}");
            if (_process.HasExited)
            {
                _process.WaitForExit(); // the last lines are read.
                Assert.True(Error.Contains(text, StringComparison.Ordinal), $"schedctl exited ({_process.ExitCode}) without saying '{text}'.\nstderr:\n{Error}");
            }

            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Sends a POSIX signal (SIGTERM, SIGINT) to the process, as a service manager or Ctrl+C would.</summary>
    public Task SignalAsync(string signal) => KillAsync("-" + signal, Id.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static async Task KillAsync(params string[] args)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", args))!;
        await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Waits for the process to exit and returns its exit code.</summary>
    public async Task<int> ExitCodeAsync()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(Patience);
        await _process.WaitForExitAsync(timeout.Token);
        _process.WaitForExit(); // flushes the redirected streams.
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void OnLine(string? line, List<string> lines)
    {
        if (line is null)
        {
            return;
        }

        lock (lines)
        {
            lines.Add(line);
        }

        if (ReferenceEquals(lines, _output))
        {
            _lines.Writer.TryWrite(line);
        }
    }
}
