using System.Net;
using System.Net.Sockets;
using Codomyrmex.Scheduler.Cli.Tests;

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
            string jobs = Path.Combine(folder, "jobs.json");
            string store = "sqlite:" + Path.Combine(folder, "store.db");
            File.WriteAllText(jobs, TestJobs.Tasks.Replace("$DIR", folder, StringComparison.Ordinal));
            // A documentation address (RFC 5737) is no machine's; the loopback port is held here, so it is in use.
            using var holder = new TcpListener(IPAddress.Loopback, 0);
            holder.Start();
            string listen = $"{address}:{((IPEndPoint)holder.LocalEndpoint).Port}";

            Schedctl.Result result = await Schedctl.RunAsync("mcp", jobs, "--store", store, "--http", listen);

            Assert.Equal(1, result.ExitCode);
            Assert.Equal($"schedctl: cannot listen on {listen}: {reason}", Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
            // The file's job was not reconciled into the store: the scheduler never ran.
            Schedctl.Result list = await Schedctl.RunAsync("jobs", "list", "--store", store, "--json");
            Assert.True(list.ExitCode == 0, list.ToString());
            using System.Text.Json.JsonDocument listed = list.Json();
            Assert.Equal(0, listed.RootElement.GetProperty("total").GetInt32());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
