using Codomyrmex.Scheduler.Dashboard.Internal;
using Codomyrmex.Scheduler.Shared;

namespace Codomyrmex.Scheduler.Dashboard.Pages;

/// <summary>A table of runs from the history: when, how long, where, which attempt, the outcome, the error and the output's tail.</summary>
internal static class RunsTable
{
    /// <summary>How much of a run's output the table shows.</summary>
    private const int OutputTail = 600;

    public static void Render(PageContext page, HtmlBuilder html, IReadOnlyList<RunRecord> runs, TimeZoneInfo zone, bool showJob, string id)
    {
        html.Raw("<table class=\"runs\" id=\"").Raw(id).Raw("\"><thead><tr>").Raw(showJob ? "<th>Job</th>" : "")
            .Raw("<th>Started</th><th>Scheduled</th><th>Duration</th><th>Node</th><th>Attempt</th><th>Outcome</th><th>Error</th><th>Output</th>")
            .Raw(page.CanAct ? "<th></th>" : "").Raw("</tr></thead><tbody>");
        foreach (RunRecord run in runs)
        {
            html.Raw("<tr data-run=\"").Text(run.RunId).Raw("\">");
            if (showJob)
            {
                html.Raw("<td class=\"name\">").Link(page.JobHref(run.JobId), run.JobName).Raw("</td>");
            }

            html.Raw("<td>");
            Formats.TimeCell(html, run.StartedAt, zone);
            html.Raw("</td><td>");
            Formats.TimeCell(html, run.ScheduledTime, zone);
            html.Raw("</td>").Element("td", Formats.Duration(run.Duration), "duration").Element("td", run.Node, "node").Element("td", run.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Raw("<td>").Element("span", Formats.Name(run.Outcome), "outcome " + (run.Outcome == RunOutcome.Succeeded ? "ok" : "bad"));
            if (run.IsManual)
            {
                html.Raw(" ").Element("span", "manual", "tag");
            }

            if (run.IsRecovery)
            {
                html.Raw(" ").Element("span", "recovered", "tag");
            }

            html.Raw("</td>").Element("td", ErrorText.Message(run.Error), "error").Raw("<td>");
            if (Formats.Tail(Formats.Output(run.Result), OutputTail) is { Length: > 0 } output)
            {
                html.Element("pre", output, "output");
            }

            html.Raw("</td>");
            if (page.CanAct)
            {
                html.Raw("<td>");
                if (run.Outcome is RunOutcome.Failed or RunOutcome.Interrupted)
                {
                    page.ActionForm(html, run.JobId, "retry", "Retry");
                }

                html.Raw("</td>");
            }

            html.Raw("</tr>");
        }

        html.Raw("</tbody></table>");
    }

    /// <summary>Links to the newer and older pages of runs.</summary>
    public static void Pager(HtmlBuilder html, string hrefBase, int page, int size, int total)
    {
        html.Raw("<nav class=\"pager\">");
        if (page > 1)
        {
            html.Link(hrefBase + "page=" + (page - 1).ToString(System.Globalization.CultureInfo.InvariantCulture), "← newer", "prev");
        }

        html.Raw("<span>page ").Text(page).Raw(" of ").Text(Math.Max(1, (total + size - 1) / size)).Raw(" · ").Text(total).Raw(total == 1 ? " run" : " runs").Raw("</span>");
        if ((long)page * size < total)
        {
            html.Link(hrefBase + "page=" + (page + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), "older →", "next");
        }

        html.Raw("</nav>");
    }
}
