namespace Codomyrmex.Scheduler.JobsSchema;

/// <summary>Suggests the known name closest to a misspelt one: "shedule" → "schedule", "workingDir" → "working_dir".</summary>
internal static class Names
{
    public static string? Closest(string name, IEnumerable<string> known)
    {
        string key = Normalize(name);
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string candidate in known)
        {
            int distance = Distance(key, Normalize(candidate));
            if (distance < bestDistance)
            {
                (best, bestDistance) = (candidate, distance);
            }
        }

        // A suggestion only when it is plausibly what was meant: a third of the letters wrong at most.
        return bestDistance <= Math.Max(1, key.Length / 3) ? best : null;
    }

    /// <summary>Case and separators do not count: workingDir, WorkingDir, working-dir and working_dir are one name.</summary>
    private static string Normalize(string name) =>
        new(name.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant).ToArray());

    /// <summary>Edit distance in which swapping two neighbours counts as one edit, as people mistype: "lsit" is one edit from "list".</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (int j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
