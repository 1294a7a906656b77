namespace Codomyrmex.Scheduler.Cli.Schedules;

/// <summary>The snake_case policy names of jobs files: overlap <c>skip|queue|allow</c>, misfire <c>run_once|skip|run_all</c>.</summary>
/// <remarks>Interim: replaced by the core library's internal <c>PolicyText</c> (branch <c>json</c>) once it is merged.</remarks>
internal static class PolicyText
{
    public const string OverlapNames = "skip, queue or allow";

    public const string MisfireNames = "run_once, skip or run_all";

    public static bool TryParseOverlap(string text, out OverlapPolicy value)
    {
        (bool ok, value) = text switch
        {
            "skip" => (true, OverlapPolicy.Skip),
            "queue" => (true, OverlapPolicy.Queue),
            "allow" => (true, OverlapPolicy.Allow),
            _ => (false, default),
        };
        return ok;
    }

    public static bool TryParseMisfire(string text, out MisfirePolicy value)
    {
        (bool ok, value) = text switch
        {
            "run_once" => (true, MisfirePolicy.RunOnce),
            "skip" => (true, MisfirePolicy.Skip),
            "run_all" => (true, MisfirePolicy.RunAll),
            _ => (false, default),
        };
        return ok;
    }
}
