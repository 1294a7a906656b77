using System.Globalization;
using System.Text;
using CsCheck;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>
/// Fuzzing of every parser of text: random strings and bytes (invalid UTF-8, surrogates, NUL, huge numbers, deep nesting)
/// and mutations of valid inputs. Each may only throw its documented exception, Parse and TryParse agree, and whatever
/// parses round-trips. The suite runs a few thousand inputs per property; set CODOMYRMEX_FUZZ_ITERATIONS to run more (a
/// failure prints its seed; replay it with CsCheck_Seed).
/// </summary>
public class HostileInputFuzzTests
{
    private static readonly long Iterations =
        long.TryParse(Environment.GetEnvironmentVariable("CODOMYRMEX_FUZZ_ITERATIONS"), CultureInfo.InvariantCulture, out long n) && n > 0 ? n : 3000;

    private static readonly string[] ValidSchedules =
    [
        "*/5 * * * *", "0 9 * * MON-FRI", "30 */5 * * * *", "0 0 L * *", "0 0 15W * *", "0 0 * * 5L", "0 0 * * 1#2", "@daily",
        "@every 30s", "@every 1h30m", "@every 01:30:00", "@every 1d12h", "0 0 29 2 *", "0-59/7 1,2,3 ? JAN-DEC SUN",
    ];

    private static readonly string[] ValidTriggerJson =
    [
        """{"type":"once","run_at":"2026-01-01T09:00:00+01:00"}""",
        """{"type":"interval","seconds":30.5,"minutes":1,"hours":2,"days":1,"start_time":"2026-01-01T00:00:00Z","end_time":"2027-01-01T00:00:00-05:00"}""",
        """{"type":"cron","expression":"0 9 * * 1-5","time_zone":"Europe/Berlin"}""",
        """{"type":"cron","expression":"30 0 9 * * *"}""",
        """{"type":"interval","days":10675198}""",
    ];

    /// <summary>Characters that matter to the parsers, and characters that break naive ones.</summary>
    private const string Alphabet =
        "0123456789*/-,?#@LWlw \t:.ehdmsyEVRYvery{}[]\"\\u:dDF8+-ZT" +
        "\u0660\uFF10\u00A0\u2003\n\r\0\u0130\u0131\uD800\uDC00\uDBFF\uDFFF\uFEFF\uFFFD";

    /// <summary>Bytes that matter to JSON and UTF-8: structure, escapes, digits, and invalid or truncated sequences.</summary>
    private static readonly byte[] InterestingBytes =
        [.. "{}[]\",:\\u0123456789dD8Ee+-. nulltrue"u8, 0x00, 0x7F, 0x80, 0xBF, 0xC0, 0xC1, 0xC3, 0xE2, 0xED, 0xA0, 0xF0, 0xF4, 0xF5, 0xFE, 0xFF];

    private static readonly string[] InterestingTexts =
    [
        "\\ud800", "\\udc00", "\\u0000", "\"\\ud83d\\ude00\"", "1e400", "-0", "99999999999999999999999999999", "0.00000001", "null",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "{\"type\":\"cron\"}", "\"\\\"\"", "10675199",
        "\"9999-12-31T23:59:59-14:00\"", "\"0001-01-01T00:00:00+14:00\"", "\"Mars/Olympus\"", "\"\\/\"", "true",
    ];

    private static Gen<string> Text => Gen.Frequency(
        (3, Gen.Char[Alphabet].Array[0, 60].Select(chars => new string(chars))),
        (1, Gen.String),
        (1, Gen.Char.Array[0, 30].Select(chars => new string(chars))));

    private static Gen<string> Mutated(string[] valid) =>
        from start in Gen.OneOfConst(valid)
        from edits in Gen.Select(Gen.Int[0, 2], Gen.Int[0, 1000], Gen.OneOf(Gen.Char[Alphabet].Select(c => c.ToString()), Gen.OneOfConst(InterestingTexts))).Array[1, 4]
        select Edit(start, edits);

    private static string Edit(string text, (int Kind, int At, string With)[] edits)
    {
        var builder = new StringBuilder(text);
        foreach ((int kind, int at, string with) in edits)
        {
            int index = builder.Length == 0 ? 0 : at % (builder.Length + 1);
            switch (kind)
            {
                case 0:
                    builder.Insert(index, with);
                    break;
                case 1 when index < builder.Length:
                    builder.Remove(index, Math.Min(with.Length, builder.Length - index));
                    break;
                default:
                    builder.Remove(index, Math.Min(1, builder.Length - index)).Insert(index, with);
                    break;
            }
        }

        return builder.ToString();
    }

    private static Gen<byte[]> Bytes => Gen.Frequency(
        (2, Gen.Byte.Array[0, 80]),
        (2, Gen.OneOfConst(InterestingBytes).Array[0, 80]),
        (4, from start in Gen.OneOfConst(ValidTriggerJson)
            from edits in Gen.Select(Gen.Int[0, 2], Gen.Int[0, 1000], Gen.OneOfConst(InterestingBytes).Array[1, 3]).Array[1, 4]
            select EditBytes(Encoding.UTF8.GetBytes(start), edits)),
        (3, Mutated(ValidTriggerJson).Select(text => Encoding.UTF8.GetBytes(text))));

    private static byte[] EditBytes(byte[] bytes, (int Kind, int At, byte[] With)[] edits)
    {
        var list = new List<byte>(bytes);
        foreach ((int kind, int at, byte[] with) in edits)
        {
            int index = at % (list.Count + 1);
            if (kind == 0 || index == list.Count)
            {
                list.InsertRange(index, with);
            }
            else if (kind == 1)
            {
                list.RemoveRange(index, Math.Min(with.Length, list.Count - index));
            }
            else
            {
                list[index] = with[0];
            }
        }

        return [.. list];
    }

    [Fact]
    public void CronExpression_ParseAndTryParse_AgreeOnlyFormatException_AndRoundTrip() =>
        Gen.OneOf(Text, Mutated(ValidSchedules)).Sample(text =>
        {
            foreach (CronFormat format in new[] { CronFormat.Standard, CronFormat.IncludeSeconds })
            {
                bool tried = CronExpression.TryParse(text, format, out CronExpression? fromTry);
                CronExpression parsed;
                try
                {
                    parsed = CronExpression.Parse(text, format);
                }
                catch (FormatException)
                {
                    Assert.False(tried, "TryParse accepted what Parse refused");
                    continue;
                }

                Assert.True(tried, "Parse accepted what TryParse refused");
                Assert.Equal(parsed, fromTry);
                Assert.Equal(parsed, CronExpression.Parse(parsed.ToString(), format));
                _ = parsed.NeverFires;
            }
        }, iter: Iterations);

    [Fact]
    public void TriggersParse_OnlyFormatException_AndCronRoundTrips() =>
        Gen.OneOf(Text, Mutated(ValidSchedules)).Sample(text =>
        {
            Trigger trigger;
            try
            {
                trigger = Triggers.Parse(text, TimeZoneInfo.Utc);
            }
            catch (FormatException)
            {
                return;
            }

            switch (trigger)
            {
                case CronTrigger cron:
                    Assert.Equal(cron.Expression, Assert.IsType<CronTrigger>(Triggers.Parse(cron.Expression.ToString(), TimeZoneInfo.Utc)).Expression);
                    break;
                case IntervalTrigger interval:
                    Assert.True(interval.Interval > TimeSpan.Zero);
                    break;
            }

            Assert.Equal(trigger.ToJson(), Trigger.FromJson(trigger.ToJson()).ToJson());
        }, iter: Iterations);

    [Fact]
    public void TriggerFromJsonUtf8_OnlyFormatException_AndRoundTrips() =>
        Bytes.Sample(bytes =>
        {
            Trigger trigger;
            try
            {
                trigger = Trigger.FromJson(bytes);
            }
            catch (FormatException)
            {
                return;
            }

            string json = trigger.ToJson();
            Assert.Equal(json, Trigger.FromJson(json).ToJson());
            Assert.Equal(json, Trigger.FromJson(Encoding.UTF8.GetBytes(json)).ToJson());
        }, iter: Iterations);

    [Fact]
    public void TriggerFromJsonString_OnlyFormatException_AndRoundTrips() =>
        Gen.OneOf(Text, Mutated(ValidTriggerJson)).Sample(text =>
        {
            Trigger trigger;
            try
            {
                trigger = Trigger.FromJson(text);
            }
            catch (FormatException)
            {
                return;
            }

            string json = trigger.ToJson();
            Assert.Equal(json, Trigger.FromJson(json).ToJson());
        }, iter: Iterations);
}
