using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Codomyrmex.Scheduler.Dashboard.Tests;

/// <summary>Who may see and change: the access token, the host's authorization policy, and job data that is shown as text.</summary>
public sealed class DashboardSecurityTests
{
    private const string Secret = "s3cret-token";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Token_WithoutIt_PagesShowSignIn_AndEverythingElseIsRefused()
    {
        await using Scheduler scheduler = TestJobs.Create(TestJobs.Clock());
        string id = TestJobs.Nightly(scheduler);
        await using DashboardHost host = await DashboardHost.StartAsync(scheduler, options => options.AccessToken = Secret);
        using HttpClient client = host.Client();

        HttpResponseMessage page = await client.GetAsync("", Ct);
        string signIn = await page.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, page.StatusCode);
        Assert.Contains("id=\"login\"", signIn);
        Assert.DoesNotContain("nightly-report", signIn);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync($"jobs/{id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("events", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("api/cron?expression=*+*+*+*+*", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("?token=wrong", Ct)).StatusCode);
        HttpResponseMessage cancel = await DashboardHost.PostAsync(client, $"jobs/{id}/cancel", ("__RequestVerificationToken", DashboardHost.AntiforgeryToken(signIn)));
        Assert.Equal(HttpStatusCode.Unauthorized, cancel.StatusCode);
        Assert.Equal(JobStatus.Pending, (await scheduler.GetJobAsync(id, Ct))!.Status);
    }

    [Fact]
    public async Task Token_InTheAddress_SetsAnHttpOnlyStrictCookie_AndDropsItFromTheAddress()
    {
        await using Scheduler scheduler = TestJobs.Create(TestJobs.Clock());
        TestJobs.Nightly(scheduler);
        await using DashboardHost host = await DashboardHost.StartAsync(scheduler, options => options.AccessToken = Secret);
        using HttpClient client = host.Client();

        HttpResponseMessage redirect = await client.GetAsync($"failures?token={Secret}&page=2", Ct);

        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.Equal("/scheduler/failures?page=2", redirect.Headers.Location?.OriginalString);
        string cookie = Assert.Single(redirect.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/scheduler", cookie);
        Assert.DoesNotContain(Secret, cookie);
        Assert.Contains("nightly-report", await client.GetStringAsync("", Ct));
    }

    [Fact]
    public async Task Token_EnteredOnTheSignInPage_OpensTheDashboard_AWrongOneDoesNot()
    {
        await using Scheduler scheduler = TestJobs.Create(TestJobs.Clock());
        TestJobs.Nightly(scheduler);
        await using DashboardHost host = await DashboardHost.StartAsync(scheduler, options => options.AccessToken = Secret);
        using HttpClient client = host.Client();
        string form = DashboardHost.AntiforgeryToken(await client.GetStringAsync("login", Ct));

        HttpResponseMessage wrong = await DashboardHost.PostAsync(client, "login", ("__RequestVerificationToken", form), ("token", "guess"));
        HttpResponseMessage noForgeryToken = await DashboardHost.PostAsync(client, "login", ("token", Secret));
        HttpResponseMessage right = await DashboardHost.PostAsync(client, "login", ("__RequestVerificationToken", form), ("token", Secret));

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Contains("id=\"login-error\"", await wrong.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.BadRequest, noForgeryToken.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
        Assert.Contains("nightly-report", await client.GetStringAsync("", Ct));
    }

    [Fact]
    public async Task ByDefault_NothingGuardsTheActions_SoTheyAreRefusedWith403_AndThePagesSayHowToEnableThem()
    {
        await using Scheduler scheduler = TestJobs.Create(TestJobs.Clock());
        string id = TestJobs.Nightly(scheduler);
        await TestJobs.FailedAsync(scheduler, "import", "boom");
        await using DashboardHost host = await DashboardHost.StartAsync(scheduler);
        using HttpClient client = host.Client();

        foreach (string path in new[] { "", $"jobs/{id}", "failures" })
        {
            string html = await client.GetStringAsync(path, Ct);
            Assert.DoesNotContain("<form method=\"post\"", html);
            Assert.Contains("id=\"actions-off\"", html);
            Assert.Contains("AllowAnonymousActions = true", html);
        }

        // A valid antiforgery token does not help: a script on the same origin could fetch one.
        string form = DashboardHost.AntiforgeryToken(await client.GetStringAsync("login", Ct));
        foreach (string action in new[] { "run", "pause", "cancel" })
        {
            HttpResponseMessage response = await DashboardHost.PostAsync(client, $"jobs/{id}/{action}", ("__RequestVerificationToken", form));
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.StartsWith("Actions are off: nothing guards them", await response.Content.ReadAsStringAsync(Ct));
        }

        Job job = (await scheduler.GetJobAsync(id, Ct))!;
        Assert.Equal((JobStatus.Pending, false, 0), (job.Status, job.IsPaused, job.RunCount));
    }

    [Fact]
    public async Task Token_OnceSignedIn_OffersTheActions_AndTheyWork()
    {
        await using Scheduler scheduler = TestJobs.Create(TestJobs.Clock());
        string id = TestJobs.Nightly(scheduler);
        await using DashboardHost host = await DashboardHost.StartAsync(scheduler, options => options.AccessToken = Secret);
        using HttpClient client = host.Client();
        await client.GetAsync($"?token={Secret}", Ct);

        string html = await client.GetStringAsync("", Ct);
        HttpResponseMessage paused = await DashboardHost.PostAsync(client, $"jobs/{id}/pause", ("__RequestVerificationToken", DashboardHost.AntiforgeryToken(html)));

        Assert.Contains($"action=\"/scheduler/jobs/{id}/pause\"", html);
        Assert.DoesNotContain("id=\"actions-off\"", html);
        Assert.Equal(HttpStatusCode.SeeOther, paused.StatusCode);
        Assert.True((await scheduler.GetJobAsync(id, Ct))!.IsPaused);
    }

    [Theory]
    [InlineData("RequireAuthorization()", true)]
    [InlineData("RequireAuthorization(policy)", true)]
    [InlineData("RequireAuthorization().AllowAnonymous()", false)]
    public async Task HostAuthorization_OnWhatMapReturns_EnablesTheActions_UnlessItAllowsAnonymousUsers(string guard, bool enabled)
    {
        await using Scheduler scheduler = TestJobs.Create(TestJobs.Clock());
        string id = TestJobs.Nightly(scheduler);
        await using DashboardHost host = await StartWithCookieAuthenticationAsync(scheduler, dashboard => _ = guard switch
        {
            "RequireAuthorization()" => dashboard.RequireAuthorization(),
            "RequireAuthorization(policy)" => dashboard.RequireAuthorization(policy => policy.RequireAuthenticatedUser()),
            _ => dashboard.RequireAuthorization().AllowAnonymous(),
        });
        using HttpClient client = host.Client();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/signin", Ct)).StatusCode);

        string html = await client.GetStringAsync("", Ct);
        string form = DashboardHost.AntiforgeryToken(enabled ? html : await client.GetStringAsync("login", Ct));
        HttpResponseMessage paused = await DashboardHost.PostAsync(client, $"jobs/{id}/pause", ("__RequestVerificationToken", form));

        Assert.Equal(enabled, html.Contains($"action=\"/scheduler/jobs/{id}/pause\"", StringComparison.Ordinal));
        Assert.Equal(!enabled, html.Contains("id=\"actions-off\"", StringComparison.Ordinal));
        Assert.Equal(enabled ? HttpStatusCode.SeeOther : HttpStatusCode.Forbidden, paused.StatusCode);
        Assert.Equal(enabled, (await scheduler.GetJobAsync(id, Ct))!.IsPaused);
    }

    [Fact]
    public async Task RequireAuthorization_OnWhatMapReturns_ProtectsEveryEndpoint()
    {
        await using Scheduler scheduler = TestJobs.Create(TestJobs.Clock());
        string id = TestJobs.Nightly(scheduler);
        await using DashboardHost host = await StartWithCookieAuthenticationAsync(scheduler, dashboard => dashboard.RequireAuthorization());
        using HttpClient client = host.Client();

        foreach (string path in new[] { "", $"jobs/{id}", "failures", "nodes", "cron", "api/cron", "events", "assets/dashboard.css" })
        {
            HttpResponseMessage response = await client.GetAsync(path, Ct);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.StartsWith("/Account/Login", response.Headers.Location?.PathAndQuery ?? response.Headers.Location?.OriginalString);
        }

        Assert.Equal(HttpStatusCode.Redirect, (await DashboardHost.PostAsync(client, $"jobs/{id}/cancel")).StatusCode);
        Assert.Equal(JobStatus.Pending, (await scheduler.GetJobAsync(id, Ct))!.Status);
    }

    [Fact]
    public async Task HostileNamesArgumentsAndErrors_AreEncoded_OnEveryPage()
    {
        // A hostile node name too: the nodes view shows the live nodes, and this one is started.
        await using Scheduler scheduler = TestJobs.Create(TestJobs.Clock(), node: TestJobs.Script);
        await scheduler.StartAsync(Ct);
        string id = scheduler.Schedule(() => { }, TestJobs.Script, new IntervalTrigger(minutes: 5), args: [TestJobs.Image]);
        string failed = await TestJobs.FailedAsync(scheduler, TestJobs.Image, TestJobs.Script);
        await using DashboardHost host = await DashboardHost.StartAsync(scheduler);
        using HttpClient client = host.Client();

        foreach (string path in new[] { "", $"jobs/{id}", $"jobs/{failed}", "failures", "nodes", "?name=" + Uri.EscapeDataString(TestJobs.Script),
                     "cron?expression=" + Uri.EscapeDataString(TestJobs.Script) })
        {
            string html = await client.GetStringAsync(path, Ct);
            Assert.DoesNotContain("<script>alert", html);
            Assert.DoesNotContain("<img src=x", html);
            Assert.True(html.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", StringComparison.Ordinal)
                || html.Contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;", StringComparison.Ordinal), $"{path} shows neither hostile value as text.");
        }

        HttpResponseMessage page = await client.GetAsync("", Ct);
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single());
    }

    /// <summary>A host with cookie authentication and authorization, where <c>GET /signin</c> signs the client in as an operator.</summary>
    private static Task<DashboardHost> StartWithCookieAuthenticationAsync(Scheduler scheduler, Action<IEndpointConventionBuilder> guard) =>
        DashboardHost.StartAsync(scheduler,
            services: builder =>
            {
                builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie();
                builder.Services.AddAuthorization();
            },
            middleware: app =>
            {
                app.UseAuthentication();
                app.UseAuthorization();
                app.MapGet("/signin", (RequestDelegate)(http => http.SignInAsync(
                    new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "operator")], CookieAuthenticationDefaults.AuthenticationScheme)))));
            },
            endpoint: guard);
}
