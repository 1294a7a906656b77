using System.Diagnostics;
using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Codomyrmex.Scheduler.Mcp.Tests;

/// <summary>A <c>schedctl mcp</c> child process on stdio, driven by the SDK's own client, in a folder of its own (jobs file, store, marks).</summary>
internal sealed class McpServerProcess : IAsyncDisposable
{
    /// <summary>How long a test waits for something a child process does; never a schedule's time.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "schedctl.dll");

    private readonly List<string> _error = [];

    private McpServerProcess(string folder) => Folder = folder;

    /// <summary>Gets the folder of the jobs file and the store; commands run there too.</summary>
    public string Folder { get; }

    public McpClient Client { get; private set; } = null!;

    /// <summary>Gets everything schedctl wrote to stderr so far.</summary>
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

    /// <summary>
    /// Starts <c>schedctl mcp jobs.json --store sqlite:store.db ARGS</c> as a terminal's foreground job would be (a process group of
    /// its own, SIGINT at its default) and connects the SDK's stdio client to it.
    /// </summary>
    public static async Task<McpServerProcess> StartAsync(string jobsFile, params string[] args)
    {
        Assert.True(File.Exists(Dll), $"schedctl.dll is not next to the tests ({Dll}).");
        var server = new McpServerProcess(Directory.CreateTempSubdirectory("schedctl-mcp-").FullName);
        File.WriteAllText(Path.Combine(server.Folder, "jobs.json"), jobsFile.Replace("$DIR", server.Folder, StringComparison.Ordinal));
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "schedctl",
            Command = "env",
            Arguments = ["--default-signal=INT", "setsid", Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", Dll,
                "mcp", "jobs.json", "--store", "sqlite:store.db", "--grace", "2s", "--kill-timeout", "2s", .. args],
            WorkingDirectory = server.Folder,
            StandardErrorLines = line =>
            {
                lock (server._error)
                {
                    server._error.Add(line);
                }
            },
            ShutdownTimeout = Patience,
        });
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(Patience);
        try
        {
            server.Client = await McpClient.CreateAsync(transport, cancellationToken: timeout.Token);
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"schedctl mcp did not start.\nstderr:\n{server.Error}", e);
        }

        return server;
    }

    /// <summary>Calls a tool with arguments written as JSON and returns its structured answer (asserting it matches the text).</summary>
    public Task<Answer> CallAsync(string tool, string argumentsJson = "{}") => CallAsync(Client, tool, argumentsJson);

    public static async Task<Answer> CallAsync(McpClient client, string tool, string argumentsJson = "{}")
    {
        using JsonDocument document = JsonDocument.Parse(argumentsJson);
        var arguments = document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone());
        CallToolResult result = await client.CallToolAsync(tool, arguments, cancellationToken: TestContext.Current.CancellationToken);
        Assert.NotNull(result.StructuredContent);
        JsonElement structured = result.StructuredContent.Value;
        string text = Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
        Assert.Equal(structured.GetRawText(), JsonDocument.Parse(text).RootElement.GetRawText());
        return new Answer(structured, result.IsError == true);
    }

    /// <summary>Polls <c>job_status</c> until <paramref name="done"/> holds; fails with the last answer after <see cref="Patience"/>.</summary>
    public async Task<JsonElement> WaitForStatusAsync(string jobId, Func<JsonElement, bool> done)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            Answer status = await CallAsync("job_status", $$"""{"job_id": "{{jobId}}"}""");
            Assert.False(status.IsError, status.ToString());
            if (done(status.Json))
            {
                return status.Json;
            }

            Assert.True(clock.Elapsed < Patience, $"job_status never reached the state wanted; last: {status}\nstderr:\n{Error}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A command's last output file may still be closing; the temp folder is cleaned by the system.
        }
    }

    /// <summary>A tool's answer: its structured content, and whether it is a refusal.</summary>
    internal sealed record Answer(JsonElement Json, bool IsError)
    {
        public string? ErrorText => Json.TryGetProperty("error", out JsonElement error) ? error.GetString() : null;

        public override string ToString() => (IsError ? "error " : "") + Json.GetRawText();
    }
}
