using Codomyrmex.Scheduler.Dashboard.Internal;

namespace Codomyrmex.Scheduler.Dashboard.Pages;

/// <summary>The nodes view: the scheduler instances that run the store's jobs, and the jobs running now.</summary>
internal static class NodesPage
{
    public static async Task<string> RenderAsync(PageContext page, CancellationToken cancellationToken)
    {
        NodeList nodes = await page.App.Data.ListNodesAsync(cancellationToken).ConfigureAwait(false);
        return Layout.Render(page, "Nodes", "nodes", null, html =>
        {
            if (!DashboardData.ListsNodes)
            {
                html.Raw("<p class=\"hint\" id=\"nodes-pending\">Nodes appear here once the store lists them. Until then, these are the nodes ")
                    .Raw("seen in the newest runs of the history.</p>");
            }

            if (nodes.Nodes.Count == 0)
            {
                html.Raw("<p class=\"empty\" id=\"no-nodes\">No node has finished a run yet.</p>");
            }
            else
            {
                html.Raw("<table id=\"nodes\"><thead><tr><th>Node</th><th>Last run finished</th><th>Runs seen</th><th>Last job</th></tr></thead><tbody>");
                foreach (NodeSeen node in nodes.Nodes)
                {
                    html.Raw("<tr>").Element("td", node.Name, "node").Raw("<td>");
                    Formats.TimeCell(html, node.LastSeen, TimeZoneInfo.Local);
                    html.Raw("</td>").Element("td", node.Runs.ToString(System.Globalization.CultureInfo.InvariantCulture))
                        .Raw("<td>").Text(node.LastJobName).Raw(" ").Element("span", Formats.Name(node.LastOutcome), "outcome " + (node.LastOutcome == RunOutcome.Succeeded ? "ok" : "bad"))
                        .Raw("</td></tr>");
                }

                html.Raw("</tbody></table>");
            }

            html.Raw("<h2>Running now</h2>");
            if (nodes.Running.Count == 0)
            {
                html.Raw("<p class=\"empty\" id=\"none-running\">Nothing is running.</p>");
                return;
            }

            html.Raw("<ul class=\"running\" id=\"running\">");
            foreach (Job job in nodes.Running)
            {
                html.Raw("<li>").Link(page.JobHref(job.Id), job.Name).Raw(" (").Text(job.ActiveRuns).Raw(job.ActiveRuns == 1 ? " run" : " runs").Raw(")</li>");
            }

            html.Raw("</ul>");
            if (nodes.RunningTotal > nodes.Running.Count)
            {
                html.Raw("<p class=\"hint\">and ").Text(nodes.RunningTotal - nodes.Running.Count).Raw(" more.</p>");
            }
        });
    }
}
