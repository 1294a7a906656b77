using System.Globalization;

namespace Codomyrmex.Scheduler.Dashboard.Pages;

/// <summary>The failures view: failed runs across every job, newest first, each with a retry.</summary>
internal static class FailuresPage
{
    public static async Task<string> RenderAsync(PageContext page, CancellationToken cancellationToken)
    {
        int pageNumber = int.TryParse(page.Http.Request.Query["page"], NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : 1;
        int size = page.App.Options.PageSize;
        (IReadOnlyList<RunRecord> runs, int total) = await page.App.Data.GetRunsAsync(null, RunOutcome.Failed, pageNumber, size, cancellationToken).ConfigureAwait(false);
        return Layout.Render(page, "Failures", "failures", null, html =>
        {
            if (runs.Count == 0)
            {
                html.Raw("<p class=\"empty\" id=\"no-failures\">No failed runs.</p>");
                return;
            }

            RunsTable.Render(page, html, runs, TimeZoneInfo.Local, showJob: true, "failures");
            RunsTable.Pager(html, page.Base + "/failures?", pageNumber, size, total);
        });
    }
}
