using Codomyrmex.Scheduler.Dashboard.Internal;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Codomyrmex.Scheduler.Dashboard.Pages;

/// <summary>What every page needs to render: the dashboard, the request, its path and the antiforgery tokens of its forms.</summary>
internal sealed class PageContext(DashboardApp app, HttpContext http)
{
    private AntiforgeryTokenSet? _tokens;

    public DashboardApp App { get; } = app;

    public HttpContext Http { get; } = http;

    public string Base { get; } = app.BasePath(http);

    public DateTimeOffset Now { get; } = app.Data.Time.GetUtcNow();

    /// <summary>Why this request may not change anything, or <see langword="null"/> when it may.</summary>
    public string? ActionsRefusal { get; } = app.ActionsRefusal(http);

    public bool CanAct => ActionsRefusal is null;

    /// <summary>The page's own address (path and query, without a notice), where an action returns to.</summary>
    public string Self
    {
        get
        {
            var query = Http.Request.Query.Where(pair => pair.Key != "notice").Select(pair => $"{Uri.EscapeDataString(pair.Key)}={Uri.EscapeDataString(pair.Value.ToString())}");
            string q = string.Join('&', query);
            return Http.Request.PathBase + Http.Request.Path + (q.Length > 0 ? "?" + q : "");
        }
    }

    /// <summary>A hidden antiforgery field for a form (the tokens are made once per page).</summary>
    public void Antiforgery(HtmlBuilder html)
    {
        _tokens ??= Http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(Http);
        html.Raw("<input type=\"hidden\" name=\"").Text(_tokens.FormFieldName).Raw("\" value=\"").Text(_tokens.RequestToken).Raw("\">");
    }

    /// <summary>A one-button POST form for an action on a job.</summary>
    public void ActionForm(HtmlBuilder html, string jobId, string action, string label, string? cssClass = null)
    {
        html.Raw("<form method=\"post\" class=\"act\" action=\"").Text($"{Base}/jobs/{Uri.EscapeDataString(jobId)}/{action}").Raw("\">");
        Antiforgery(html);
        html.Raw("<input type=\"hidden\" name=\"return\" value=\"").Text(Self).Raw("\">");
        html.Raw("<button type=\"submit\" data-action=\"").Raw(action).Raw("\"").Raw(cssClass is null ? "" : $" class=\"{cssClass}\"").Raw(">").Text(label).Raw("</button></form>");
    }

    public string JobHref(string jobId) => $"{Base}/jobs/{Uri.EscapeDataString(jobId)}";
}
