using System.Globalization;
using Codomyrmex.Scheduler.Dashboard.Internal;
using Codomyrmex.Scheduler.Shared;

namespace Codomyrmex.Scheduler.Dashboard.Pages;

/// <summary>A job's page: its definition, its next ten occurrences and its run history.</summary>
internal static class JobDetailsPage
{
    private const int Occurrences = 10;

    /// <summary>Renders the page, or returns <see langword="null"/> when there is no such job.</summary>
    public static async Task<string?> RenderAsync(PageContext page, string id, CancellationToken cancellationToken)
    {
        DashboardData data = page.App.Data;
        if (await data.GetJobAsync(id, cancellationToken).ConfigureAwait(false) is not { } job)
        {
            return null;
        }

        int pageNumber = int.TryParse(page.Http.Request.Query["page"], NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : 1;
        int size = page.App.Options.PageSize;
        (IReadOnlyList<RunRecord> runs, int total) = await data.GetRunsAsync(job.Id, null, pageNumber, size, cancellationToken).ConfigureAwait(false);
        TimeZoneInfo zone = Formats.Zone(job);
        return Layout.Render(page, job.Name, "jobs", null, html =>
        {
            html.Raw("<section class=\"job\" data-job=\"").Text(job.Id).Raw("\"><div class=\"state\">");
            JobsPage.Status(html, job);
            if (page.CanAct)
            {
                html.Raw("<div class=\"actions\">");
                JobsPage.Actions(page, html, job);
                html.Raw("</div>");
            }

            html.Raw("</div><h2>Definition</h2><dl class=\"definition\" id=\"definition\">");
            Item(html, "Id", job.Id);
            Item(html, "Name", job.Name);
            Item(html, job.Task is null ? "Function" : "Task", job.Task ?? FunctionName(job.Func));
            Item(html, "Schedule", Formats.Schedule(job.Trigger));
            Item(html, "Trigger", job.Trigger?.ToString() ?? "none (runs once)");
            Item(html, "Time zone", zone.Id);
            Item(html, "Arguments", job.Args.Count == 0 ? null : string.Join(", ", job.Args.Select(Formats.Value)));
            Item(html, "Keyword arguments", job.Kwargs.Count == 0 ? null : string.Join(", ", job.Kwargs.Select(pair => pair.Key + "=" + Formats.Value(pair.Value))));
            Item(html, "Runs", job.MaxRuns is { } max ? $"{job.RunCount} of at most {max}" : job.RunCount.ToString(CultureInfo.InvariantCulture));
            Item(html, "Failures", job.FailureCount.ToString(CultureInfo.InvariantCulture));
            Item(html, "Last error", ErrorText.Message(job.Error));
            Item(html, "Last duration", job.LastDuration is { } d ? Formats.Duration(d) : null);
            JobOptions o = job.Options;
            Item(html, "Overlap", o.Overlap.ToString());
            Item(html, "Misfire", string.Create(CultureInfo.InvariantCulture, $"{o.Misfire}, grace {Formats.Duration(o.MisfireGraceTime)}"));
            Item(html, "Attempts", o.MaxAttempts == 1 ? "1 (no retries)"
                : string.Create(CultureInfo.InvariantCulture, $"{o.MaxAttempts}, retry after {Formats.Duration(o.RetryDelay)} up to {Formats.Duration(o.MaxRetryDelay)}"));
            Item(html, "Timeout", o.Timeout is { } t ? Formats.Duration(t) : null);
            Item(html, "Recoverable", o.Recoverable ? "yes: a run lost with its node runs again" : "no");
            Item(html, "Declared in", job.Source);
            html.Raw("<dt>Created</dt><dd>");
            Formats.TimeCell(html, job.CreatedAt, zone);
            html.Raw("</dd><dt>Last run</dt><dd>");
            Formats.TimeCell(html, job.LastRun, zone);
            html.Raw("</dd><dt>Finished</dt><dd>");
            Formats.TimeCell(html, job.FinishedAt, zone);
            html.Raw("</dd></dl>");

            html.Raw("<h2>Next ").Text(Occurrences).Raw(" runs</h2>");
            List<DateTimeOffset> next = NextRuns(job);
            if (next.Count == 0)
            {
                html.Raw("<p class=\"empty\" id=\"no-next\">").Text(job.Status is JobStatus.Pending or JobStatus.Running ? "No more runs are scheduled." : "The job is " + Formats.Name(job.Status) + ": it runs no more.").Raw("</p>");
            }
            else
            {
                if (job.IsPaused)
                {
                    html.Raw("<p class=\"hint\">The job is paused: these runs happen only if it is resumed before them.</p>");
                }

                html.Raw("<ol class=\"next\" id=\"next-runs\">");
                foreach (DateTimeOffset time in next)
                {
                    html.Raw("<li>");
                    Formats.TimeCell(html, time, zone);
                    html.Raw("</li>");
                }

                html.Raw("</ol>");
            }

            html.Raw("<h2>Run history</h2>");
            if (runs.Count == 0)
            {
                html.Raw("<p class=\"empty\" id=\"no-runs\">No runs yet.</p>");
            }
            else
            {
                RunsTable.Render(page, html, runs, zone, showJob: false, "history");
                RunsTable.Pager(html, page.JobHref(job.Id) + "?", pageNumber, size, total);
            }

            html.Raw("</section>");
        });
    }

    /// <summary>The job's next runs: its next run, then its trigger's occurrences after it.</summary>
    private static List<DateTimeOffset> NextRuns(Job job)
    {
        var times = new List<DateTimeOffset>(Occurrences);
        if (job.Status is not (JobStatus.Pending or JobStatus.Running) || job.NextRun is not { } next)
        {
            return times;
        }

        int left = job.MaxRuns is { } max ? Math.Max(0, max - job.RunCount) : Occurrences;
        for (DateTimeOffset? time = next; time is { } t && times.Count < Math.Min(Occurrences, left); time = job.Trigger?.GetNextRun(t))
        {
            times.Add(t);
        }

        return times;
    }

    /// <summary>A delegate's method as <c>Type.Method</c>; a lambda's compiler-made name says nothing, so it is called what it is.</summary>
    private static string? FunctionName(Delegate? func) => func?.Method switch
    {
        null => null,
        { Name: var name } when name.Contains('<', StringComparison.Ordinal) => "a lambda, in this process",
        var method => method.DeclaringType is { } type && !type.Name.Contains('<', StringComparison.Ordinal) ? $"{type.Name}.{method.Name}" : method.Name,
    };

    private static void Item(HtmlBuilder html, string term, string? value)
    {
        html.Element("dt", term);
        if (value is null)
        {
            html.Raw("<dd class=\"none\">—</dd>");
        }
        else
        {
            html.Element("dd", value);
        }
    }
}
