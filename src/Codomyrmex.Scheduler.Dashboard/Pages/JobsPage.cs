using System.Globalization;
using Codomyrmex.Scheduler.Dashboard.Internal;

namespace Codomyrmex.Scheduler.Dashboard.Pages;

/// <summary>The jobs view: filter by status and by the start of the name, sort by when added, one page read from the store.</summary>
internal static class JobsPage
{
    public static async Task<string> RenderAsync(PageContext page, CancellationToken cancellationToken)
    {
        var query = page.Http.Request.Query;
        JobStatus? status = Enum.TryParse(query["status"].ToString(), ignoreCase: true, out JobStatus s) && Enum.IsDefined(s) ? s : null;
        string name = query["name"].ToString().Trim();
        bool newest = query["sort"].ToString() != "oldest";
        int pageNumber = int.TryParse(query["page"], NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : 1;
        int size = page.App.Options.PageSize;
        DashboardData data = page.App.Data;
        JobList jobs = await data.ListJobsAsync(status, name, newest, pageNumber, size, cancellationToken).ConfigureAwait(false);
        JobCounts all = await data.CountAsync(cancellationToken).ConfigureAwait(false);
        var counts = new List<(JobStatus? Status, long Count)> { (null, all.Total) };
        counts.AddRange(Enum.GetValues<JobStatus>().Select(each => ((JobStatus?)each, all[each])));

        string Href(JobStatus? st, int p) => page.Base + "/?" + string.Join('&', new[]
        {
            st is null ? null : "status=" + Formats.Name(st.Value),
            name.Length > 0 ? "name=" + Uri.EscapeDataString(name) : null,
            newest ? null : "sort=oldest",
            p > 1 ? "page=" + p.ToString(CultureInfo.InvariantCulture) : null,
        }.Where(part => part is not null));

        return Layout.Render(page, "Jobs", "jobs", html =>
        {
            html.Raw("<form method=\"get\" class=\"filters\" action=\"").Text(page.Base + "/").Raw("\">");
            html.Raw("<label>Status <select name=\"status\" id=\"filter-status\"><option value=\"\">all</option>");
            foreach (JobStatus each in Enum.GetValues<JobStatus>())
            {
                html.Raw("<option").Raw(each == status ? " selected" : "").Raw(">").Text(Formats.Name(each)).Raw("</option>");
            }

            html.Raw("</select></label> <label>Name starts with <input type=\"search\" name=\"name\" id=\"filter-name\" value=\"").Text(name)
                .Raw("\" placeholder=\"backup- (case-sensitive)\"></label> ");
            html.Raw("<label>Sort <select name=\"sort\" id=\"filter-sort\"><option value=\"newest\"").Raw(newest ? " selected" : "").Raw(">newest first</option>");
            html.Raw("<option value=\"oldest\"").Raw(newest ? "" : " selected").Raw(">oldest first</option></select></label> ");
            html.Raw("<button type=\"submit\" id=\"filter-apply\">Filter</button></form>");
        }, html =>
        {
            html.Raw("<nav class=\"tabs\">");
            foreach ((JobStatus? st, long count) in counts)
            {
                html.Raw("<a href=\"").Text(Href(st, 1)).Raw("\" data-status=\"").Text(st is null ? "all" : Formats.Name(st.Value)).Raw("\"")
                    .Raw(st == status ? " class=\"on\"" : "").Raw(">").Text(st is null ? "all" : Formats.Name(st.Value))
                    .Raw(" <span class=\"count\">").Text(count.ToString(CultureInfo.InvariantCulture)).Raw("</span></a>");
            }

            html.Raw("</nav>");
            if (jobs.Items.Count == 0)
            {
                html.Raw("<p class=\"empty\" id=\"no-jobs\">No jobs").Raw(status is null && name.Length == 0 ? " yet" : " match").Raw(".</p>");
            }
            else
            {
                html.Raw("<table class=\"jobs\" id=\"jobs\"><thead><tr><th>Name</th><th>Status</th><th>Schedule</th><th>Next run</th><th>Last run</th><th>Runs</th>")
                    .Raw(page.CanAct ? "<th>Actions</th>" : "").Raw("</tr></thead><tbody>");
                foreach (Job job in jobs.Items)
                {
                    Row(page, html, job);
                }

                html.Raw("</tbody></table>");
            }

            html.Raw("<nav class=\"pager\">");
            if (pageNumber > 1)
            {
                html.Link(Href(status, pageNumber - 1), "← newer", "prev");
            }

            html.Raw("<span>page ").Text(pageNumber);
            int total = jobs.Total;
            html.Raw(" of ").Text(Math.Max(1, (total + size - 1) / size)).Raw(" · ").Text(total).Raw(total == 1 ? " job" : " jobs");

            html.Raw("</span>");
            if (jobs.HasMore)
            {
                html.Link(Href(status, pageNumber + 1), "older →", "next");
            }

            html.Raw("</nav>");
        });
    }

    private static void Row(PageContext page, HtmlBuilder html, Job job)
    {
        TimeZoneInfo zone = Formats.Zone(job);
        html.Raw("<tr data-job=\"").Text(job.Id).Raw("\"><td class=\"name\">").Link(page.JobHref(job.Id), job.Name).Raw("</td><td>");
        Status(html, job);
        html.Raw("</td><td class=\"schedule\">").Text(Formats.Schedule(job.Trigger)).Raw("</td><td class=\"next\">");
        Formats.TimeCell(html, job.NextRun, zone);
        html.Raw("</td><td class=\"last\">");
        Formats.TimeCell(html, job.LastRun, zone);
        if (job.LastRun is not null)
        {
            html.Raw(" ").Element("span", job.Error is null ? "succeeded" : "failed", job.Error is null ? "outcome ok" : "outcome bad");
        }

        html.Raw("</td><td class=\"runs\">").Text(job.RunCount);
        if (job.MaxRuns is { } max)
        {
            html.Raw(" / ").Text(max);
        }

        html.Raw("</td>");
        if (page.CanAct)
        {
            html.Raw("<td class=\"actions\">");
            Actions(page, html, job);
            html.Raw("</td>");
        }

        html.Raw("</tr>");
    }

    /// <summary>A job's status badge, with "paused" when it is.</summary>
    public static void Status(HtmlBuilder html, Job job)
    {
        html.Element("span", Formats.Name(job.Status), "badge " + Formats.Name(job.Status));
        if (job.IsPaused)
        {
            html.Raw(" ").Element("span", "paused", "badge paused");
        }
    }

    /// <summary>The actions a job offers in its state: run now, pause or resume, cancel.</summary>
    public static void Actions(PageContext page, HtmlBuilder html, Job job)
    {
        if (job.Status == JobStatus.Cancelled)
        {
            return;
        }

        page.ActionForm(html, job.Id, "run", "Run now");
        bool live = job.Status is JobStatus.Pending or JobStatus.Running;
        if (live)
        {
            page.ActionForm(html, job.Id, job.IsPaused ? "resume" : "pause", job.IsPaused ? "Resume" : "Pause");
            page.ActionForm(html, job.Id, "cancel", "Cancel", "danger");
        }
    }
}
