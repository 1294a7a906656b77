using System.Text;
using System.Text.Json;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>Malformed trigger JSON: every case is a <see cref="FormatException"/> that names the problem, through every overload.</summary>
public class TriggerJsonHostileTests
{
    private const string Cron = """{"type":"cron","expression":"0 9 * * *"}""";

    /// <summary>UTF-8 bytes written as a C# string whose chars below 0x100 are the bytes themselves (so "\xE9" is one byte).</summary>
    private static byte[] Bytes(string latin1) => Encoding.Latin1.GetBytes(latin1);

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static TheoryData<string, byte[], string> Cases()
    {
        var deep = new string('[', 200) + new string(']', 200);
        return new TheoryData<string, byte[], string>
        {
            // Encodings.
            { "Latin-1 byte in a zone", Bytes("{\"type\":\"cron\",\"expression\":\"0 9 * * *\",\"time_zone\":\"Europe/Par\xE9s\"}"), "\"time_zone\" is not valid text" },
            { "Latin-1 byte in the type", Bytes("{\"type\":\"cr\xE9n\"}"), "\"type\" is not valid text" },
            { "truncated UTF-8 sequence", Bytes("{\"type\":\"cron\",\"expression\":\"0 9 * * \xE2\x82\"}"), "\"expression\" is not valid text" },
            { "overlong UTF-8 encoding", Bytes("{\"type\":\"cron\",\"expression\":\"\xC0\xAF\"}"), "\"expression\" is not valid text" },
            { "escaped lone high surrogate", Utf8("""{"type":"cron","expression":"\ud800"}"""), "\"expression\" is not valid text" },
            { "escaped lone low surrogate", Utf8("""{"type":"once","run_at":"2026-01-01T00:00:00Z\udc00"}"""), "\"run_at\" is not valid text" },
            { "escaped lone surrogate in a name", Utf8("""{"type":"cron","expression":"* * * * *","\ud800":1}"""), "the name of a field, 1, is not valid text" },
            { "invalid UTF-8 in a name", Bytes("{\"type\":\"interval\",\"sec\xFFonds\":1}"), "the name of a field, 1, is not valid text" },
            { "invalid UTF-8 in an unread value", Bytes("{\"type\":\"interval\",\"seconds\":\"\xFF\"}"), "\"seconds\" must be a number" },
            { "NUL in the expression", Utf8("""{"type":"cron","expression":"0 9 * * *\u0000"}"""), "\"expression\" is invalid" },
            { "empty input", [], "not valid JSON" },
            { "only a byte order mark", [0xEF, 0xBB, 0xBF], "not valid JSON" },
            // Sizes and nesting.
            { "deep nesting", Utf8(deep), "not valid JSON" },
            { "deep nesting in a field", Utf8("{\"type\":\"cron\",\"expression\":" + deep + "}"), "not valid JSON" },
            { "a megabyte expression", Utf8("{\"type\":\"cron\",\"expression\":\"" + new string('1', 1 << 20) + "\"}"), "\"expression\" is invalid" },
            // Types.
            { "an array", Utf8("[]"), "must be an object" },
            { "null", Utf8("null"), "must be an object" },
            { "a string", Utf8("\"cron\""), "must be an object" },
            { "type a number", Utf8("""{"type":5}"""), "\"type\" must be a string" },
            { "type missing", Utf8("{}"), "\"type\" is missing" },
            { "unknown type", Utf8("""{"type":"weekly"}"""), "unknown type \"weekly\"" },
            { "seconds a string", Utf8("""{"type":"interval","seconds":"5"}"""), "\"seconds\" must be a number" },
            { "seconds true", Utf8("""{"type":"interval","seconds":true}"""), "\"seconds\" must be a number" },
            { "expression an array", Utf8("""{"type":"cron","expression":["*"]}"""), "\"expression\" must be a string" },
            { "zone an object", Utf8("""{"type":"cron","expression":"* * * * *","time_zone":{}}"""), "\"time_zone\" must be a string" },
            { "run_at a number", Utf8("""{"type":"once","run_at":1767225600}"""), "\"run_at\" must be an ISO 8601" },
            // Duplicates.
            { "a field twice", Utf8("""{"type":"cron","expression":"* * * * *","expression":"0 0 * * *"}"""), "\"expression\" is given more than once" },
            { "type twice", Utf8("""{"type":"once","type":"cron","expression":"* * * * *"}"""), "\"type\" is given more than once" },
            { "an unknown field", Utf8("""{"type":"interval","seconds":1,"weeks":1}"""), "unknown field \"weeks\"" },
            // Ranges and overflows.
            { "seconds 1e400", Utf8("""{"type":"interval","seconds":1e400}"""), "longer than the longest TimeSpan" },
            { "days past TimeSpan", Utf8("""{"type":"interval","days":10675200}"""), "longer than the longest TimeSpan" },
            { "parts that add up past TimeSpan", Utf8("""{"type":"interval","days":10675199,"hours":23,"minutes":59,"seconds":60}"""), "longer than the longest TimeSpan" },
            { "a huge integer", Utf8("{\"type\":\"interval\",\"minutes\":" + new string('9', 400) + "}"), "longer than the longest TimeSpan" },
            { "negative seconds", Utf8("""{"type":"interval","seconds":-1}"""), "must not be negative" },
            { "negative zero", Utf8("""{"type":"interval","seconds":-0}"""), "must be positive" },
            { "less than a tick", Utf8("""{"type":"interval","seconds":0.00000001}"""), "must be positive" },
            { "year 10000", Utf8("""{"type":"once","run_at":"10000-01-01T00:00:00Z"}"""), "\"run_at\" must be an ISO 8601" },
            { "past the last instant in UTC", Utf8("""{"type":"once","run_at":"9999-12-31T23:59:59-14:00"}"""), "\"run_at\" must be an ISO 8601" },
            { "before the first instant in UTC", Utf8("""{"type":"once","run_at":"0001-01-01T00:00:00+14:00"}"""), "\"run_at\" must be an ISO 8601" },
            { "offset beyond 14 hours", Utf8("""{"type":"once","run_at":"2026-01-01T00:00:00+15:00"}"""), "\"run_at\" must be an ISO 8601" },
            { "no offset", Utf8("""{"type":"once","run_at":"2026-01-01T00:00:00"}"""), "\"run_at\" must be an ISO 8601" },
            { "end before start", Utf8("""{"type":"interval","seconds":1,"start_time":"2026-01-02T00:00:00Z","end_time":"2026-01-01T00:00:00Z"}"""), "is before \"start_time\"" },
            { "an invalid expression", Utf8("""{"type":"cron","expression":"61 * * * *"}"""), "\"expression\" is invalid" },
            { "an unknown zone", Utf8("""{"type":"cron","expression":"* * * * *","time_zone":"Mars/Olympus"}"""), "unknown time zone \"Mars/Olympus\"" },
            { "a zone with a path", Utf8("""{"type":"cron","expression":"* * * * *","time_zone":"../../etc/passwd"}"""), "unknown time zone" },
            // Not JSON.
            { "trailing garbage", Utf8(Cron + " x"), "not valid JSON" },
            { "two objects", Utf8(Cron + Cron), "not valid JSON" },
            { "a comment", Utf8("/*x*/" + Cron), "not valid JSON" },
            { "single quotes", Utf8("{'type':'cron'}"), "not valid JSON" },
        };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void FromJsonUtf8_HostileInput_FormatExceptionNamingTheProblem(string name, byte[] utf8, string expected)
    {
        _ = name;
        AssertRefused(() => Trigger.FromJson(utf8), expected);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void FromJsonString_HostileInput_FormatExceptionNamingTheProblem(string name, byte[] utf8, string expected)
    {
        _ = name;
        // A .NET string cannot hold invalid UTF-8: decoding puts U+FFFD in its place, which the reader then sees as text.
        string text = Encoding.UTF8.GetString(utf8);
        if (!Encoding.UTF8.GetBytes(text).AsSpan().SequenceEqual(utf8))
        {
            Assert.ThrowsAny<FormatException>(() => Trigger.FromJson(text));
            return;
        }

        AssertRefused(() => Trigger.FromJson(text), expected);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void FromJsonElement_HostileInput_FormatExceptionNamingTheProblem(string name, byte[] utf8, string expected)
    {
        _ = name;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8);
        }
        catch (JsonException)
        {
            // Not JSON at all: the caller's parser refuses it before any trigger is read.
            return;
        }

        using (document)
        {
            AssertRefused(() => Trigger.FromJson(document.RootElement), expected);
        }
    }

    [Theory]
    [InlineData("{\"type\":\"cron\",\"expression\":\"{0}\"}", 0xD800, "lone surrogate (\\ud800) at index 29")]
    [InlineData("{\"type\":\"cron\",\"expression\":\"* * * * *{0}\"}", 0xDFFF, "lone surrogate (\\udfff) at index 38")]
    [InlineData("{\"type\":\"once\",\"{0}\":1}", 0xDBFF, "lone surrogate (\\udbff) at index 16")]
    public void FromJsonString_RawLoneSurrogate_FormatExceptionWithItsIndex(string template, int surrogate, string expected)
    {
        // Built here: test data is serialized, which would turn the lone surrogate into U+FFFD.
        string json = template.Replace("{0}", ((char)surrogate).ToString(), StringComparison.Ordinal);
        AssertRefused(() => Trigger.FromJson(json), expected);
    }

    [Fact]
    public void FromJsonUtf8_ByteOrderMark_IsSkipped()
    {
        byte[] utf8 = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(Cron)];
        Assert.Equal("0 9 * * *", Assert.IsType<CronTrigger>(Trigger.FromJson(utf8)).Expression.ToString());
    }

    [Fact]
    public void FromJsonElement_Default_FormatException() =>
        AssertRefused(() => Trigger.FromJson(default(JsonElement)), "must be an object");

    /// <summary>Exactly a <see cref="FormatException"/>, naming the problem in a message of a sensible length, without a stack trace.</summary>
    internal static void AssertRefused(Action action, string expected)
    {
        FormatException error = Assert.Throws<FormatException>(action);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Length < 2000, $"The message is {error.Message.Length} characters long.");
    }
}
