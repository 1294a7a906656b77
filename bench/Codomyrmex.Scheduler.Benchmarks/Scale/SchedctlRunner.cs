using System.Diagnostics;

namespace Codomyrmex.Scheduler.Benchmarks.Scale;

/// <summary>
/// Runs the real <c>schedctl</c> (the Release build of src/Codomyrmex.Scheduler.Cli) as a child process against a store and
/// times it from start to exit, its output read and thrown away.
/// </summary>
internal static class SchedctlRunner
{
    /// <summary>The Release build's <c>schedctl.dll</c> in the repository this benchmark runs from, or null when it is not built.</summary>
    public static string? Find(string? given)
    {
        if (given is not null)
        {
            return File.Exists(given) ? Path.GetFullPath(given) : throw new FileNotFoundException("No schedctl at " + given, given);
        }

        for (DirectoryInfo? folder = new(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Codomyrmex.Scheduler.slnx")))
            {
                string dll = Path.Combine(folder.FullName, "src", "Codomyrmex.Scheduler.Cli", "bin", "Release", "net10.0", "schedctl.dll");
                return File.Exists(dll) ? dll : null;
            }
        }

        return null;
    }

    /// <summary>
    /// Runs <c>schedctl ARGS --store STORE</c> (<c>sqlite:PATH</c>, <c>postgres:...</c>); returns the wall time and how many lines it printed, or null when it did not
    /// exit within <paramref name="timeout"/> (it is then killed, with its children).
    /// </summary>
    public static async Task<(TimeSpan Took, int Lines)?> RunAsync(string schedctl, string store, TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(schedctl);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.ArgumentList.Add("--store");
        start.ArgumentList.Add(store);
        start.Environment["NO_COLOR"] = "1";
        long began = Stopwatch.GetTimestamp();
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("schedctl did not start.");
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        int lines = 0;
        try
        {
            while (await process.StandardOutput.ReadLineAsync(deadline.Token).ConfigureAwait(false) is not null)
            {
                lines++;
            }

            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().ConfigureAwait(false);
            return null;
        }

        TimeSpan took = Stopwatch.GetElapsedTime(began);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"schedctl {string.Join(' ', args)} exited with {process.ExitCode}: {await error.ConfigureAwait(false)}");
        }

        return (took, lines);
    }
}
