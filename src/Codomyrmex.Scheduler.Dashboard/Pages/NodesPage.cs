using System.Globalization;
using Codomyrmex.Scheduler.Dashboard.Internal;
using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Dashboard.Pages;

/// <summary>The nodes view: the live scheduler instances on the store, and the jobs running now.</summary>
internal static class NodesPage
{
    public static async Task<string> RenderAsync(PageContext page, CancellationToken cancellationToken)
    {
        NodeList nodes = await page.App.Data.ListNodesAsync(cancellationToken).ConfigureAwait(false);
        return Layout.Render(page, "Nodes", "nodes", null, html =>
        {
            if (nodes.Nodes.Count == 0)
            {
                html.Raw("<p class=\"empty\" id=\"no-nodes\">No node is alive: no scheduler on this store has been started.</p>");
            }
            else
            {
                html.Raw("<table id=\"nodes\"><thead><tr><th>Instance</th><th>Name</th><th>Host</th><th>Process</th><th>Started</th>")
                    .Raw("<th>Last seen</th><th>Running</th><th>Last finished run</th></tr></thead><tbody>");
                foreach (NodeInfo node in nodes.Nodes)
                {
                    bool self = string.Equals(node.InstanceId, nodes.Self, StringComparison.Ordinal);
                    html.Raw(self ? "<tr class=\"self\">" : "<tr>").Raw("<td class=\"instance\">").Text(node.InstanceId);
                    if (self)
                    {
                        html.Raw(" ").Element("span", "this dashboard", "badge self");
                    }

                    html.Raw("</td>").Element("td", node.Name, "node").Element("td", node.Host, "host")
                        .Element("td", node.ProcessId.ToString(CultureInfo.InvariantCulture), "pid").Raw("<td class=\"started\">");
                    Formats.TimeCell(html, node.StartedAt, TimeZoneInfo.Local);
                    html.Raw("</td><td class=\"seen\">");
                    Formats.TimeCell(html, node.LastSeen, TimeZoneInfo.Local);
                    html.Raw("</td>").Element("td", node.RunningRuns.ToString(CultureInfo.InvariantCulture), "held").Raw("<td class=\"last\">");
                    if (nodes.LastRuns.TryGetValue(node.InstanceId, out RunRecord? run))
                    {
                        html.Link(page.JobHref(run.JobId), run.JobName).Raw(" ")
                            .Element("span", Formats.Name(run.Outcome), "outcome " + (run.Outcome == RunOutcome.Succeeded ? "ok" : "bad"));
                    }
                    else
                    {
                        html.Raw("<span class=\"none\">—</span>");
                    }

                    html.Raw("</td></tr>");
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
