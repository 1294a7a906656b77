namespace Codomyrmex.Scheduler.Cli.Jobs;

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

    /// <summary>Levenshtein distance with one row.</summary>
    private static int Distance(string a, string b)
    {
        var row = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            row[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }

        return row[b.Length];
    }
}
