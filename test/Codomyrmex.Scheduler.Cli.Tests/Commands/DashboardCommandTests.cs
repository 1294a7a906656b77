using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Codomyrmex.Scheduler.Cli.Tests.Commands;

/// <summary><c>schedctl dashboard</c> as a real process on the store of a real <c>schedctl run</c>.</summary>
public sealed partial class DashboardCommandTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Dashboard_PrintsItsAddressWithAToken_RefusesWithoutIt_AndRunsACommandFromItsForm()
    {
        using var folder = new TempFolder();
        await CreateStoreAsync(folder);
        int port = FreePort();
        await using RunningSchedctl dashboard = RunningSchedctl.Start(folder.Path, "dashboard", "--store", "sqlite:state.db", "--listen", $"127.0.0.1:{port}");
        string line = await dashboard.WaitForLineAsync(l => l.StartsWith("schedctl dashboard: ", StringComparison.Ordinal));
        Match printed = PrintedAddress().Match(line);
        Assert.True(printed.Success, line);
        Assert.Equal($"http://127.0.0.1:{port}/", printed.Groups[1].Value);
        using HttpClient client = Client(port);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/?token=guess", Ct)).StatusCode);
        HttpResponseMessage signIn = await client.GetAsync("/?token=" + printed.Groups[2].Value, Ct);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        string jobs = await client.GetStringAsync("/", Ct);
        string id = Regex.Match(jobs, "href=\"/jobs/([a-z0-9]+)\">tick</a>").Groups[1].Value;
        Assert.NotEmpty(id);

        HttpResponseMessage run = await client.PostAsync($"/jobs/{id}/run", Form(jobs), Ct);
        Assert.Equal(HttpStatusCode.SeeOther, run.StatusCode);
        string page = await WaitForPageAsync(client, $"/jobs/{id}", html => html.Contains("<pre class=\"output\">", StringComparison.Ordinal));

        Assert.Contains("<pre class=\"output\">hello &lt;b&gt;\n</pre>", page);
        Assert.Contains("<span class=\"tag\">manual</span>", page);
        await dashboard.SignalAsync("TERM");
        Assert.Equal(0, await dashboard.ExitCodeAsync());
    }

    [Fact]
    public async Task Dashboard_ReadOnly_WithAGivenToken_ShowsButChangesNothing()
    {
        using var folder = new TempFolder();
        await CreateStoreAsync(folder);
        int port = FreePort();
        await using RunningSchedctl dashboard = RunningSchedctl.Start(folder.Path,
            "dashboard", "--store", "sqlite:state.db", "--listen", $"localhost:{port}", "--token", "given", "--read-only");
        Assert.EndsWith($"http://127.0.0.1:{port}/?token=given", await dashboard.WaitForLineAsync(l => l.StartsWith("schedctl dashboard: ", StringComparison.Ordinal)));
        using HttpClient client = Client(port);
        await client.GetAsync("/?token=given", Ct);

        string jobs = await client.GetStringAsync("/", Ct);
        string id = Regex.Match(jobs, "href=\"/jobs/([a-z0-9]+)\">tick</a>").Groups[1].Value;
        HttpResponseMessage cancel = await client.PostAsync($"/jobs/{id}/cancel", new FormUrlEncodedContent([]), Ct);

        Assert.Contains("id=\"read-only\"", jobs);
        Assert.DoesNotContain("<form method=\"post\"", jobs);
        Assert.Equal(HttpStatusCode.Forbidden, cancel.StatusCode);
        Schedctl.Result list = await Schedctl.RunAsync("jobs", "list", "--store", folder["state.db"]);
        Assert.Contains(list.Lines, l => l.StartsWith("tick ", StringComparison.Ordinal) && l.Contains("pending", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dashboard_NodesView_ShowsASchedctlRunOnTheSameStore_UntilItStops()
    {
        using var folder = new TempFolder();
        await CreateStoreAsync(folder);
        await using RunningSchedctl run = RunningSchedctl.Start(folder.Path, "run", "jobs.json", "--store", "sqlite:state.db");
        await run.WaitForErrorAsync("SIGINT or SIGTERM stops");
        int port = FreePort();
        await using RunningSchedctl dashboard = RunningSchedctl.Start(folder.Path,
            "dashboard", "--store", "sqlite:state.db", "--listen", $"127.0.0.1:{port}", "--token", "given");
        await dashboard.WaitForLineAsync(l => l.StartsWith("schedctl dashboard: ", StringComparison.Ordinal));
        using HttpClient client = Client(port);
        await client.GetAsync("/?token=given", Ct);
        string runPid = $"<td class=\"pid\">{run.Id}</td>";

        string nodes = await client.GetStringAsync("/nodes", Ct);

        Assert.Contains(runPid, nodes);
        Assert.Contains($"<td class=\"host\">{WebUtility.HtmlEncode(Environment.MachineName)}</td>", nodes);
        await run.SignalAsync("TERM");
        Assert.Equal(0, await run.ExitCodeAsync());
        Assert.DoesNotContain(runPid, await client.GetStringAsync("/nodes", Ct));
        await dashboard.SignalAsync("TERM");
        Assert.Equal(0, await dashboard.ExitCodeAsync());
    }

    [Fact]
    public async Task Dashboard_OnAnotherAddressThanLoopback_WarnsThatOtherMachinesCanReachIt()
    {
        using var folder = new TempFolder();
        await CreateStoreAsync(folder);
        await using RunningSchedctl dashboard = RunningSchedctl.Start(folder.Path, "dashboard", "--store", "sqlite:state.db", "--listen", $"0.0.0.0:{FreePort()}");

        await dashboard.WaitForErrorAsync("other machines can reach this dashboard over plain HTTP");
    }

    [Theory]
    [InlineData("--listen", "nowhere", 2, "--listen 'nowhere' is not ADDRESS:PORT")]
    [InlineData("--store", "sqlite:missing.db", 1, "no store at")]
    public async Task Dashboard_BadListenOrMissingStore_SaysWhy(string option, string value, int exit, string error)
    {
        using var folder = new TempFolder();
        Schedctl.Result result = await Schedctl.RunAsync("dashboard", option, value.Replace("missing.db", folder["missing.db"], StringComparison.Ordinal));

        Assert.Equal(exit, result.ExitCode);
        Assert.Contains(error, result.Error);
    }

    [Theory]
    [InlineData("192.0.2.1", "it is not an address of this machine.")]
    [InlineData("[fe80::1]", "")]
    [InlineData("127.0.0.1", "the port is in use by another process.")]
    public async Task Dashboard_OnAnAddressItCannotListenOn_SaysSoInOneLine_ExitCode1(string address, string reason)
    {
        using var folder = new TempFolder();
        await CreateStoreAsync(folder);
        // A documentation address (RFC 5737) is no machine's; a link-local one without its interface cannot be bound; the
        // loopback port is held here, so it is in use.
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        string listen = $"{address}:{((IPEndPoint)holder.LocalEndpoint).Port}";

        Schedctl.Result result = await Schedctl.RunAsync("dashboard", "--store", folder["state.db"], "--listen", listen, "--token", "t");

        Assert.Equal(1, result.ExitCode);
        string line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"schedctl: cannot listen on {listen}: {reason}", line, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    private static async Task CreateStoreAsync(TempFolder folder)
    {
        folder.Write("jobs.json", """{ "jobs": [ { "name": "tick", "schedule": "@yearly", "command": ["echo", "hello <b>"] } ] }""");
        await using RunningSchedctl run = RunningSchedctl.Start(folder.Path, "run", "jobs.json", "--store", "sqlite:state.db");
        await run.WaitForErrorAsync("SIGINT or SIGTERM stops");
        await run.SignalAsync("TERM");
        Assert.Equal(0, await run.ExitCodeAsync());
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static HttpClient Client(int port) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer(), UseCookies = true })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}"),
        };

    private static FormUrlEncodedContent Form(string page) =>
        new([new("__RequestVerificationToken", WebUtility.HtmlDecode(Regex.Match(page, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value))]);

    /// <summary>Reads a page until it shows what the test waits for: the command runs in the dashboard's process, on its own time.</summary>
    private static async Task<string> WaitForPageAsync(HttpClient client, string path, Func<string, bool> done)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            string html = await client.GetStringAsync(path, Ct);
            if (done(html))
            {
                return html;
            }

            Assert.True(clock.Elapsed < Patience, $"{path} never showed what was expected:\n{html}");
            await Task.Delay(50, Ct);
        }
    }

    [GeneratedRegex(@"^schedctl dashboard: (http://[^?]+)\?token=(\S+)$")]
    private static partial Regex PrintedAddress();
}
