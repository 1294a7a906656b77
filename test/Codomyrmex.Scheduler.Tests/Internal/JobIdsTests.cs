using Codomyrmex.Scheduler.Internal;
using CsCheck;

namespace Codomyrmex.Scheduler.Tests;

public class JobIdsTests
{
    [Fact]
    public void FormatThenParse_RoundTripsEveryKey() =>
        Gen.ULong.Sample(key =>
        {
            string id = JobIds.Format(key);
            return id.Length == JobIds.Length && JobIds.TryParse(id, out ulong parsed) && parsed == key;
        });

    [Theory]
    [InlineData(0UL, "0000000000000")]
    [InlineData(ulong.MaxValue, "fzzzzzzzzzzzz")]
    public void Format_Extremes(ulong key, string id) => Assert.Equal(id, JobIds.Format(key));

    [Theory]
    [InlineData("")]
    [InlineData("000000000000")]
    [InlineData("00000000000000")]
    [InlineData("g000000000000")] // would need a 65th bit
    [InlineData("000000000000i")] // not in the alphabet
    [InlineData("000000000000A")] // lower case only
    public void TryParse_RejectsWhatFormatNeverMakes(string id) => Assert.False(JobIds.TryParse(id, out _));
}
