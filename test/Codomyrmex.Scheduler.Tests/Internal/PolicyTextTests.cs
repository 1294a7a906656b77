using Codomyrmex.Scheduler.Internal;

namespace Codomyrmex.Scheduler.Tests;

public class PolicyTextTests
{
    [Theory]
    [InlineData("skip", OverlapPolicy.Skip)]
    [InlineData("queue", OverlapPolicy.Queue)]
    [InlineData("allow", OverlapPolicy.Allow)]
    [InlineData("Queue", OverlapPolicy.Queue)]
    [InlineData("ALLOW", OverlapPolicy.Allow)]
    public void ParseOverlap_AnyCase_IsThePolicy(string text, OverlapPolicy policy)
    {
        Assert.Equal(policy, PolicyText.ParseOverlap(text));
        Assert.True(PolicyText.TryParseOverlap(text, out OverlapPolicy parsed));
        Assert.Equal(policy, parsed);
    }

    [Theory]
    [InlineData("run_once", MisfirePolicy.RunOnce)]
    [InlineData("skip", MisfirePolicy.Skip)]
    [InlineData("run_all", MisfirePolicy.RunAll)]
    [InlineData("RUN_ONCE", MisfirePolicy.RunOnce)]
    [InlineData("Run_All", MisfirePolicy.RunAll)]
    public void ParseMisfire_AnyCase_IsThePolicy(string text, MisfirePolicy policy)
    {
        Assert.Equal(policy, PolicyText.ParseMisfire(text));
        Assert.True(PolicyText.TryParseMisfire(text, out MisfirePolicy parsed));
        Assert.Equal(policy, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("skipped")]
    [InlineData(" skip")]
    [InlineData("run_once")]
    public void ParseOverlap_Invalid_ThrowsListingTheValues(string text)
    {
        var error = Assert.Throws<FormatException>(() => PolicyText.ParseOverlap(text));
        Assert.Equal($"The overlap policy \"{text}\" is not valid; use skip, queue or allow.", error.Message);
        Assert.False(PolicyText.TryParseOverlap(text, out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("RunOnce")]
    [InlineData("run-once")]
    [InlineData("queue")]
    public void ParseMisfire_Invalid_ThrowsListingTheValues(string text)
    {
        var error = Assert.Throws<FormatException>(() => PolicyText.ParseMisfire(text));
        Assert.Equal($"The misfire policy \"{text}\" is not valid; use run_once, skip or run_all.", error.Message);
        Assert.False(PolicyText.TryParseMisfire(text, out _));
    }

    [Fact]
    public void Parse_Null_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => PolicyText.ParseOverlap(null!));
        Assert.Throws<ArgumentNullException>(() => PolicyText.ParseMisfire(null!));
        Assert.False(PolicyText.TryParseOverlap(null, out _));
        Assert.False(PolicyText.TryParseMisfire(null, out _));
    }

    [Fact]
    public void Format_EveryPolicy_IsSnakeCaseAndParsesBack()
    {
        Assert.Equal(["skip", "queue", "allow"], Enum.GetValues<OverlapPolicy>().Select(PolicyText.Format));
        Assert.Equal(["run_once", "skip", "run_all"], Enum.GetValues<MisfirePolicy>().Select(PolicyText.Format));
        Assert.All(Enum.GetValues<OverlapPolicy>(), policy => Assert.Equal(policy, PolicyText.ParseOverlap(PolicyText.Format(policy))));
        Assert.All(Enum.GetValues<MisfirePolicy>(), policy => Assert.Equal(policy, PolicyText.ParseMisfire(PolicyText.Format(policy))));
    }

    [Fact]
    public void Format_UndefinedValue_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PolicyText.Format((OverlapPolicy)42));
        Assert.Throws<ArgumentOutOfRangeException>(() => PolicyText.Format((MisfirePolicy)42));
    }
}
