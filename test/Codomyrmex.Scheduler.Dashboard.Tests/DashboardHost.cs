using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Codomyrmex.Scheduler.Dashboard.Tests;

/// <summary>A real Kestrel server on a free loopback port with the dashboard mapped at /scheduler.</summary>
internal sealed partial class DashboardHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DashboardHost(WebApplication app, string address)
    {
        _app = app;
        Root = new Uri(address + "/");
        Base = new Uri(address + "/scheduler/");
    }

    /// <summary>The server's root.</summary>
    public Uri Root { get; }

    /// <summary>The dashboard's address (with a trailing slash).</summary>
    public Uri Base { get; }

    public static async Task<DashboardHost> StartAsync(Scheduler scheduler, Action<SchedulerDashboardOptions>? configure = null,
        Action<WebApplicationBuilder>? services = null, Action<WebApplication>? middleware = null, Action<IEndpointConventionBuilder>? endpoint = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSchedulerDashboard();
        services?.Invoke(builder);
        WebApplication app = builder.Build();
        middleware?.Invoke(app);
        IEndpointConventionBuilder dashboard = app.MapSchedulerDashboard("/scheduler", options =>
        {
            options.Scheduler = scheduler;
            configure?.Invoke(options);
        });
        endpoint?.Invoke(dashboard);
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new DashboardHost(app, address);
    }

    /// <summary>A client that keeps cookies and does not follow redirects (so tests see them).</summary>
    public HttpClient Client() => new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer(), UseCookies = true })
    {
        BaseAddress = Base,
    };

    /// <summary>The antiforgery token of the first form on a page.</summary>
    public static string AntiforgeryToken(string html) =>
        WebUtility.HtmlDecode(AntiforgeryField().Match(html) is { Success: true } match ? match.Groups[1].Value : throw new InvalidOperationException("The page has no form."));

    /// <summary>Posts a form with the given fields.</summary>
    public static Task<HttpResponseMessage> PostAsync(HttpClient client, string path, params (string Name, string Value)[] fields) =>
        client.PostAsync(path, new FormUrlEncodedContent(fields.Select(field => new KeyValuePair<string, string>(field.Name, field.Value))));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
