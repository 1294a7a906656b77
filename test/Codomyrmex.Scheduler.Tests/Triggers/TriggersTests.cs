using Microsoft.Extensions.Time.Testing;
using static Codomyrmex.Scheduler.Triggers;

namespace Codomyrmex.Scheduler.Tests;

public class TriggersTests
{
    [Fact]
    public void Every_IsAnIntervalTrigger()
    {
        IntervalTrigger trigger = Every(minutes: 30);
        Assert.Equal(1800, trigger.IntervalSeconds);
        Assert.Null(trigger.StartTime);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), Every(TimeSpan.FromMilliseconds(1500)).Interval);
    }

    [Fact]
    public void Cron_IsACronTrigger()
    {
        CronTrigger trigger = Cron("0 */2 * * *", Zones.Berlin);
        Assert.Equal("0 */2 * * *", trigger.Expression.ToString());
        Assert.Same(Zones.Berlin, trigger.TimeZone);
    }

    [Fact]
    public void At_LaterToday_IsToday()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero));
        OnceTrigger trigger = At("09:30", TimeZoneInfo.Utc, clock);
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 9, 30, 0, TimeSpan.Zero), trigger.RunAt);
        Assert.Equal(TriggerType.Once, trigger.Type);
    }

    [Fact]
    public void At_EarlierToday_IsTomorrow()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero));
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 9, 30, 0, TimeSpan.Zero), At("09:30", TimeZoneInfo.Utc, clock).RunAt);
    }

    [Fact]
    public void At_ExactlyNow_IsTomorrow()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 9, 30, 0, TimeSpan.Zero));
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 9, 30, 0, TimeSpan.Zero), At("09:30", TimeZoneInfo.Utc, clock).RunAt);
    }

    [Fact]
    public void At_WithSeconds()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero));
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 17, 45, 30, TimeSpan.Zero), At("17:45:30", TimeZoneInfo.Utc, clock).RunAt);
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 9, 5, 0, TimeSpan.Zero), At("9:05", TimeZoneInfo.Utc, clock).RunAt);
    }

    [Fact]
    public void At_IsInTheZone()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero));
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 9, 30, 0, TimeSpan.FromHours(-5)), At("09:30", Zones.NewYork, clock).RunAt);
    }

    [Fact]
    public void At_DefaultsToTheProvidersLocalZone()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero));
        clock.SetLocalTimeZone(Zones.Berlin);
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 9, 30, 0, TimeSpan.FromHours(1)), At("09:30", timeProvider: clock).RunAt);
    }

    [Fact]
    public void At_InSpringForwardGap_IsTheEndOfTheGap()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2024, 3, 10, 0, 0, 0, TimeSpan.FromHours(-5)));
        Assert.Equal(new DateTimeOffset(2024, 3, 10, 3, 0, 0, TimeSpan.FromHours(-4)), At("02:30", Zones.NewYork, clock).RunAt);
    }

    [Fact]
    public void At_InFallBackOverlap_IsTheFirstPass()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2024, 11, 3, 0, 0, 0, TimeSpan.FromHours(-4)));
        Assert.Equal(new DateTimeOffset(2024, 11, 3, 1, 30, 0, TimeSpan.FromHours(-4)), At("01:30", Zones.NewYork, clock).RunAt);
    }

    [Theory]
    [InlineData("24:00")]
    [InlineData("9:60")]
    [InlineData("09:30:60")]
    [InlineData("0930")]
    [InlineData("09:3")]
    [InlineData("09:30:")]
    [InlineData("")]
    [InlineData("nine")]
    [InlineData("-1:00")]
    [InlineData("\u0660\u0669:30")]
    [InlineData("123:00")]
    public void At_BadText_ThrowsFormatExceptionNamingTheInput(string text)
    {
        var error = Assert.Throws<FormatException>(() => At(text, TimeZoneInfo.Utc));
        Assert.Contains($"'{text}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OnceTrigger_FiresOnlyBeforeItsInstant()
    {
        var at = new DateTimeOffset(2026, 11, 27, 9, 30, 0, TimeSpan.Zero);
        var trigger = new OnceTrigger(at);
        Assert.Equal(at, trigger.GetNextRun(at.AddTicks(-1)));
        Assert.Null(trigger.GetNextRun(at));
        Assert.Equal("once at 2026-11-27T09:30:00.0000000+00:00", trigger.ToString());
    }
}
