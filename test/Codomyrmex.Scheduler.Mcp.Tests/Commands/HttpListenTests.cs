using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Codomyrmex.Scheduler.Mcp.Tests.Commands;

/// <summary><c>schedctl mcp --http</c> on an address it cannot listen on: one line and exit code 1, before it changes the store.</summary>
public sealed class HttpListenTests
{
    [Theory]
    [InlineData("192.0.2.1", "it is not an address of this machine.")]
    [InlineData("127.0.0.1", "the port is in use by another process.")]
    public async Task Http_OnAnAddressItCannotListenOn_SaysSoInOneLine_BeforeReconcilingTheFile(string address, string reason)
    {
        string folder = Directory.CreateTempSubdirectory("schedctl-mcp-listen-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "jobs.json"), TestJobs.Tasks.Replace("$DIR", folder, StringComparison.Ordinal));
            // A documentation address (RFC 5737) is no machine's; the loopback port is held here, so it is in use.
            using var holder = new TcpListener(IPAddress.Loopback, 0);
            holder.Start();
            string listen = $"{address}:{((IPEndPoint)holder.LocalEndpoint).Port}";

            (int exit, _, string error) = await SchedctlAsync(folder, "mcp", "jobs.json", "--store", "sqlite:store.db", "--http", listen);

            Assert.Equal(1, exit);
            Assert.Equal($"schedctl: cannot listen on {listen}: {reason}", Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
            // The file's job was not reconciled into the store: the scheduler never ran.
            (int listed, string jobs, string listError) = await SchedctlAsync(folder, "jobs", "list", "--store", "sqlite:store.db", "--json");
            Assert.True(listed == 0, listError);
            using var document = System.Text.Json.JsonDocument.Parse(jobs);
            Assert.Equal(0, document.RootElement.GetProperty("total").GetInt32());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Runs the built schedctl in <paramref name="folder"/> to its end; its exit code, stdout and stderr.</summary>
    private static async Task<(int Exit, string Output, string Error)> SchedctlAsync(string folder, params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = folder,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "schedctl.dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        Task<string> error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(McpServerProcess.Patience);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            throw;
        }

        return (process.ExitCode, await output, await error);
    }
}
