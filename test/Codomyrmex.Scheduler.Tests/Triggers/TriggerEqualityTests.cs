using CsCheck;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>Trigger equality: two triggers are equal when they fire at the same instants by the same rule.</summary>
public class TriggerEqualityTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    public static TheoryData<Trigger, Trigger> EqualPairs => new()
    {
        { new OnceTrigger(Start), new OnceTrigger(Start) },
        { new OnceTrigger(Start), new OnceTrigger(Start.ToOffset(TimeSpan.FromHours(1))) },
        { new IntervalTrigger(minutes: 30), new IntervalTrigger(TimeSpan.FromSeconds(1800)) },
        { new IntervalTrigger(TimeSpan.FromHours(1), Start, Start.AddDays(1)), new IntervalTrigger(hours: 1, startTime: Start.ToOffset(TimeSpan.FromHours(-5)), endTime: Start.AddDays(1)) },
        { CronTrigger.FromExpression("0 9 * * 1-5"), CronTrigger.FromExpression("0 9 * * MON-FRI") },
        { CronTrigger.FromExpression("0 9 * * *", Zones.Berlin), new CronTrigger(minute: "0", hour: "9", timeZone: Zones.Berlin) },
        { CronTrigger.FromExpression("@daily", Zones.NewYork), CronTrigger.FromExpression("0 0 * * *", TimeZoneInfo.FindSystemTimeZoneById("America/New_York")) },
    };

    public static TheoryData<Trigger, Trigger> UnequalPairs => new()
    {
        { new OnceTrigger(Start), new OnceTrigger(Start.AddTicks(1)) },
        { new IntervalTrigger(minutes: 30), new IntervalTrigger(minutes: 31) },
        { new IntervalTrigger(TimeSpan.FromHours(1), Start), new IntervalTrigger(TimeSpan.FromHours(1)) },
        { new IntervalTrigger(TimeSpan.FromHours(1), Start), new IntervalTrigger(TimeSpan.FromHours(1), Start.AddMinutes(1)) },
        { new IntervalTrigger(TimeSpan.FromHours(1), Start, Start.AddDays(1)), new IntervalTrigger(TimeSpan.FromHours(1), Start) },
        { CronTrigger.FromExpression("0 9 * * *"), CronTrigger.FromExpression("0 10 * * *") },
        { CronTrigger.FromExpression("0 9 * * *", Zones.Berlin), CronTrigger.FromExpression("0 9 * * *", Zones.NewYork) },
        { CronTrigger.FromExpression("0 9 * * *", Zones.Berlin), CronTrigger.FromExpression("0 9 * * *") },
        { CronTrigger.FromExpression("0 9 * * *"), CronTrigger.FromExpression("30 0 9 * * *", format: CronFormat.IncludeSeconds) },
        { new OnceTrigger(Start), new IntervalTrigger(TimeSpan.FromHours(1), Start) },
    };

    [Theory]
    [MemberData(nameof(EqualPairs))]
    public void Equals_SameSchedule_IsTrueBothWays_WithEqualHashCodes(Trigger a, Trigger b)
    {
        Assert.True(a.Equals(b));
        Assert.True(b.Equals(a));
        Assert.True(a.Equals((object)b));
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    [Theory]
    [MemberData(nameof(UnequalPairs))]
    public void Equals_AnotherSchedule_IsFalseBothWays(Trigger a, Trigger b)
    {
        Assert.False(a.Equals(b));
        Assert.False(b.Equals(a));
        Assert.False(a.Equals((object)b));
    }

    [Fact]
    public void Equals_NullOrAnotherType_IsFalse()
    {
        Trigger trigger = new OnceTrigger(Start);
        Assert.False(trigger.Equals(null));
        Assert.False(trigger.Equals((object?)null));
        Assert.False(trigger.Equals("once"));
        Assert.True(trigger.Equals(trigger));
    }

    [Fact]
    public void Equals_JsonRoundTrip_GivesAnEqualTrigger()
    {
        Gen<Trigger> triggers = Gen.OneOf(
            Gen.Long[0, 100_000_000_000_000].Select(ticks => (Trigger)new OnceTrigger(Start.AddTicks(ticks))),
            Gen.Select(Gen.Long[1, 10_000_000_000_000], Gen.Int[0, 10_000], Gen.Bool)
                .Select((ticks, minutes, bounded) => (Trigger)new IntervalTrigger(
                    TimeSpan.FromTicks(ticks), Start.AddMinutes(minutes), bounded ? Start.AddDays(400) : null)),
            Gen.Select(Gen.Int[0, 59], Gen.Int[0, 23], Gen.OneOfConst(Zones.All))
                .Select((minute, hour, zone) => (Trigger)new CronTrigger(minute: $"{minute}", hour: $"*/{hour + 1}", timeZone: zone)));
        triggers.Sample(trigger =>
        {
            Trigger back = Trigger.FromJson(trigger.ToJson());
            Assert.True(back.Equals(trigger), $"{trigger} came back from JSON as {back}");
            Assert.Equal(trigger.GetHashCode(), back.GetHashCode());
        });
    }
}
