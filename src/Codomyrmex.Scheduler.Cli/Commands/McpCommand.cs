using System.Buffers.Text;
using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Codomyrmex.Scheduler.Cli.Jobs;
using Codomyrmex.Scheduler.Cli.Running;
using Codomyrmex.Scheduler.Internal;
using Codomyrmex.Scheduler.Mcp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Codomyrmex.Scheduler.Cli.Commands;

/// <summary>
/// <c>schedctl mcp FILE</c>: runs the jobs of FILE as <c>schedctl run</c> does, and serves the scheduler's MCP tools over stdio,
/// or over Streamable HTTP with <c>--http</c>, so agents can schedule the file's tasks.
/// </summary>
internal static class McpCommand
{
    /// <summary>The environment variable that sets the HTTP token when <c>--token</c> is not given.</summary>
    public const string TokenVariable = "SCHEDCTL_MCP_TOKEN";

    /// <summary>Where the MCP endpoint is under <c>--http</c>.</summary>
    public const string Path = "/mcp";

    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "A JSON jobs file: its \"tasks\" are what agents may schedule; its jobs run as with schedctl run." };
        Option<string> store = StoreOption.Create();
        var http = new Option<string>("--http")
        {
            Description = "Serve Streamable HTTP on ADDRESS:PORT (or PORT alone: 127.0.0.1) instead of stdio, at " + Path + ". An address other than " +
                "loopback makes the tools reachable from other machines over plain HTTP: put them behind a TLS proxy.",
            HelpName = "ADDRESS:PORT",
        };
        var token = new Option<string>("--token")
        {
            Description = $"With --http, the bearer token every request must carry. Default: ${TokenVariable}, else a new random token, printed to stderr at start.",
        };
        Option<int> workers = RunCommand.WorkersOption();
        var grace = new Option<string>("--grace")
        {
            Description = "On SIGINT/SIGTERM (or when the client closes stdio), how long to wait for running commands before stopping them.",
            DefaultValueFactory = _ => "30s",
        };
        var killTimeout = new Option<string>("--kill-timeout")
        {
            Description = "How long a command that is being stopped has after SIGTERM before SIGKILL.",
            DefaultValueFactory = _ => DurationText.Format(CommandRunOptions.DefaultKillTimeout),
        };
        var maxJobs = new Option<int>("--max-jobs") { Description = "How many jobs created through MCP may be live (pending or running) at once, counted in the whole store.", DefaultValueFactory = _ => 100 };
        var minInterval = new Option<string>("--min-interval")
        {
            Description = "The shortest interval (and cron gap) an agent may schedule.",
            DefaultValueFactory = _ => "1s",
        };
        var maxRuns = new Option<int>("--max-runs") { Description = "The largest max_runs an agent may give.", DefaultValueFactory = _ => 1_000_000 };
        var command = new Command("mcp",
            "Serve the scheduler's MCP tools to AI agents (stdio by default, Streamable HTTP with --http), running FILE's jobs on schedule as " +
            "schedctl run does, in the same store. Agents may schedule only the file's tasks. stdout carries nothing but the protocol; " +
            "logs go to stderr.")
        {
            file, store, http, token, workers, grace, killTimeout, maxJobs, minInterval, maxRuns,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            TextWriter error = parse.InvocationConfiguration.Error;
            IPEndPoint? endpoint = null;
            if (parse.GetValue(http) is { } address && !TryParseEndpoint(address, out endpoint))
            {
                await error.WriteLineAsync($"schedctl mcp: --http '{address}' is not ADDRESS:PORT or PORT, such as 127.0.0.1:8765.").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            if (!DurationText.TryParse(parse.GetRequiredValue(minInterval), out TimeSpan minimum, out string? reason) || minimum <= TimeSpan.Zero)
            {
                await error.WriteLineAsync($"schedctl mcp: --min-interval '{parse.GetRequiredValue(minInterval)}': {reason ?? "it must be positive."}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var options = new SchedulerMcpOptions { MaxJobs = parse.GetValue(maxJobs), MinimumInterval = minimum, MaxRunsLimit = parse.GetValue(maxRuns) };
            if (endpoint is not null)
            {
                options.AccessToken = parse.GetValue(token) is { Length: > 0 } given ? given
                    : Environment.GetEnvironmentVariable(TokenVariable) is { Length: > 0 } env ? env
                    : null;
            }

            if (options.Validate() is { Count: > 0 } problems)
            {
                await error.WriteLineAsync("schedctl mcp: " + string.Join(" ", problems)).ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            bool generated = endpoint is not null && options.AccessToken is null;
            if (generated)
            {
                options.AccessToken = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(24));
            }

            // On stdio, stdout is the protocol's: everything schedctl run would print goes to stderr.
            var console = new InvocationConfiguration { Output = endpoint is null ? error : parse.InvocationConfiguration.Output, Error = error };
            var settings = new RunCommand.Settings(parse.GetValue(workers), parse.GetRequiredValue(grace), parse.GetRequiredValue(killTimeout), Json: false,
                Output.TimeText.Local);
            return await RunCommand.RunAsync(console, parse.GetRequiredValue(file), JobsFileFormat.Json, system: false,
                StoreOption.Resolve(parse.GetValue(store)), settings, cancellationToken,
                async (scheduler, jobsFile, stop) =>
                {
                    foreach (SchedulerMcpTask task in McpTasks.From(jobsFile))
                    {
                        options.Tasks.Add(task);
                    }

                    if (endpoint is null)
                    {
                        return new RunCommand.Server(token => ServeStdioAsync(scheduler, options, token));
                    }

                    // Listening before the jobs are reconciled: an address this machine cannot listen on changes nothing.
                    WebApplication app = await StartHttpAsync(scheduler, options, endpoint, stop).ConfigureAwait(false);
                    return new RunCommand.Server(token => ServeHttpAsync(app, options, endpoint, generated, error, token), app);
                }).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>Reads <c>ADDRESS:PORT</c>, or <c>PORT</c> alone on the IPv4 loopback; port 0 takes a free port (printed at start).</summary>
    private static bool TryParseEndpoint(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPEndPoint? endpoint)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port <= IPEndPoint.MaxPort)
        {
            endpoint = new IPEndPoint(IPAddress.Loopback, port);
            return true;
        }

        if (text.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase))
        {
            text = "127.0.0.1" + text["localhost".Length..];
        }

        return IPEndPoint.TryParse(text, out endpoint) && text.Contains(':', StringComparison.Ordinal);
    }

    /// <summary>Logs only the tools' unexpected failures, to stderr.</summary>
    private static void ToolErrorsToStandardError(ILoggingBuilder logging) =>
        logging.AddFilter((category, level) => category == "Codomyrmex.Scheduler.Mcp" && level >= LogLevel.Error)
            .AddSimpleConsole(console => console.SingleLine = true)
            .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);

    /// <summary>Serves the tools on stdin/stdout until the client closes them or the stop token fires.</summary>
    private static async Task ServeStdioAsync(Scheduler scheduler, SchedulerMcpOptions options, CancellationToken stop)
    {
        var serverOptions = new McpServerOptions { ServerInfo = ServerInfo(), ToolCollection = [] };
        foreach (McpServerTool tool in SchedulerMcpTools.Create(scheduler, options))
        {
            serverOptions.ToolCollection.Add(tool);
        }

        // A tool's unexpected failure is logged to stderr (stdout carries the protocol); the agent sees only its id.
        ServiceProvider services = new ServiceCollection().AddLogging(ToolErrorsToStandardError).BuildServiceProvider();
        await using ConfiguredAsyncDisposable disposeServices = services.ConfigureAwait(false);
        McpServer server = McpServer.Create(new StdioServerTransport(serverOptions), serverOptions, services.GetRequiredService<ILoggerFactory>(), services);
        await using ConfiguredAsyncDisposable disposeServer = server.ConfigureAwait(false);
        try
        {
            await server.RunAsync(stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // SIGINT or SIGTERM: schedctl stops as run does.
        }
    }

    /// <summary>
    /// Starts serving the tools over Streamable HTTP, each request needing the bearer token. The scheduler may not run yet: a
    /// call made before it starts reads and writes the store, as it would after.
    /// </summary>
    /// <exception cref="JobStoreAccess.Failure">The address cannot be listened on.</exception>
    private static async Task<WebApplication> StartHttpAsync(Scheduler scheduler, SchedulerMcpOptions options, IPEndPoint endpoint, CancellationToken stop)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(endpoint));
        builder.Logging.ClearProviders();
        ToolErrorsToStandardError(builder.Logging);
        builder.Services.AddSchedulerMcp(mcp =>
        {
            mcp.Scheduler = scheduler;
            mcp.AccessToken = options.AccessToken;
            mcp.MaxJobs = options.MaxJobs;
            mcp.MinimumInterval = options.MinimumInterval;
            mcp.MaxRunsLimit = options.MaxRunsLimit;
            foreach (SchedulerMcpTask task in options.Tasks)
            {
                mcp.Tasks.Add(task);
            }
        });
        builder.Services.Configure<McpServerOptions>(server => server.ServerInfo = ServerInfo());
        WebApplication app = builder.Build();
        app.MapSchedulerMcp(Path);
        try
        {
            await Listening.StartAsync(app, endpoint, stop).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return app;
    }

    /// <summary>Says where the tools are served, and serves them until the stop token fires.</summary>
    private static async Task ServeHttpAsync(WebApplication app, SchedulerMcpOptions options, IPEndPoint endpoint, bool generated, TextWriter error,
        CancellationToken stop)
    {
        string url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() is { } bound
            ? bound.TrimEnd('/') + Path
            : $"http://{endpoint}{Path}";
        await error.WriteLineAsync($"schedctl mcp: serving MCP at {url}").ConfigureAwait(false);
        if (generated)
        {
            await error.WriteLineAsync($"schedctl mcp: token (send 'Authorization: Bearer TOKEN'; set --token or ${TokenVariable} to choose one): {options.AccessToken}")
                .ConfigureAwait(false);
        }

        if (!IPAddress.IsLoopback(endpoint.Address))
        {
            await error.WriteLineAsync($"schedctl mcp: listening on {endpoint}: other machines can reach these tools over plain HTTP; anyone with the token can schedule the file's tasks.")
                .ConfigureAwait(false);
        }

        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, TimeProvider.System, stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // SIGINT or SIGTERM.
        }

        await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
    }

    private static Implementation ServerInfo() => new()
    {
        Name = "schedctl",
        Version = typeof(McpCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0",
    };
}
