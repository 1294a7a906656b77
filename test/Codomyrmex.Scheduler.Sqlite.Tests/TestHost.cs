using System.Diagnostics;

namespace Codomyrmex.Scheduler.Sqlite.Tests;

/// <summary>Runs the Codomyrmex.Scheduler.Sqlite.TestHost program as a separate process (built next to this project).</summary>
internal sealed class TestHost : IDisposable
{
    private const string Name = "Codomyrmex.Scheduler.Sqlite.TestHost";

    private TestHost(Process process) => Process = process;

    public Process Process { get; }

    public int Id => Process.Id;

    public static TestHost Start(params string[] args)
    {
        // bin/<Configuration>/net10.0 of this project, with the host project's name in place of this one's.
        string here = AppContext.BaseDirectory;
        string dll = Path.Combine(here.Replace("Codomyrmex.Scheduler.Sqlite.Tests", Name, StringComparison.Ordinal), Name + ".dll");
        Assert.True(File.Exists(dll), $"The test host is not built at {dll}.");
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return new TestHost(Process.Start(info)!);
    }

    /// <summary>Reads the child's output until a line equals <paramref name="line"/>; fails with its error output if it exits first.</summary>
    public async Task WaitForLineAsync(string line, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (await Process.StandardOutput.ReadLineAsync(timeout.Token) is { } read)
        {
            if (read == line)
            {
                return;
            }
        }

        Assert.Fail($"The test host ended before it printed '{line}': {await Process.StandardError.ReadToEndAsync(cancellationToken)}");
    }

    /// <summary>Kills the child at once (SIGKILL on Unix), as a crash would.</summary>
    public void Kill()
    {
        Process.Kill(entireProcessTree: true);
        Process.WaitForExit();
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Kill();
        }

        Process.Dispose();
    }
}
