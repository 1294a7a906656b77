using Codomyrmex.Scheduler.Dashboard.Internal;

namespace Codomyrmex.Scheduler.Dashboard.Pages;

/// <summary>The frame of every page: header, navigation, the notice of the last action, and the live region.</summary>
internal static class Layout
{
    /// <summary>Renders a page; <paramref name="live"/> (if any) is the region the browser refreshes when something changes.</summary>
    public static string Render(PageContext page, string title, string section, Action<HtmlBuilder>? fixedPart, Action<HtmlBuilder>? live)
    {
        var html = new HtmlBuilder();
        string assets = page.Base + "/assets/";
        html.Raw("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        html.Raw("<title>").Text(title).Raw(" · ").Text(page.App.Options.Title).Raw("</title>");
        html.Raw("<link rel=\"stylesheet\" href=\"").Text(assets + "dashboard.css?v=" + Assets.Version).Raw("\">");
        html.Raw("<script src=\"").Text(assets + "dashboard.js?v=" + Assets.Version).Raw("\" defer></script></head>");
        html.Raw("<body data-base=\"").Text(page.Base).Raw("\"><header><a class=\"brand\" href=\"").Text(page.Base + "/").Raw("\">").Text(page.App.Options.Title).Raw("</a><nav>");
        foreach ((string key, string label, string path) in Sections)
        {
            html.Raw("<a href=\"").Text(page.Base + path).Raw("\"").Raw(key == section ? " class=\"on\" aria-current=\"page\"" : "").Raw(">").Text(label).Raw("</a>");
        }

        html.Raw("</nav>");
        if (page.App.Options.ReadOnly)
        {
            html.Raw("<span class=\"badge ro\" id=\"read-only\">read-only</span>");
        }

        html.Raw("<span class=\"livestate\" id=\"live-state\" title=\"Changes appear without reloading\"></span></header>");
        if (page.Http.Request.Query["notice"].ToString() is { Length: > 0 } notice)
        {
            html.Raw("<p class=\"notice\" id=\"notice\" role=\"status\">").Text(notice).Raw("</p>");
        }

        if (page.ActionsRefusal == DashboardApp.UnguardedRefusal)
        {
            html.Raw("<p class=\"hint\" id=\"actions-off\">").Text(DashboardApp.UnguardedRefusal).Raw("</p>");
        }

        html.Raw("<h1>").Text(title).Raw("</h1>");
        fixedPart?.Invoke(html);
        if (live is not null)
        {
            html.Raw("<main id=\"live\">");
            live(html);
            html.Raw("</main>");
        }

        html.Raw("</body></html>");
        return html.ToString();
    }

    private static readonly (string Key, string Label, string Path)[] Sections =
        [("jobs", "Jobs", "/"), ("failures", "Failures", "/failures"), ("nodes", "Nodes", "/nodes"), ("cron", "Cron", "/cron")];
}
