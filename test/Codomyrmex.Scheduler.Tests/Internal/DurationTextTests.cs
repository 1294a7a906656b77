using Codomyrmex.Scheduler.Internal;
using CsCheck;

namespace Codomyrmex.Scheduler.Tests;

public class DurationTextTests
{
    private const long Ms = TimeSpan.TicksPerMillisecond;
    private const long S = TimeSpan.TicksPerSecond;
    private const long M = TimeSpan.TicksPerMinute;
    private const long H = TimeSpan.TicksPerHour;
    private const long D = TimeSpan.TicksPerDay;

    [Theory]
    [InlineData("500ms", 500 * Ms)]
    [InlineData("30s", 30 * S)]
    [InlineData("5m", 5 * M)]
    [InlineData("1h30m", 90 * M)]
    [InlineData("2d", 2 * D)]
    [InlineData("1d12h", 36 * H)]
    [InlineData("1d2h3m4s5ms", D + (2 * H) + (3 * M) + (4 * S) + (5 * Ms))]
    [InlineData("1.5h", 90 * M)]
    [InlineData("0.25s", 250 * Ms)]
    [InlineData("0.0001ms", 1)]
    [InlineData("1H30M", 90 * M)]
    [InlineData("10MS", 10 * Ms)]
    [InlineData("  5m\t", 5 * M)]
    [InlineData("0s", 0)]
    [InlineData("90m", 90 * M)]
    [InlineData("01:30:00", 90 * M)]
    [InlineData("01:30", 90 * M)]
    [InlineData("1.02:03:04", D + (2 * H) + (3 * M) + (4 * S))]
    [InlineData("00:00:01.5", 1500 * Ms)]
    [InlineData("00:00:00", 0)]
    public void Parse_Valid_IsTheDuration(string text, long ticks)
    {
        Assert.Equal(ticks, DurationText.Parse(text).Ticks);
        Assert.True(DurationText.TryParse(text, out TimeSpan value));
        Assert.Equal(ticks, value.Ticks);
    }

    [Theory]
    [InlineData("", "it is empty; use a number and a unit (d, h, m, s or ms), for example 30s, 1h30m, 500ms or 1.02:00:00")]
    [InlineData("-5m", "a duration must not be negative")]
    [InlineData("-00:05:00", "a duration must not be negative")]
    [InlineData("5x", "\"x\" is not a unit; use d, h, m, s or ms, for example 30s, 1h30m, 500ms or 1.02:00:00")]
    [InlineData("5min", "\"min\" is not a unit; use d, h, m, s or ms, for example 30s, 1h30m, 500ms or 1.02:00:00")]
    [InlineData("30", "\"30\" has no unit; use d, h, m, s or ms, for example 30s, 1h30m, 500ms or 1.02:00:00")]
    [InlineData("1h30", "\"30\" has no unit; use d, h, m, s or ms, for example 30s, 1h30m, 500ms or 1.02:00:00")]
    [InlineData("h", "the unit \"h\" has no number before it; for example 30s, 1h30m, 500ms or 1.02:00:00")]
    [InlineData("5m1h", "\"h\" comes after \"m\"; write each unit once, from largest to smallest, as in 1d12h or 1h30m")]
    [InlineData("1h1h", "\"h\" comes after \"h\"; write each unit once, from largest to smallest, as in 1d12h or 1h30m")]
    [InlineData("1.2.3s", "\"1.2.3\" is not a number")]
    [InlineData(".5s", "\".5\" is not a number")]
    [InlineData("5.s", "\"5.\" is not a number")]
    [InlineData(
        "1h 30m",
        "\" \" is not part of a duration; use a number and a unit (d, h, m, s or ms) without spaces, for example 30s, 1h30m, 500ms or 1.02:00:00")]
    [InlineData("+5m", "\"+\" is not part of a duration; use a number and a unit (d, h, m, s or ms) without spaces, for example 30s, 1h30m, 500ms or 1.02:00:00")]
    [InlineData("25:00:00", "it is not [d.]hh:mm[:ss[.fffffff]] with hours 0-23 and minutes and seconds 0-59, nor a number and a unit (d, h, m, s or ms)")]
    [InlineData("1h:30m", "it is not [d.]hh:mm[:ss[.fffffff]] with hours 0-23 and minutes and seconds 0-59, nor a number and a unit (d, h, m, s or ms)")]
    [InlineData("10675200d", "it is longer than the longest duration, 10675199.02:48:05.4775807")]
    [InlineData("10675199d3h", "it is longer than the longest duration, 10675199.02:48:05.4775807")]
    [InlineData("99999999999999999999999999999999999s", "it is longer than the longest duration, 10675199.02:48:05.4775807")]
    public void Parse_Invalid_ThrowsFormatExceptionNamingTheTextAndWhy(string text, string reason)
    {
        var error = Assert.Throws<FormatException>(() => DurationText.Parse(text));
        Assert.Equal($"The duration \"{text}\" is invalid: {reason}.", error.Message);
        Assert.False(DurationText.TryParse(text, out TimeSpan value));
        Assert.Equal(TimeSpan.Zero, value);
    }

    [Fact]
    public void Parse_Null_Throws() => Assert.Throws<ArgumentNullException>(() => DurationText.Parse(null!));

    [Fact]
    public void TryParse_Null_IsFalse() => Assert.False(DurationText.TryParse(null, out _));

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(500 * Ms, "500ms")]
    [InlineData(30 * S, "30s")]
    [InlineData(90 * M, "1h30m")]
    [InlineData(36 * H, "1d12h")]
    [InlineData(2 * D, "2d")]
    [InlineData(D + Ms, "1d1ms")]
    [InlineData(1500 * Ms, "1s500ms")]
    [InlineData(1, "0.0001ms")]
    [InlineData((123 * Ms) + 4567, "123.4567ms")]
    [InlineData(long.MaxValue, "10675199d2h48m5s477.5807ms")]
    public void Format_IsTheShortestUnitText(long ticks, string text) => Assert.Equal(text, DurationText.Format(TimeSpan.FromTicks(ticks)));

    [Fact]
    public void Format_Negative_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => DurationText.Format(TimeSpan.FromTicks(-1)));

    [Fact]
    public void FormatThenParse_AnyDuration_RoundTrips() =>
        Gen.Frequency(
            (1, Gen.Long[0, long.MaxValue]),
            (2, Gen.Long[0, 100 * D]),
            (2, Gen.Long[0, 100_000].Select(seconds => seconds * S))).Sample(ticks =>
        {
            string text = DurationText.Format(TimeSpan.FromTicks(ticks));
            Assert.Equal(ticks, DurationText.Parse(text).Ticks);
        });
}
