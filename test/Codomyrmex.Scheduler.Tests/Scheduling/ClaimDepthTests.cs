namespace Codomyrmex.Scheduler.Tests;

/// <summary>
/// The in-memory claim queue's depth: what the workers start in the horizon at the rate they recorded runs, between the base
/// depth and the most, measured over a long enough stretch only.
/// </summary>
public sealed class ClaimDepthTests
{
    /// <summary>A clock counting a million a second; runs over microseconds, and the depth beyond two runs a worker that follows.</summary>
    public static TheoryData<long, long, int> Rates => new()
    {
        // No run, or few: the base depth (slow jobs keep a shallow backlog).
        { 0, 2_000, ClaimDepth.BaseAhead },
        { 4, 1_000_000, ClaimDepth.BaseAhead },
        { 80, 2_000, ClaimDepth.BaseAhead },

        // 100,000 runs a second start 150 in 1.5 ms; 400,000 start 600.
        { 200, 2_000, 150 },
        { 800, 2_000, 600 },
        { 4_000, 10_000, 600 },

        // However fast: at most the most.
        { 10_000, 2_000, ClaimDepth.MaxAhead },
        { long.MaxValue / 4, 2_000, ClaimDepth.MaxAhead },

        // A count that went down (it cannot, but a wrong one must not make the depth negative): the base.
        { -5, 2_000, ClaimDepth.BaseAhead },
    };

    [Theory]
    [MemberData(nameof(Rates))]
    public void Ahead_FollowsTheRate_WithinTheBounds(long runs, long elapsedMicroseconds, int expected)
    {
        Assert.Equal(expected, ClaimDepth.Ahead(runs, elapsedMicroseconds, 1_000_000));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1_999)]
    [InlineData(-1)]
    [InlineData(long.MinValue)]
    public void Ahead_OverAStretchShorterThanTheWindow_MeasuresOn(long elapsedMicroseconds)
    {
        Assert.Null(ClaimDepth.Ahead(1_000, elapsedMicroseconds, 1_000_000));
    }

    [Fact]
    public void Ahead_ByTheSystemClocksFrequency_GivesTheSameDepth()
    {
        long frequency = TimeProvider.System.TimestampFrequency;
        Assert.Equal(600, ClaimDepth.Ahead(800, frequency / 500, frequency));
    }

    [Fact]
    public void Capacity_IsTwoRunsAWorkerPlusTheDepth()
    {
        Assert.Equal((2 * 4) + ClaimDepth.BaseAhead, ClaimDepth.Capacity(4, ClaimDepth.BaseAhead));
        Assert.Equal(2 + ClaimDepth.MaxAhead, ClaimDepth.Capacity(1, ClaimDepth.MaxAhead));
    }
}
