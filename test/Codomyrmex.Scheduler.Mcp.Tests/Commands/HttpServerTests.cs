using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using ModelContextProtocol.Client;

namespace Codomyrmex.Scheduler.Mcp.Tests.Commands;

/// <summary><c>schedctl mcp --http</c>: Streamable HTTP on loopback, every request needing the bearer token.</summary>
public sealed partial class HttpServerTests
{
    private const string Initialize = """
        {"jsonrpc": "2.0", "id": 1, "method": "initialize",
         "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}}
        """;

    [Fact]
    public async Task Http_WithTheGeneratedToken_ServesTheTools_AndWithoutOrWithAnotherTokenAnswers401()
    {
        await using var server = await HttpProcess.StartAsync([]);
        var clock = Stopwatch.StartNew();
        Match token;
        while (!(token = TokenLine().Match(server.Error)).Success)
        {
            Assert.True(clock.Elapsed < McpServerProcess.Patience, "no token was printed:\n" + server.Error);
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        Assert.StartsWith("http://127.0.0.1:", server.Url);

        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(http, server.Url, null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(http, server.Url, "not-the-token")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(http, server.Url, token.Groups[1].Value + "x")).StatusCode);
        HttpResponseMessage wrongScheme = await PostAsync(http, server.Url, token.Groups[1].Value, scheme: "Basic");
        Assert.Equal(HttpStatusCode.Unauthorized, wrongScheme.StatusCode);
        Assert.Equal("Bearer", wrongScheme.Headers.WwwAuthenticate.Single().Scheme);

        await using McpClient client = await ConnectAsync(server.Url, token.Groups[1].Value);
        IList<McpClientTool> tools = await client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(10, tools.Count);
        McpServerProcess.Answer scheduled = await McpServerProcess.CallAsync(client, "schedule_job",
            """{"name": "over-http", "task": "echo", "trigger_type": "interval", "trigger_config": {"hours": 1}, "args": ["via", "http"]}""");
        Assert.False(scheduled.IsError, scheduled.ToString());
        string id = scheduled.Json.GetProperty("job_id").GetString()!;
        await McpServerProcess.CallAsync(client, "run_job_now", $$"""{"job_id": "{{id}}"}""");
        clock.Restart();
        while (true)
        {
            McpServerProcess.Answer status = await McpServerProcess.CallAsync(client, "job_status", $$"""{"job_id": "{{id}}"}""");
            if (status.Json.GetProperty("run_count").GetInt32() == 1)
            {
                Assert.Contains("hello via http", status.Json.GetProperty("history")[0].GetProperty("result").GetString());
                break;
            }

            Assert.True(clock.Elapsed < McpServerProcess.Patience, status.ToString());
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        await server.SignalAsync("TERM");
        Assert.Equal(0, await server.ExitCodeAsync());
        Assert.Contains("schedctl: stopped.", server.Error);
    }

    [Fact]
    public async Task Http_WithTheTokenFromTheEnvironment_AcceptsItAndPrintsNone()
    {
        await using var server = await HttpProcess.StartAsync([], new Dictionary<string, string> { ["SCHEDCTL_MCP_TOKEN"] = "from-the-environment" });
        Assert.False(TokenLine().IsMatch(server.Error), server.Error);

        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(http, server.Url, "from-the-environmen")).StatusCode);
        await using McpClient client = await ConnectAsync(server.Url, "from-the-environment");
        McpServerProcess.Answer tasks = await McpServerProcess.CallAsync(client, "list_tasks");
        Assert.Equal(3, tasks.Json.GetProperty("tasks").GetArrayLength());
    }

    [Fact]
    public async Task Http_TheTokenOptionWinsOverTheEnvironment()
    {
        await using var server = await HttpProcess.StartAsync(["--token", "from-the-option"],
            new Dictionary<string, string> { ["SCHEDCTL_MCP_TOKEN"] = "from-the-environment" });

        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(http, server.Url, "from-the-environment")).StatusCode);
        HttpResponseMessage accepted = await PostAsync(http, server.Url, "from-the-option");
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task Http_EveryOtherMethodAndRoute_WithoutTheToken_IsRefusedOrNotRouted()
    {
        await using var server = await HttpProcess.StartAsync(["--token", "the-token"]);
        using var http = new HttpClient();
        foreach ((HttpMethod method, string url) in new[]
        {
            (HttpMethod.Get, server.Url),
            (HttpMethod.Delete, server.Url),
            (HttpMethod.Get, server.Url + "/sse"),
            (HttpMethod.Post, server.Url + "/message"),
        })
        {
            using var request = new HttpRequestMessage(method, url);
            request.Headers.Accept.ParseAdd("application/json, text/event-stream");
            using HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
            // The server is stateless: only POST is mapped, so GET and DELETE are not routed (405), nor are the legacy SSE
            // routes (404); whatever is routed must answer 401 before the MCP server sees it.
            Assert.True(
                response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.MethodNotAllowed or HttpStatusCode.NotFound,
                $"{method} {url}: {response.StatusCode}");
        }
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http, string url, string? token, string scheme = "Bearer")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(Initialize, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue(scheme, token);
        }

        return await http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private static async Task<McpClient> ConnectAsync(string url, string token) =>
        await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(url),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + token },
        }), cancellationToken: TestContext.Current.CancellationToken);

    [GeneratedRegex(@"token \(send 'Authorization: Bearer TOKEN'.*\): (\S+)")]
    private static partial Regex TokenLine();

    /// <summary>A <c>schedctl mcp --http 0</c> child, in a process group of its own, its stderr read as it comes.</summary>
    private sealed partial class HttpProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly string _folder;
        private readonly StringBuilder _error = new();

        private HttpProcess(Process process, string folder)
        {
            _process = process;
            _folder = folder;
            _process.ErrorDataReceived += (_, e) =>
            {
                lock (_error)
                {
                    _error.AppendLine(e.Data);
                }
            };
            _process.BeginErrorReadLine();
            _process.BeginOutputReadLine();
        }

        public string Url { get; private set; } = "";

        public string Error
        {
            get
            {
                lock (_error)
                {
                    return _error.ToString();
                }
            }
        }

        public static async Task<HttpProcess> StartAsync(string[] args, IReadOnlyDictionary<string, string>? environment = null)
        {
            string folder = Directory.CreateTempSubdirectory("schedctl-mcp-http-").FullName;
            File.WriteAllText(Path.Combine(folder, "jobs.json"), TestJobs.Tasks.Replace("$DIR", folder, StringComparison.Ordinal));
            var start = new ProcessStartInfo("env")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = folder,
            };
            foreach (string arg in (string[])["--default-signal=INT", "setsid", Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet",
                Path.Combine(AppContext.BaseDirectory, "schedctl.dll"), "mcp", "jobs.json", "--store", "sqlite:store.db", "--http", "0", "--grace", "2s", .. args])
            {
                start.ArgumentList.Add(arg);
            }

            start.Environment.Remove("SCHEDCTL_MCP_TOKEN");
            foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
            {
                start.Environment[name] = value;
            }

            var server = new HttpProcess(Process.Start(start)!, folder);
            var clock = Stopwatch.StartNew();
            while (!ServingLine().IsMatch(server.Error))
            {
                Assert.True(clock.Elapsed < McpServerProcess.Patience && !server._process.HasExited, "schedctl mcp --http never said where it serves:\n" + server.Error);
                await Task.Delay(20, TestContext.Current.CancellationToken);
            }

            // The token line follows the address line; wait for the whole start-up notice.
            while (!server.Error.Contains("schedctl: running", StringComparison.Ordinal))
            {
                Assert.True(clock.Elapsed < McpServerProcess.Patience, server.Error);
                await Task.Delay(20, TestContext.Current.CancellationToken);
            }

            server.Url = ServingLine().Match(server.Error).Groups[1].Value;
            return server;
        }

        public async Task SignalAsync(string signal)
        {
            using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))!;
            await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        public async Task<int> ExitCodeAsync()
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            timeout.CancelAfter(McpServerProcess.Patience);
            await _process.WaitForExitAsync(timeout.Token);
            _process.WaitForExit();
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
            Directory.Delete(_folder, recursive: true);
        }

        [GeneratedRegex(@"serving MCP at (\S+)")]
        private static partial Regex ServingLine();
    }
}
