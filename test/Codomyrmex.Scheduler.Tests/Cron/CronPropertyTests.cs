using System.Globalization;
using System.Text.RegularExpressions;
using CsCheck;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>
/// Properties of the cron engine over random valid expressions (<see cref="CronGen"/>), the zones of
/// <see cref="CronGen.ZoneIds"/> and instants in 1990-2060 near their offset changes, checked against the brute-force
/// <see cref="CronReference"/>. CsCheck prints the seed of any failure; set it with the CsCheck_Seed environment variable
/// to replay it.
/// </summary>
public class CronPropertyTests
{
    /// <summary>How far the reference searches: a whole-minute expression minute by minute, a whole-second one second by second.</summary>
    private static readonly TimeSpan MinuteWindow = TimeSpan.FromHours(12);
    private static readonly TimeSpan SecondWindow = TimeSpan.FromHours(1);

    private const string Alphabet =
        "0123456789012345*/-,?#@LWlw \t\t   JANFEBMONSUNxZ" +
        "\u0660\u0663\u0669\uFF10\uFF15\u0967\u00B2\u00A0\u2003\n\r\0\u00C5\u0130\u0131\uD83D\uDE00\uFEFF";

    [Fact]
    public void GetNextOccurrence_AnyExpression_IsLaterMatchingAndSkipsNothing() =>
        CronGen.Case(cronos: false, dense: false).Sample(CheckNextOccurrence, iter: 8000, print: Print);

    [Fact]
    public void GetNextOccurrence_FrequentExpressionNearOffsetChange_IsLaterMatchingAndSkipsNothing() =>
        CronGen.Case(cronos: false, dense: true).Sample(CheckNextOccurrence, iter: 15_000, print: Print);

    [Fact]
    public void GetOccurrences_FrequentExpressionNearOffsetChange_AreExactlyTheReferenceOccurrences() =>
        CronGen.Case(cronos: false, dense: true).Sample((spec, zoneId, from) =>
        {
            TimeZoneInfo zone = CronReference.Zone(zoneId);
            var expression = CronExpression.Parse(spec.Text, spec.Format);
            DateTimeOffset to = from + Window(spec);
            List<DateTimeOffset> expected = CronReference.All(spec, zone, from, to);
            List<DateTimeOffset> actual = [.. expression.GetOccurrences(from, to, zone)];
            int same = 0;
            while (same < Math.Min(expected.Count, actual.Count) && actual[same].EqualsExact(expected[same]))
            {
                same++;
            }

            Assert.True(same == expected.Count && same == actual.Count,
                $"first difference at #{same}: expected {Show(expected.ElementAtOrDefault(same))}, " +
                $"got {Show(actual.ElementAtOrDefault(same))} " +
                $"({expected.Count} expected, {actual.Count} returned)");
        }, iter: 5000, print: Print);

    [Fact]
    public void GetNextOccurrence_InstantAtTheEdgesOfTime_IsLaterOrNullAndNeverThrows() =>
        (from spec in CronGen.Expression(cronos: false, dense: false)
         from zoneId in CronGen.ZoneId
         from after in Gen.OneOf(
             Gen.Long[0, 3 * TimeSpan.TicksPerDay].Select(ticks => new DateTimeOffset(ticks, TimeSpan.Zero)),
             Gen.Long[0, 40 * TimeSpan.TicksPerDay].Select(ticks => DateTimeOffset.MaxValue.AddTicks(-ticks)),
             Gen.Int[1, 365].Select(days =>
                 new DateTimeOffset(9999, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks((days * TimeSpan.TicksPerDay) - 1)))
         select (spec, zoneId, after)).Sample((spec, zoneId, after) =>
        {
            TimeZoneInfo zone = CronReference.Zone(zoneId);
            var expression = CronExpression.Parse(spec.Text, spec.Format);
            if (expression.GetNextOccurrence(after, zone) is { } next)
            {
                Assert.True(next > after, $"{Show(next)} is not after {Show(after)}");
                Assert.True(CronReference.Fires(spec, zone, next.UtcTicks), $"the expression does not fire at {Show(next)}");
                Assert.Equal(zone.GetUtcOffset(next), next.Offset);
            }
        }, iter: 1000, print: Print);

    [Fact]
    public void ToString_AnyExpression_ParsesBackToAnEqualExpression() =>
        CronGen.Case(cronos: false, dense: false).Sample((spec, zoneId, after) =>
        {
            var expression = CronExpression.Parse(spec.Text, spec.Format);
            string text = expression.ToString();
            var again = CronExpression.Parse(text, spec.Format);
            Assert.Equal(expression, again);
            Assert.Equal(expression.GetHashCode(), again.GetHashCode());
            Assert.Equal(text, again.ToString());
            Assert.True(CronExpression.TryParse(text, spec.Format, out CronExpression? tried) && tried == expression, text);

            // What the text means does not depend on spacing, case, names or macros; and the canonical text keeps the
            // two properties that are not sets of values: the DST rule and the day-of-month/day-of-week rule.
            Assert.Equal(expression, CronExpression.Parse(spec.FieldsText(), spec.Format));
            Assert.Equal(spec.FixedTime, again.IsFixedTime);
            TimeZoneInfo zone = CronReference.Zone(zoneId);
            DateTimeOffset? next = expression.GetNextOccurrence(after, zone);
            DateTimeOffset? nextAgain = again.GetNextOccurrence(after, zone);
            Assert.True(
                Nullable.Equals(next, nextAgain) && next?.Offset == nextAgain?.Offset, $"{text}: {Show(next)} vs {Show(nextAgain)}");
        }, iter: 5000, print: Print);

    [Fact]
    public void TryParse_Garbage_NeverThrowsAndAgreesWithParse() =>
        Garbage.Sample(text =>
        {
            foreach (CronFormat format in (CronFormat[])[CronFormat.Standard, CronFormat.IncludeSeconds])
            {
                bool parsed = CronExpression.TryParse(text, format, out CronExpression? tried);
                Assert.Equal(parsed, tried is not null);
                try
                {
                    var expression = CronExpression.Parse(text, format);
                    Assert.True(parsed, "Parse accepted what TryParse refused");
                    Assert.Equal(tried, expression);
                    Assert.Equal(expression, CronExpression.Parse(expression.ToString(), format));
                    _ = expression.GetNextOccurrence(
                        new DateTimeOffset(2024, 3, 10, 6, 59, 59, TimeSpan.Zero), CronReference.Zone("America/New_York"));
                }
                catch (FormatException e)
                {
                    Assert.False(parsed, "TryParse accepted what Parse refused: " + e.Message);
                    Assert.InRange(e.Message.Length, 20, 600);
                }
            }
        }, iter: 10_000, print: text => text.Length <= 200 ? Escape(text) : $"{Escape(text[..200])}… ({text.Length} characters)");

    [Fact]
    public void Parse_OneBadField_ThrowsFormatExceptionNamingFieldAndToken() =>
        (from spec in CronGen.Expression(cronos: false, dense: false).Where(s => !s.Text.StartsWith('@'))
         from field in Gen.Int[spec.Format == CronFormat.IncludeSeconds ? 0 : 1, 5]
         from bad in Gen.OneOfConst(BadTokens(field))
         select (spec, field, bad)).Sample((spec, field, bad) =>
        {
            string?[] fields =
                [spec.Second?.Text, spec.Minute.Text, spec.Hour.Text, spec.DayOfMonth.Text, spec.Month.Text, spec.DayOfWeek.Text];
            fields[field] = bad;
            string text = string.Join(' ', fields.OfType<string>());
            Assert.False(CronExpression.TryParse(text, spec.Format, out _));
            FormatException error = Assert.Throws<FormatException>(() => CronExpression.Parse(text, spec.Format));
            string name = FieldNames[field];
            int reason = error.Message.IndexOf("is invalid: ", StringComparison.Ordinal);
            Assert.True(reason > 0, error.Message);
            string detail = error.Message[reason..];
            Assert.Matches($@"(?<![\w-]){Regex.Escape(name)} field", detail);
            Assert.Contains(
                Regex.Matches(detail, "'([^']+)'").Select(m => m.Groups[1].Value), token => bad.Contains(token, StringComparison.Ordinal));
        }, iter: 3000, print: t => $"{t.Item1} with the {FieldNames[t.Item2]} field replaced by \"{t.Item3}\"");

    private static readonly string[] FieldNames = ["second", "minute", "hour", "day-of-month", "month", "day-of-week"];

    private static Gen<string> Garbage =>
        Gen.Frequency(
            (4, Gen.Char[Alphabet].Array[0, 40].Select(chars => new string(chars))),
            (6, from spec in CronGen.Expression(cronos: false, dense: false)
                from edits in Gen.Select(Gen.Int[0, 3], Gen.Int[0, 1000], Gen.Char[Alphabet]).Array[1, 3]
                select Mutate(spec.Text, edits)),
            (1, Gen.OneOf(
                Gen.Int[1, 60_000].Select(n => string.Concat(Enumerable.Repeat("* ", n))),
                Gen.Int[5, 100_000].Select(n => new string('1', n) + " * * * *"),
                Gen.Int[1, 20_000].Select(n => string.Join(',', Enumerable.Repeat("1-5/2", n)) + " * * * *"),
                Gen.Int[1, 50_000].Select(n => "0 0 " + new string('L', n) + " * *"),
                Gen.Int[1, 50_000].Select(n => "0 0 * * " + new string('#', n)),
                Gen.Int[1, 50_000].Select(n => "@" + new string('y', n)),
                Gen.Char[Alphabet].Array[1_000, 20_000].Select(chars => new string(chars)))));

    /// <summary>Edits: 0 inserts a character, 1 replaces one, 2 deletes one, 3 duplicates the text around a space.</summary>
    private static string Mutate(string text, (int Kind, int Position, char Character)[] edits)
    {
        foreach ((int kind, int position, char character) in edits)
        {
            int at = text.Length == 0 ? 0 : position % (text.Length + (kind == 0 ? 1 : 0));
            text = kind switch
            {
                0 => text.Insert(at, character.ToString()),
                1 when at < text.Length => text[..at] + character + text[(at + 1)..],
                2 when at < text.Length => text.Remove(at, 1),
                3 => text[..at] + " " + text[at..] + " " + text[at..],
                _ => text,
            };
        }

        return text;
    }

    /// <summary>Tokens that are wrong in one field, by field index (0 = second … 5 = day-of-week).</summary>
    private static string[] BadTokens(int field)
    {
        (int min, int max, int stepLimit) = field switch
        {
            0 or 1 => (0, 59, 60),
            2 => (0, 23, 24),
            3 => (1, 31, 31),
            4 => (1, 12, 12),
            _ => (0, 7, 7),
        };
        string Of(int value) => value.ToString(CultureInfo.InvariantCulture);
        var tokens = new List<string>
        {
            Of(max + 1), Of(min) + "-" + Of(max + 1), Of(max + 1) + "-" + Of(min), "*/0", Of(min) + "/0", "*/" + Of(stepLimit + 1),
            "1-", "-1", "1,,2", ",1", "1,", "5x", "x", "\u0661", "\uFF15", "1-2-3", "**", "*/", "1//2", "1/2/3", "01234", "99999",
            "1--2", "*/99999", "1-2/", "\u0661-2", "1,2-\uFF13",
        };
        if (min > 0)
        {
            tokens.Add(Of(min - 1));
        }

        tokens.AddRange(field switch
        {
            0 or 1 or 2 => ["?", "?/2", "L", "MON", "JAN", "5W", "1#2"],
            3 => ["L-31", "L-", "32W", "0W", "W", "L,1", "1,LW", "LW5", "1-5W", "LL", "MON", "1#2", "5L"],
            4 => ["?", "L", "FOO", "JANUARY", "MON", "JA"],
            _ => ["5#6", "5#0", "8L", "1-5L", "#2", "5#", "1,5L", "L", "8#1", "FOO", "SUNDAY", "JAN", "MO", "5#1L", "LW"],
        });
        return [.. tokens];
    }

    private static void CheckNextOccurrence(CronSpec spec, string zoneId, DateTimeOffset after)
    {
        TimeZoneInfo zone = CronReference.Zone(zoneId);
        var expression = CronExpression.Parse(spec.Text, spec.Format);
        DateTimeOffset? actual = expression.GetNextOccurrence(after, zone);
        if (actual is { } next)
        {
            Assert.True(next > after, $"(a) {Show(next)} is not after {Show(after)}");
            Assert.True(CronReference.Fires(spec, zone, next.UtcTicks), $"(b) the expression does not fire at {Show(next)}");
            Assert.Equal(CronReference.Offset(zone, next.UtcTicks), next.Offset.Ticks);
        }
        else
        {
            Assert.False(CronReference.AnyDay(spec, after.Year), "no occurrence was returned, but some day matches");
        }

        TimeSpan window = Window(spec);
        DateTimeOffset? expected = CronReference.Next(spec, zone, after, window);
        if (expected is { } first)
        {
            Assert.True(actual is { } a && a.EqualsExact(first), $"(c) expected {Show(first)}, got {Show(actual)}");
        }
        else
        {
            Assert.True(
                actual is null || actual > after + window, $"(c) {Show(actual)} does not fire, nothing does until {Show(after + window)}");
        }
    }

    private static TimeSpan Window(CronSpec spec) => spec.Format == CronFormat.IncludeSeconds ? SecondWindow : MinuteWindow;

    private static string Print((CronSpec Spec, string ZoneId, DateTimeOffset After) t) => $"{t.Spec} in {t.ZoneId} after {Show(t.After)}";

    private static string Show(DateTimeOffset? instant) =>
        instant?.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture) ?? "null";

    private static string Escape(string text) =>
        string.Concat(text.Select(c => c is >= ' ' and < '\u007F' ? c.ToString() : $"\\u{(int)c:X4}"));
}
