extern alias dashboard;

using System.Buffers.Text;
using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Codomyrmex.Scheduler.Cli.Running;
using Codomyrmex.Scheduler.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using dashboard::Microsoft.AspNetCore.Builder;
using dashboard::Microsoft.Extensions.DependencyInjection;

namespace Codomyrmex.Scheduler.Cli.Commands;

/// <summary>
/// <c>schedctl dashboard</c>: the scheduler dashboard in a browser for the store of a <c>schedctl run</c> (or a cluster), on
/// loopback unless told otherwise, every request needing a token printed at start.
/// </summary>
internal static class DashboardCommand
{
    /// <summary>The environment variable that sets the token when <c>--token</c> is not given.</summary>
    public const string TokenVariable = "SCHEDCTL_DASHBOARD_TOKEN";

    /// <summary>Where the dashboard listens unless <c>--listen</c> says otherwise: loopback only.</summary>
    public const string DefaultListen = "127.0.0.1:5380";

    public static Command Create()
    {
        Option<string> store = StoreOption.Create();
        var listen = new Option<string>("--listen")
        {
            Description = $"The address and port to listen on. Default: {DefaultListen} (this machine only). Another address makes the " +
                "dashboard reachable from other machines, over plain HTTP: put it behind a TLS proxy.",
            HelpName = "ADDRESS:PORT",
        };
        var token = new Option<string>("--token")
        {
            Description = $"The token every browser must give once (it is kept in a cookie). Default: ${TokenVariable}, else a new random " +
                "token, printed at start in the address to open.",
        };
        var readOnly = new Option<bool>("--read-only") { Description = "Show only: no run now, cancel, pause, resume or retry; the store is opened read-only." };
        var command = new Command("dashboard",
            "Serve the dashboard of a store in a browser: jobs, a job's runs, failures, nodes and a cron preview, live; run now, cancel, " +
            "pause, resume and retry. Runs until Ctrl+C. A run started from the dashboard runs its command in this process.")
        {
            store, listen, token, readOnly,
        };
        command.SetAction(async (parse, ct) =>
        {
            string storeText = StoreOption.Resolve(parse.GetValue(store));
            TextWriter error = parse.InvocationConfiguration.Error;
            if (!TryParseListen(parse.GetValue(listen) ?? DefaultListen, out IPEndPoint? endpoint))
            {
                await error.WriteLineAsync($"schedctl: --listen '{parse.GetValue(listen)}' is not ADDRESS:PORT, such as {DefaultListen} or [::1]:8080.").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            string secret = parse.GetValue(token) is { Length: > 0 } given ? given
                : Environment.GetEnvironmentVariable(TokenVariable) is { Length: > 0 } env ? env
                : Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(24));
            bool readOnlyStore = parse.GetValue(readOnly);
            return await JobStoreAccess.RunAsync(parse.InvocationConfiguration, storeText,
                store => ServeAsync(parse.InvocationConfiguration, store, StoreOption.Described(storeText), endpoint, secret, readOnlyStore, ct),
                readOnly: readOnlyStore, live: true).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>Reads <c>ADDRESS:PORT</c>; <c>localhost:PORT</c> is the IPv4 loopback.</summary>
    private static bool TryParseListen(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPEndPoint? endpoint)
    {
        if (text.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase))
        {
            text = "127.0.0.1" + text["localhost".Length..];
        }

        return IPEndPoint.TryParse(text, out endpoint) && text.Contains(':', StringComparison.Ordinal) && endpoint.Port != 0;
    }

    private static async Task<int> ServeAsync(System.CommandLine.InvocationConfiguration console, IJobStore store, string path, IPEndPoint endpoint,
        string token, bool readOnly, CancellationToken cancellationToken)
    {
        // JobStoreAccess opened an existing store of this version, live: it sees the changes other processes make (SQLite
        // polls, PostgreSQL listens), which the pages then show live.
        var options = new SchedulerOptions { Store = store, NodeName = $"{Environment.MachineName}:{Environment.ProcessId}" };
        var scheduler = new Scheduler(options);
        await using ConfiguredAsyncDisposable disposeScheduler = scheduler.ConfigureAwait(false);
        // Runs started here (Run now) are kept leased by the scheduler's heartbeat while they run, so a long command is not taken for lost.
        scheduler.RegisterTask(CommandRunner.TaskName, CommandRunner.RunAsync);

        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(endpoint));
        builder.Logging.ClearProviders();
        builder.Services.AddSchedulerDashboard();
        WebApplication app = builder.Build();
        await using ConfiguredAsyncDisposable disposeApp = app.ConfigureAwait(false);
        app.MapSchedulerDashboard("/", dashboard =>
        {
            dashboard.Scheduler = scheduler;
            dashboard.AccessToken = token;
            dashboard.ReadOnly = readOnly;
            dashboard.Title = "schedctl · " + Path.GetFileName(path);
        });

        await Listening.StartAsync(app, endpoint, cancellationToken).ConfigureAwait(false);
        string host = endpoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{endpoint.Address}]" : endpoint.Address.ToString();
        string address = string.Create(CultureInfo.InvariantCulture, $"http://{host}:{endpoint.Port}/");
        await console.Output.WriteLineAsync($"schedctl dashboard: {address}?token={Uri.EscapeDataString(token)}").ConfigureAwait(false);
        await console.Output.WriteLineAsync($"Serving {path}{(readOnly ? " read-only" : "")}. Press Ctrl+C to stop.").ConfigureAwait(false);
        if (!IPAddress.IsLoopback(endpoint.Address))
        {
            await console.Error.WriteLineAsync(
                $"schedctl: listening on {endpoint}: other machines can reach this dashboard over plain HTTP; anyone with the token can change jobs.").ConfigureAwait(false);
        }

        await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        return ExitCodes.Success;
    }
}
