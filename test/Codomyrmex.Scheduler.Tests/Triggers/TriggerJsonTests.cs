using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CsCheck;

namespace Codomyrmex.Scheduler.Tests;

public class TriggerJsonTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Instants around the 2026 daylight-saving changes of New York and Berlin, and far from any.</summary>
    private static readonly DateTimeOffset[] Probes =
    [
        Now,
        new(2026, 3, 8, 6, 59, 59, TimeSpan.Zero),
        new(2026, 3, 29, 0, 30, 0, TimeSpan.Zero),
        new(2026, 10, 25, 0, 59, 0, TimeSpan.Zero),
        new(2026, 11, 1, 5, 30, 0, TimeSpan.Zero),
        new(2031, 7, 4, 23, 59, 59, TimeSpan.FromHours(-4)),
    ];

    [Fact]
    public void ToJson_Once_IsTheDocumentedShape()
    {
        var trigger = new OnceTrigger(new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.FromHours(1)));
        Assert.Equal("""{"type":"once","run_at":"2026-01-01T09:00:00+01:00"}""", trigger.ToJson());
        AssertRoundTrips(trigger);
    }

    [Fact]
    public void FromJson_Once_KeepsTheOffsetAndFraction()
    {
        var trigger = Assert.IsType<OnceTrigger>(Trigger.FromJson("""{"type":"once","run_at":"2026-01-01T09:00:00.1234567-05:30"}"""));
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.FromMinutes(-330)).AddTicks(1234567), trigger.RunAt);
        Assert.Equal(TimeSpan.FromMinutes(-330), trigger.RunAt.Offset);
    }

    [Fact]
    public void FromJson_OnceInUtc_AcceptsZ()
    {
        var trigger = Assert.IsType<OnceTrigger>(Trigger.FromJson("""{"type":"once","run_at":"2026-01-01T09:00:00Z"}"""));
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.Zero), trigger.RunAt);
    }

    [Theory]
    [InlineData(30 * TimeSpan.TicksPerSecond, """{"type":"interval","seconds":30}""")]
    [InlineData(90 * TimeSpan.TicksPerMinute, """{"type":"interval","minutes":30,"hours":1}""")]
    [InlineData(36 * TimeSpan.TicksPerHour, """{"type":"interval","hours":12,"days":1}""")]
    [InlineData(TimeSpan.TicksPerDay + TimeSpan.TicksPerSecond, """{"type":"interval","seconds":1,"days":1}""")]
    [InlineData(1500 * TimeSpan.TicksPerMillisecond, """{"type":"interval","seconds":1.5}""")]
    [InlineData(TimeSpan.TicksPerMinute + 1, """{"type":"interval","seconds":0.0000001,"minutes":1}""")]
    [InlineData(TimeSpan.TicksPerHour + (59 * TimeSpan.TicksPerSecond) + 9_999_999, """{"type":"interval","seconds":59.9999999,"hours":1}""")]
    public void ToJson_Interval_SplitsIntoPartsAndLeavesOutZeros(long ticks, string json)
    {
        var trigger = new IntervalTrigger(TimeSpan.FromTicks(ticks));
        Assert.Equal(json, trigger.ToJson());
        Assert.Equal(ticks, Assert.IsType<IntervalTrigger>(Trigger.FromJson(json)).Interval.Ticks);
    }

    [Fact]
    public void ToJson_LongestInterval_RoundTrips() => AssertRoundTrips(new IntervalTrigger(TimeSpan.MaxValue));

    [Fact]
    public void ToJson_IntervalWithStartAndEnd_WritesBothWithTheirOffsets()
    {
        var trigger = new IntervalTrigger(
            TimeSpan.FromMinutes(15),
            new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.FromHours(1)),
            new DateTimeOffset(2026, 1, 2, 9, 0, 0, TimeSpan.FromHours(-5)));
        Assert.Equal(
            """{"type":"interval","minutes":15,"start_time":"2026-01-01T09:00:00+01:00","end_time":"2026-01-02T09:00:00-05:00"}""",
            trigger.ToJson());
        AssertRoundTrips(trigger);
    }

    [Fact]
    public void ToJson_BoundInterval_KeepsTheAnchorExactly()
    {
        DateTimeOffset scheduledAt = Now.AddTicks(1234567).ToOffset(TimeSpan.FromHours(5.5));
        Trigger bound = Triggers.Every(minutes: 7).Bind(scheduledAt, Zones.Kolkata);
        Assert.Equal("""{"type":"interval","minutes":7,"start_time":"2026-03-01T17:30:00.1234567+05:30"}""", bound.ToJson());
        Trigger back = AssertRoundTrips(bound);
        Assert.Equal(scheduledAt.AddMinutes(7 * 1000), back.GetNextRun(scheduledAt.AddMinutes((7 * 1000) - 1)));
    }

    [Fact]
    public void FromJson_Interval_AddsUpAnyCombinationOfParts()
    {
        Assert.Equal(TimeSpan.FromMinutes(90), ReadInterval("""{"type":"interval","hours":1.5}"""));
        Assert.Equal(TimeSpan.FromSeconds(150), ReadInterval("""{"type":"interval","minutes":1,"seconds":90}"""));
        Assert.Equal(new TimeSpan(2, 3, 4, 5), ReadInterval("""{"days":2,"seconds":5,"hours":3,"type":"interval","minutes":4}"""));
        Assert.Equal(TimeSpan.FromDays(0.5), ReadInterval("""{"type":"interval","days":0.5,"hours":0,"seconds":null}"""));
    }

    [Fact]
    public void FromJson_IntervalFinerThanATick_RoundsToTheTick() =>
        Assert.Equal(2, ReadInterval("""{"type":"interval","seconds":0.00000015}""").Ticks);

    [Fact]
    public void FromJson_NullTimes_CountAsAbsent()
    {
        var trigger = Assert.IsType<IntervalTrigger>(
            Trigger.FromJson("""{"type":"interval","minutes":5,"start_time":null,"end_time":null}"""));
        Assert.Null(trigger.StartTime);
        Assert.Null(trigger.EndTime);
    }

    [Fact]
    public void ToJson_CronWithoutZone_LeavesOutTheZone()
    {
        CronTrigger trigger = Triggers.Cron("0 9 * * MON-FRI");
        Assert.Equal("""{"type":"cron","expression":"0 9 * * 1-5"}""", trigger.ToJson());
        var back = Assert.IsType<CronTrigger>(AssertRoundTrips(trigger));
        Assert.Null(back.TimeZone);
    }

    public static TheoryData<string> ZoneIds => ["America/New_York", "Europe/Berlin", "Asia/Kolkata"];

    [Theory]
    [MemberData(nameof(ZoneIds))]
    public void ToJson_CronInAZone_WritesTheIanaIdAndRoundTrips(string zoneId)
    {
        TimeZoneInfo zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        CronTrigger trigger = Triggers.Cron("30 1-3 * * *", zone);
        Assert.Equal($$"""{"type":"cron","expression":"30 1-3 * * *","time_zone":"{{zoneId}}"}""", trigger.ToJson());
        var back = Assert.IsType<CronTrigger>(AssertRoundTrips(trigger));
        Assert.Equal(zoneId, back.TimeZone?.Id);
    }

    [Theory]
    [MemberData(nameof(ZoneIds))]
    public void ToJson_CronBoundToTheSchedulersZone_RoundTrips(string zoneId)
    {
        TimeZoneInfo zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        Trigger bound = Triggers.Cron("0 */2 * * *").Bind(Now, zone);
        Assert.Contains($"\"time_zone\":\"{zoneId}\"", bound.ToJson(), StringComparison.Ordinal);
        AssertRoundTrips(bound);
    }

    [Fact]
    public void ToJson_CronWithSeconds_HasSixFieldsAndKeepsTheSecondsFormat()
    {
        var trigger = CronTrigger.FromExpression("15,45 0 9 * * 1-5", Zones.Berlin, CronFormat.IncludeSeconds);
        Assert.Equal("""{"type":"cron","expression":"15,45 0 9 * * 1-5","time_zone":"Europe/Berlin"}""", trigger.ToJson());
        var back = Assert.IsType<CronTrigger>(AssertRoundTrips(trigger));
        Assert.Equal(CronFormat.IncludeSeconds, back.Expression.Format);
        Assert.Equal(new DateTimeOffset(2026, 3, 2, 9, 0, 15, TimeSpan.FromHours(1)), back.GetNextRun(Now));
    }

    [Fact]
    public void ToJson_MacroWithSeconds_IsWrittenAsSixFields()
    {
        var trigger = CronTrigger.FromExpression("@daily", format: CronFormat.IncludeSeconds);
        Assert.Equal("""{"type":"cron","expression":"0 0 0 * * *"}""", trigger.ToJson());
        Assert.Equal(CronFormat.IncludeSeconds, Assert.IsType<CronTrigger>(AssertRoundTrips(trigger)).Expression.Format);
    }

    [Fact]
    public void FromJson_CronMacro_IsStandard()
    {
        var trigger = Assert.IsType<CronTrigger>(Trigger.FromJson("""{"type":"cron","expression":"@hourly","time_zone":"Asia/Kolkata"}"""));
        Assert.Equal("0 * * * *", trigger.Expression.ToString());
        Assert.Same(Zones.Kolkata, trigger.TimeZone);
    }

    [Fact]
    public void ToJson_WindowsZoneId_IsWrittenAsIana()
    {
        TimeZoneInfo windows = TimeZoneInfo.FindSystemTimeZoneById("W. Europe Standard Time");
        Assert.False(windows.HasIanaId);
        CronTrigger trigger = Triggers.Cron("0 9 * * *", windows);
        Assert.Equal("""{"type":"cron","expression":"0 9 * * *","time_zone":"Europe/Berlin"}""", trigger.ToJson());
        Assert.Equal(trigger.GetNextRun(Probes[2]), Trigger.FromJson(trigger.ToJson()).GetNextRun(Probes[2]));
    }

    [Fact]
    public void ToJson_CustomZone_ThrowsNotSupportedNamingIt()
    {
        var custom = TimeZoneInfo.CreateCustomTimeZone("Office/Shift", TimeSpan.FromHours(3), "Shift", "Shift");
        var error = Assert.Throws<NotSupportedException>(() => Triggers.Cron("0 9 * * *", custom).ToJson());
        Assert.Contains("\"Office/Shift\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToJson_CharactersThatAreNotHtmlSafe_AreNotEscaped() =>
        Assert.Equal(
            """{"type":"cron","expression":"0 9 * * *","time_zone":"Etc/GMT+5"}""",
            Triggers.Cron("0 9 * * *", TimeZoneInfo.FindSystemTimeZoneById("Etc/GMT+5")).ToJson());

    [Fact]
    public void WriteTo_WritesOneValueIntoTheCallersDocument()
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("name", "backup");
            writer.WritePropertyName("trigger");
            Triggers.Every(minutes: 5).WriteTo(writer);
            writer.WriteEndObject();
        }

        string json = Encoding.UTF8.GetString(buffer.WrittenSpan);
        Assert.Equal("""{"name":"backup","trigger":{"type":"interval","minutes":5}}""", json);
        using var document = JsonDocument.Parse(json);
        var back = Assert.IsType<IntervalTrigger>(Trigger.FromJson(document.RootElement.GetProperty("trigger")));
        Assert.Equal(TimeSpan.FromMinutes(5), back.Interval);
    }

    [Fact]
    public void WriteTo_NullWriter_Throws() =>
        Assert.Throws<ArgumentNullException>(() => Triggers.Every(minutes: 5).WriteTo(null!));

    [Fact]
    public void FromJson_NullText_Throws() => Assert.Throws<ArgumentNullException>(() => Trigger.FromJson((string)null!));

    [Theory]
    [InlineData("""{"type":"interval","minutes":"abc"}""", """Trigger JSON: "minutes" must be a number, not "abc".""")]
    [InlineData("""{"type":"interval","days":true}""", """Trigger JSON: "days" must be a number, not true.""")]
    [InlineData("""{"type":"weekly"}""", """Trigger JSON: unknown type "weekly"; expected once, interval or cron.""")]
    [InlineData("""{"type":"Once","run_at":"2026-01-01T09:00:00Z"}""", """Trigger JSON: unknown type "Once"; expected once, interval or cron.""")]
    [InlineData("""{"minutes":5}""", """Trigger JSON: "type" is missing; expected once, interval or cron.""")]
    [InlineData("""{"type":null}""", """Trigger JSON: "type" is missing; expected once, interval or cron.""")]
    [InlineData("""{"type":2}""", """Trigger JSON: "type" must be a string, not 2.""")]
    [InlineData("""["once"]""", """Trigger JSON: a trigger must be an object such as {"type":"interval","minutes":5}, not ["once"].""")]
    [InlineData("\"@daily\"", """Trigger JSON: a trigger must be an object such as {"type":"interval","minutes":5}, not "@daily".""")]
    [InlineData("""{"type":"once"}""", """Trigger JSON: "run_at" is missing from a once trigger.""")]
    [InlineData("""{"type":"once","run_at":null}""", """Trigger JSON: "run_at" is missing from a once trigger.""")]
    [InlineData(
        """{"type":"once","run_at":"2026-01-01T09:00:00"}""",
        """Trigger JSON: "run_at" must be an ISO 8601 date and time with a UTC offset, such as "2026-01-01T09:00:00+01:00", not "2026-01-01T09:00:00".""")]
    [InlineData(
        """{"type":"once","run_at":"tomorrow"}""",
        """Trigger JSON: "run_at" must be an ISO 8601 date and time with a UTC offset, such as "2026-01-01T09:00:00+01:00", not "tomorrow".""")]
    [InlineData(
        """{"type":"interval","minutes":5,"start_time":1767225600}""",
        """Trigger JSON: "start_time" must be an ISO 8601 date and time with a UTC offset, such as "2026-01-01T09:00:00+01:00", not 1767225600.""")]
    [InlineData("""{"type":"interval","minutes":-5}""", """Trigger JSON: "minutes" must not be negative, not -5.""")]
    [InlineData("""{"type":"interval","hours":1,"seconds":-1}""", """Trigger JSON: "seconds" must not be negative, not -1.""")]
    [InlineData("""{"type":"interval","minutes":0}""", """Trigger JSON: the interval must be positive, but seconds, minutes, hours and days add up to 0.""")]
    [InlineData("""{"type":"interval"}""", """Trigger JSON: the interval must be positive, but seconds, minutes, hours and days add up to 0.""")]
    [InlineData("""{"type":"interval","seconds":0.00000001}""", """Trigger JSON: the interval must be positive, but seconds, minutes, hours and days add up to 0.""")]
    [InlineData(
        """{"type":"interval","days":1e30}""",
        """Trigger JSON: "days" is 1e30, which makes the interval longer than the longest TimeSpan.""")]
    [InlineData("""{"type":"interval","days":10675199,"hours":5}""", """Trigger JSON: the interval is longer than the longest TimeSpan.""")]
    [InlineData(
        """{"type":"interval","minutes":5,"start_time":"2026-01-02T00:00:00Z","end_time":"2026-01-01T00:00:00Z"}""",
        """Trigger JSON: "end_time" 2026-01-01T00:00:00.0000000+00:00 is before "start_time" 2026-01-02T00:00:00.0000000+00:00.""")]
    [InlineData(
        """{"type":"interval","minutse":5}""",
        """Trigger JSON: unknown field "minutse" in an interval trigger; expected seconds, minutes, hours, days, start_time, end_time.""")]
    [InlineData(
        """{"type":"once","run_at":"2026-01-01T09:00:00Z","time_zone":"Europe/Berlin"}""",
        """Trigger JSON: unknown field "time_zone" in a once trigger; expected run_at.""")]
    [InlineData(
        """{"type":"cron","expression":"0 9 * * *","timezone":"Europe/Berlin"}""",
        """Trigger JSON: unknown field "timezone" in a cron trigger; expected expression, time_zone.""")]
    [InlineData("""{"type":"interval","minutes":5,"minutes":10}""", """Trigger JSON: "minutes" is given more than once.""")]
    [InlineData("""{"type":"cron","type":"cron","expression":"0 9 * * *"}""", """Trigger JSON: "type" is given more than once.""")]
    [InlineData("""{"type":"cron"}""", """Trigger JSON: "expression" is missing from a cron trigger.""")]
    [InlineData("""{"type":"cron","expression":["0","9"]}""", """Trigger JSON: "expression" must be a string, not ["0","9"].""")]
    [InlineData(
        """{"type":"cron","expression":"0 9 * * *","time_zone":"Mars/Olympus"}""",
        """Trigger JSON: "time_zone" is the unknown time zone "Mars/Olympus"; use an IANA id such as "Europe/Berlin".""")]
    [InlineData("""{"type":"cron","expression":"0 9 * * *","time_zone":1}""", """Trigger JSON: "time_zone" must be a string, not 1.""")]
    public void FromJson_Invalid_ThrowsFormatExceptionNamingTheFieldAndValue(string json, string message)
    {
        var error = Assert.Throws<FormatException>(() => Trigger.FromJson(json));
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void FromJson_LongValue_IsCutShortInTheMessage()
    {
        string value = new('x', 500);
        var error = Assert.Throws<FormatException>(() => Trigger.FromJson($$"""{"type":"interval","minutes":"{{value}}"}"""));
        Assert.Equal($"Trigger JSON: \"minutes\" must be a number, not \"{value[..59]}….", error.Message);
    }

    [Fact]
    public void FromJson_BadCron_WrapsTheCronMessage()
    {
        var error = Assert.Throws<FormatException>(() => Trigger.FromJson("""{"type":"cron","expression":"0 25 * * *"}"""));
        var cron = Assert.IsType<FormatException>(error.InnerException);
        Assert.Equal("Trigger JSON: \"expression\" is invalid. " + cron.Message, error.Message);
        Assert.Contains("hour field", cron.Message, StringComparison.Ordinal);
        Assert.Contains("'25'", cron.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromJson_CronWithSevenFields_SaysHowManyItNeeds()
    {
        var error = Assert.Throws<FormatException>(() => Trigger.FromJson("""{"type":"cron","expression":"0 0 9 * * * 2026"}"""));
        Assert.StartsWith("Trigger JSON: \"expression\" is invalid. ", error.Message, StringComparison.Ordinal);
        Assert.Contains("needs 5 fields", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"type":"once",""")]
    [InlineData("""{"type":"once","run_at":"2026-01-01T09:00:00Z",}""")]
    [InlineData("")]
    [InlineData("""{"type":"once"} {}""")]
    public void FromJson_NotJson_ThrowsFormatExceptionWithThePosition(string json)
    {
        var error = Assert.Throws<FormatException>(() => Trigger.FromJson(json));
        Assert.IsAssignableFrom<JsonException>(error.InnerException);
        Assert.StartsWith("Trigger JSON is not valid JSON: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("BytePositionInLine", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromJson_DefaultElement_ThrowsFormatException()
    {
        var error = Assert.Throws<FormatException>(() => Trigger.FromJson(default(JsonElement)));
        Assert.Contains("not nothing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToJsonThenFromJson_AnyTrigger_GivesTheSameRunsAndText() =>
        (from trigger in AnyTrigger
         from probes in Instant.Array[1, 4]
         select (trigger, probes)).Sample((trigger, probes) =>
        {
            string json = trigger.ToJson();
            Trigger back = Trigger.FromJson(json);
            Assert.Equal(trigger.GetType(), back.GetType());
            Assert.Equal(json, back.ToJson());
            foreach (DateTimeOffset after in probes.Concat(Probes))
            {
                Assert.Equal(Show(trigger.GetNextRun(after)), Show(back.GetNextRun(after)));
            }
        }, iter: 3000, print: t => t.Item1.ToJson());

    /// <summary>Instants in 1990-2100 with an offset of whole minutes in -14:00..+14:00.</summary>
    private static Gen<DateTimeOffset> Instant =>
        from utc in Gen.Long[new DateTime(1990, 1, 1).Ticks, new DateTime(2100, 1, 1).Ticks]
        from rounding in Gen.OneOfConst(1L, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute, TimeSpan.TicksPerHour)
        from offset in Gen.Int[-14 * 60, 14 * 60]
        select new DateTimeOffset(utc - (utc % rounding), TimeSpan.Zero).ToOffset(TimeSpan.FromMinutes(offset));

    private static Gen<TimeSpan> Interval => Gen.Frequency(
        (3, Gen.Long[1, 100_000_000].Select(seconds => TimeSpan.FromSeconds(seconds))),
        (1, Gen.Long[1, 10 * TimeSpan.TicksPerDay].Select(TimeSpan.FromTicks)),
        (1, Gen.Long[1, TimeSpan.MaxValue.Ticks].Select(TimeSpan.FromTicks)));

    private static Gen<TimeZoneInfo> Zone => CronGen.ZoneId.Select(CronReference.Zone);

    private static Gen<Trigger> AnyTrigger => Gen.OneOf(
        Instant.Select(Trigger (at) => new OnceTrigger(at)),
        from interval in Interval
        from start in Gen.Nullable(Instant)
        from length in Gen.Nullable(Gen.Long[0, 365 * TimeSpan.TicksPerDay])
        from bindAt in Gen.Nullable(Instant)
        from zone in Zone
        let end = length is { } ticks ? (start ?? Now).AddTicks(ticks) : (DateTimeOffset?)null
        let trigger = new IntervalTrigger(interval, start, end)
        select bindAt is { } now ? trigger.Bind(now, zone) : trigger,
        from spec in CronGen.Expression(cronos: false, dense: false)
        from zone in Gen.Null(Zone)
        from bindZone in Gen.Null(Zone)
        let trigger = new CronTrigger(CronExpression.Parse(spec.Text, spec.Format), zone)
        select bindZone is { } scheduler ? trigger.Bind(Now, scheduler) : trigger);

    private static Trigger AssertRoundTrips(Trigger trigger)
    {
        string json = trigger.ToJson();
        Trigger back = Trigger.FromJson(json);
        Assert.Equal(trigger.GetType(), back.GetType());
        Assert.Equal(json, back.ToJson());
        foreach (DateTimeOffset after in Probes)
        {
            Assert.Equal(Show(trigger.GetNextRun(after)), Show(back.GetNextRun(after)));
        }

        return back;
    }

    private static TimeSpan ReadInterval(string json) => Assert.IsType<IntervalTrigger>(Trigger.FromJson(json)).Interval;

    /// <summary>The instant with its offset: two runs are the same only if both agree.</summary>
    private static string Show(DateTimeOffset? instant) => instant?.ToString("O", CultureInfo.InvariantCulture) ?? "never";
}
