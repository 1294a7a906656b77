using System.Diagnostics.CodeAnalysis;

namespace Codomyrmex.Scheduler.Internal;

/// <summary>
/// The text of the job policies in jobs files, configuration and the CLI: overlap <c>skip</c>, <c>queue</c>, <c>allow</c>
/// and misfire <c>run_once</c>, <c>skip</c>, <c>run_all</c> (snake_case, read in any case).
/// </summary>
internal static class PolicyText
{
    private static readonly Names<OverlapPolicy> Overlap = new(
        "overlap", [("skip", OverlapPolicy.Skip), ("queue", OverlapPolicy.Queue), ("allow", OverlapPolicy.Allow)]);

    private static readonly Names<MisfirePolicy> Misfire = new(
        "misfire", [("run_once", MisfirePolicy.RunOnce), ("skip", MisfirePolicy.Skip), ("run_all", MisfirePolicy.RunAll)]);

    /// <summary>Parses an overlap policy.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="FormatException">The text is not an overlap policy; the message names it and lists the values.</exception>
    public static OverlapPolicy ParseOverlap(string text) => Overlap.Parse(text);

    /// <summary>Tries to parse an overlap policy.</summary>
    public static bool TryParseOverlap([NotNullWhen(true)] string? text, out OverlapPolicy value) => Overlap.TryParse(text, out value);

    /// <summary>Writes an overlap policy as <see cref="ParseOverlap"/> reads it.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is not a defined policy.</exception>
    public static string Format(OverlapPolicy value) => Overlap.Format(value);

    /// <summary>Parses a misfire policy.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="FormatException">The text is not a misfire policy; the message names it and lists the values.</exception>
    public static MisfirePolicy ParseMisfire(string text) => Misfire.Parse(text);

    /// <summary>Tries to parse a misfire policy.</summary>
    public static bool TryParseMisfire([NotNullWhen(true)] string? text, out MisfirePolicy value) => Misfire.TryParse(text, out value);

    /// <summary>Writes a misfire policy as <see cref="ParseMisfire"/> reads it.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is not a defined policy.</exception>
    public static string Format(MisfirePolicy value) => Misfire.Format(value);

    /// <summary>The names of one policy enum, and the list of them that error messages show.</summary>
    private sealed class Names<T>(string kind, (string Text, T Value)[] names)
        where T : struct, Enum
    {
        private readonly string _allowed = string.Join(", ", names[..^1].Select(n => n.Text)) + " or " + names[^1].Text;

        public T Parse(string text)
        {
            ArgumentNullException.ThrowIfNull(text);
            return TryParse(text, out T value)
                ? value
                : throw new FormatException($"The {kind} policy \"{text}\" is not valid; use {_allowed}.");
        }

        public bool TryParse([NotNullWhen(true)] string? text, out T value)
        {
            foreach ((string name, T candidate) in names)
            {
                if (string.Equals(text, name, StringComparison.OrdinalIgnoreCase))
                {
                    value = candidate;
                    return true;
                }
            }

            value = default;
            return false;
        }

        public string Format(T value)
        {
            foreach ((string name, T candidate) in names)
            {
                if (EqualityComparer<T>.Default.Equals(value, candidate))
                {
                    return name;
                }
            }

            throw new ArgumentOutOfRangeException(nameof(value), value, $"Not a {kind} policy; the policies are {_allowed}.");
        }
    }
}
