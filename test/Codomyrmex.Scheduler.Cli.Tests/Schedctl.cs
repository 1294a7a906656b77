using System.Diagnostics;
using System.Text.Json;

namespace Codomyrmex.Scheduler.Cli.Tests;

/// <summary>Runs the real schedctl, built next to the tests, as a child process.</summary>
internal static class Schedctl
{
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "schedctl.dll");

    public static Task<Result> RunAsync(params string[] args) => RunAsync(new Dictionary<string, string>(), args);

    /// <summary>Runs schedctl with these environment variables set (for example <c>TZ</c>, the local time zone).</summary>
    public static async Task<Result> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        Assert.True(File.Exists(Dll), $"schedctl.dll is not next to the tests ({Dll}).");
        ProcessStartInfo start = StartInfo(args);
        foreach ((string name, string value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        Task<string> error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // A schedctl that hangs must not outlive its test, nor the commands it started: they go before the test fails.
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            throw;
        }

        return new Result(process.ExitCode, await output, await error);
    }

    /// <summary>How to start the built schedctl with <paramref name="args"/>, its output redirected.</summary>
    public static ProcessStartInfo StartInfo(string[] args, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        start.ArgumentList.Add(Dll);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }

    /// <summary>What the process printed and how it ended.</summary>
    internal sealed record Result(int ExitCode, string Output, string Error)
    {
        public string[] Lines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        public JsonDocument Json() => JsonDocument.Parse(Output);

        public override string ToString() => $"exit {ExitCode}\nstdout:\n{Output}\nstderr:\n{Error}";
    }
}
