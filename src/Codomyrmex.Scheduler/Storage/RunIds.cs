using Codomyrmex.Scheduler.Internal;

namespace Codomyrmex.Scheduler.Storage;

/// <summary>Makes run ids of the shape every store uses: 13 characters of lower-case Crockford base32 holding 64 random bits.</summary>
public static class RunIds
{
    /// <summary>Makes a new run id.</summary>
    /// <returns>A URL-safe id such as <c>0c4x9w2m5e1ra</c>, unique with overwhelming probability.</returns>
    public static string New() => JobIds.Format(JobIds.NewKey());
}
