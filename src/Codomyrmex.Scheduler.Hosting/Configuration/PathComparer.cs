using System.Globalization;

namespace Codomyrmex.Scheduler.Hosting.Configuration;

/// <summary>Orders configuration paths as the configuration does: segment by segment, numbers by value (<c>Jobs:2</c> before <c>Jobs:10</c>).</summary>
internal sealed class PathComparer : IComparer<string>
{
    public static readonly PathComparer Instance = new();

    public int Compare(string? x, string? y)
    {
        string[] left = (x ?? string.Empty).Split(':');
        string[] right = (y ?? string.Empty).Split(':');
        for (int i = 0; i < Math.Min(left.Length, right.Length); i++)
        {
            int order = int.TryParse(left[i], NumberStyles.None, CultureInfo.InvariantCulture, out int a)
                && int.TryParse(right[i], NumberStyles.None, CultureInfo.InvariantCulture, out int b)
                ? a.CompareTo(b)
                : string.Compare(left[i], right[i], StringComparison.OrdinalIgnoreCase);
            if (order != 0)
            {
                return order;
            }
        }

        return left.Length.CompareTo(right.Length);
    }
}
