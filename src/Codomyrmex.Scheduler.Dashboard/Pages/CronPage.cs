using Codomyrmex.Scheduler.Dashboard.Internal;

namespace Codomyrmex.Scheduler.Dashboard.Pages;

/// <summary>The cron field: type an expression, read it in words and see its next runs (the browser asks the JSON endpoint as you type).</summary>
internal static class CronPage
{
    /// <summary>Renders the page (it reads nothing from the store, so there is nothing to cancel).</summary>
#pragma warning disable IDE0060 // The signature every page's renderer has.
    public static Task<string> RenderAsync(PageContext page, CancellationToken cancellationToken) => Task.FromResult(Render(page));
#pragma warning restore IDE0060

    private static string Render(PageContext page)
    {
        string expression = page.Http.Request.Query["expression"].ToString();
        string zone = page.Http.Request.Query["zone"].ToString() is { Length: > 0 } z ? z : "UTC";
        CronPreview? preview = expression.Length > 0 ? CronPreview.Explain(expression, zone, page.Now) : null;
        return Layout.Render(page, "Cron", "cron", html =>
        {
            html.Raw("<form method=\"get\" class=\"cron\" id=\"cron-form\" action=\"").Text(page.Base + "/cron").Raw("\">");
            html.Raw("<label>Expression <input name=\"expression\" id=\"cron-expression\" autocomplete=\"off\" spellcheck=\"false\" placeholder=\"*/15 9-17 * * MON-FRI\" value=\"")
                .Text(expression).Raw("\"></label> <label>Time zone <input name=\"zone\" id=\"cron-zone\" value=\"").Text(zone).Raw("\"></label> ");
            html.Raw("<button type=\"submit\">Explain</button></form><div id=\"cron-result\" aria-live=\"polite\">");
            if (preview is not null)
            {
                Result(html, preview);
            }

            html.Raw("</div>");
        }, null);
    }

    /// <summary>The preview without script; the script renders the same from the JSON endpoint.</summary>
    private static void Result(HtmlBuilder html, CronPreview preview)
    {
        if (preview.Error is not null)
        {
            html.Element("p", preview.Error, "error");
            return;
        }

        html.Element("p", preview.Description, "description");
        html.Raw("<ol class=\"next\">");
        foreach (DateTimeOffset time in preview.Next)
        {
            html.Element("li", Formats.Time(time, preview.Zone));
        }

        html.Raw("</ol>");
    }
}
