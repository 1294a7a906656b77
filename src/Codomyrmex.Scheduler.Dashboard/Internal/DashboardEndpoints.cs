using System.Text;
using System.Text.Json;
using Codomyrmex.Scheduler.Dashboard.Pages;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Codomyrmex.Scheduler.Dashboard.Internal;

/// <summary>The dashboard's endpoints: pages, the cron preview, the event stream, assets, sign-in and actions.</summary>
/// <remarks>Plain request delegates, not minimal-API handlers: nothing is bound by reflection, so the library stays trimmable and AOT-compatible.</remarks>
internal static class DashboardEndpoints
{
    private const string Html = "text/html; charset=utf-8";

    // Only the dashboard's own script and style run: an injected script or handler would be refused even if markup ever slipped through.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private const string AntiforgeryFailed = "The form's antiforgery token is missing or wrong: reload the page and try again.";

    public static IEndpointConventionBuilder Map(IEndpointRouteBuilder endpoints, string pattern, DashboardApp app)
    {
        RouteGroupBuilder group = endpoints.MapGroup(pattern);
        group.MapGet("/", Guard(app, page: true, Page(app, JobsPage.RenderAsync)));
        group.MapGet("/jobs/{id}", Guard(app, page: true, Page(app, RenderJobAsync)));
        group.MapGet("/failures", Guard(app, page: true, Page(app, FailuresPage.RenderAsync)));
        group.MapGet("/nodes", Guard(app, page: true, Page(app, NodesPage.RenderAsync)));
        group.MapGet("/cron", Guard(app, page: true, Page(app, CronPage.RenderAsync)));
        group.MapGet("/api/cron", Guard(app, page: false, CronAsync));
        group.MapGet("/events", Guard(app, page: false, http => EventsAsync(app, http)));
        group.MapPost("/jobs/{id}/{action}", Guard(app, page: false, http => ActAsync(app, http)));
        group.MapGet("/assets/{name}", Open(AssetAsync));
        group.MapGet("/login", Open(http => WriteAsync(http, StatusCodes.Status200OK, LoginPage.Render(new PageContext(app, http), wrong: false))));
        group.MapPost("/login", Open(http => LoginAsync(app, http)));
        return group;

        Task CronAsync(HttpContext http)
        {
            CronPreview preview = CronPreview.Explain(http.Request.Query["expression"].ToString(), http.Request.Query["zone"].ToString(), app.Data.Time.GetUtcNow());
            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer))
            {
                preview.WriteJson(json);
            }

            http.Response.ContentType = "application/json; charset=utf-8";
            return http.Response.Body.WriteAsync(buffer.ToArray(), http.RequestAborted).AsTask();
        }
    }

    /// <summary>An endpoint every visitor may use (assets and sign-in), with the dashboard's security headers.</summary>
    private static RequestDelegate Open(RequestDelegate handler) => http =>
    {
        SecurityHeaders(http);
        return handler(http);
    };

    /// <summary>An endpoint that needs the access token's cookie (when there is a token); a GET with the right <c>?token=</c> sets it.</summary>
    private static RequestDelegate Guard(DashboardApp app, bool page, RequestDelegate handler) => http =>
    {
        SecurityHeaders(http);
        http.Response.Headers.CacheControl = "no-store";
        if (app.HasTokenCookie(http))
        {
            return handler(http);
        }

        if (HttpMethods.IsGet(http.Request.Method) && http.Request.Query.TryGetValue("token", out var token) && app.TokenMatches(token.ToString()))
        {
            app.SetTokenCookie(http);
            string query = string.Join('&', http.Request.Query.Where(pair => pair.Key != "token")
                .Select(pair => $"{Uri.EscapeDataString(pair.Key)}={Uri.EscapeDataString(pair.Value.ToString())}"));
            http.Response.Redirect(http.Request.PathBase + http.Request.Path + (query.Length > 0 ? "?" + query : ""));
            return Task.CompletedTask;
        }

        return page
            ? WriteAsync(http, StatusCodes.Status401Unauthorized, LoginPage.Render(new PageContext(app, http), wrong: false))
            : TextAsync(http, StatusCodes.Status401Unauthorized, "This dashboard needs its access token: sign in first.");
    };

    private static void SecurityHeaders(HttpContext http)
    {
        IHeaderDictionary headers = http.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        // The token may be in the address once (?token=); no other site ever sees the dashboard's addresses.
        headers["Referrer-Policy"] = "no-referrer";
    }

    /// <summary>A page's endpoint: renders it for the request and writes it.</summary>
    private static RequestDelegate Page(DashboardApp app, Func<PageContext, CancellationToken, Task<string>> render) => async http =>
    {
        string html = await render(new PageContext(app, http), http.RequestAborted).ConfigureAwait(false);
        await WriteAsync(http, http.Response.StatusCode, html).ConfigureAwait(false);
    };

    private static async Task<string> RenderJobAsync(PageContext page, CancellationToken cancellationToken)
    {
        string id = (string)page.Http.Request.RouteValues["id"]!;
        return await JobDetailsPage.RenderAsync(page, id, cancellationToken).ConfigureAwait(false) ?? NotFound(page, id);
    }

    private static string NotFound(PageContext page, string id)
    {
        page.Http.Response.StatusCode = StatusCodes.Status404NotFound;
        return Layout.Render(page, "No such job", "jobs", html => html.Raw("<p class=\"empty\" id=\"not-found\">There is no job with the id ").Text(id).Raw(".</p>"), null);
    }

    private static Task WriteAsync(HttpContext http, int status, string html)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = Html;
        return http.Response.WriteAsync(html, Encoding.UTF8, http.RequestAborted);
    }

    private static Task TextAsync(HttpContext http, int status, string message)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "text/plain; charset=utf-8";
        return http.Response.WriteAsync(message, Encoding.UTF8, http.RequestAborted);
    }

    private static Task AssetAsync(HttpContext http)
    {
        if (!Assets.TryGet((string)http.Request.RouteValues["name"]!, out byte[] content, out string type))
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        http.Response.Headers.CacheControl = http.Request.Query["v"] == Assets.Version ? "public, max-age=31536000, immutable" : "no-cache";
        http.Response.ContentType = type;
        return http.Response.Body.WriteAsync(content, http.RequestAborted).AsTask();
    }

    private static async Task<bool> AntiforgeryFailsAsync(HttpContext http)
    {
        try
        {
            await http.RequestServices.GetRequiredService<IAntiforgery>().ValidateRequestAsync(http).ConfigureAwait(false);
            return false;
        }
        catch (AntiforgeryValidationException)
        {
            return true;
        }
    }

    private static async Task LoginAsync(DashboardApp app, HttpContext http)
    {
        if (await AntiforgeryFailsAsync(http).ConfigureAwait(false))
        {
            await TextAsync(http, StatusCodes.Status400BadRequest, AntiforgeryFailed).ConfigureAwait(false);
            return;
        }

        IFormCollection form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
        var page = new PageContext(app, http);
        if (!app.RequiresToken || !app.TokenMatches(form["token"].ToString()))
        {
            await WriteAsync(http, StatusCodes.Status401Unauthorized, LoginPage.Render(page, wrong: app.RequiresToken)).ConfigureAwait(false);
            return;
        }

        app.SetTokenCookie(http);
        http.Response.Redirect(page.Base + "/");
    }

    private static async Task ActAsync(DashboardApp app, HttpContext http)
    {
        if (app.ActionsRefusal(http) is { } refusal)
        {
            await TextAsync(http, StatusCodes.Status403Forbidden, refusal).ConfigureAwait(false);
            return;
        }

        if (await AntiforgeryFailsAsync(http).ConfigureAwait(false))
        {
            await TextAsync(http, StatusCodes.Status400BadRequest, AntiforgeryFailed).ConfigureAwait(false);
            return;
        }

        CancellationToken cancellationToken = http.RequestAborted;
        string id = (string)http.Request.RouteValues["id"]!;
        string action = (string)http.Request.RouteValues["action"]!;
        IFormCollection form = await http.Request.ReadFormAsync(cancellationToken).ConfigureAwait(false);
        DashboardData data = app.Data;
        if (await data.GetJobAsync(id, cancellationToken).ConfigureAwait(false) is not { } job)
        {
            await TextAsync(http, StatusCodes.Status404NotFound, $"There is no job with the id {id}.").ConfigureAwait(false);
            return;
        }

        string notice = action switch
        {
            "run" => await data.RunNowAsync(id, cancellationToken).ConfigureAwait(false) ?? $"Running {job.Name} now.",
            "retry" => await data.RunNowAsync(id, cancellationToken).ConfigureAwait(false) ?? $"Retrying {job.Name} now.",
            "cancel" => await data.CancelAsync(id, cancellationToken).ConfigureAwait(false) ? $"Cancelled {job.Name}." : $"{job.Name} could not be cancelled.",
            "pause" => await data.SetPausedAsync(id, true, cancellationToken).ConfigureAwait(false) ? $"Paused {job.Name}." : $"{job.Name} could not be paused: it is finished.",
            "resume" => await data.SetPausedAsync(id, false, cancellationToken).ConfigureAwait(false) ? $"Resumed {job.Name}." : $"{job.Name} could not be resumed: it is finished.",
            _ => "",
        };
        if (notice.Length == 0)
        {
            await TextAsync(http, StatusCodes.Status404NotFound, $"There is no action {action}.").ConfigureAwait(false);
            return;
        }

        string back = form["return"].ToString();
        string basePath = app.BasePath(http);
        // Only back into the dashboard: a form cannot send the browser anywhere else.
        if (!back.StartsWith(basePath + "/", StringComparison.Ordinal) || back.StartsWith("//", StringComparison.Ordinal) || back.Contains('\\', StringComparison.Ordinal))
        {
            back = basePath + "/";
        }

        // 303: the browser follows with a GET, so a reload never repeats the action.
        http.Response.StatusCode = StatusCodes.Status303SeeOther;
        http.Response.Headers.Location = back + (back.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "notice=" + Uri.EscapeDataString(notice);
    }

    /// <summary>The live event stream: one <c>change</c> event after each change (several close together arrive as one).</summary>
    private static async Task EventsAsync(DashboardApp app, HttpContext http)
    {
        HttpResponse response = http.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        CancellationToken stopping = http.RequestServices.GetService<IHostApplicationLifetime>()?.ApplicationStopping ?? CancellationToken.None;
        using var done = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, stopping);
        var channel = app.Events.Watch();
        try
        {
            await response.WriteAsync("retry: 1000\n\nevent: ready\ndata: \n\n", done.Token).ConfigureAwait(false);
            await response.Body.FlushAsync(done.Token).ConfigureAwait(false);
            await foreach (string jobId in channel.Reader.ReadAllAsync(done.Token).ConfigureAwait(false))
            {
                await response.WriteAsync("event: change\ndata: " + JsonEncodedText.Encode(jobId).ToString() + "\n\n", done.Token).ConfigureAwait(false);
                await response.Body.FlushAsync(done.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (done.IsCancellationRequested)
        {
            // The browser went away, or the application is stopping.
        }
        finally
        {
            app.Events.Unwatch(channel);
        }
    }
}
