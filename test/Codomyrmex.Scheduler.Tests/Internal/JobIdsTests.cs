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
    [InlineData("000000000000l")] // letters Crockford leaves out
    [InlineData("000000000000o")]
    [InlineData("000000000000u")]
    [InlineData("000000000000\0")]
    [InlineData("\0000000000000")]
    [InlineData("000000000000\u0130")] // beyond ASCII, whose low byte is a digit's
    [InlineData("000000000000\u017a")]
    [InlineData("000000000000\uFFFF")]
    [InlineData("\uD83D\uDE0000000000000")]
    [InlineData("z000000000000")] // the first digit's fifth bit
    [InlineData("h000000000000")]
    public void TryParse_RejectsWhatFormatNeverMakes(string id) => Assert.False(JobIds.TryParse(id, out _));

    /// <summary>Any 13 characters, mostly from the alphabet: an id parses exactly when formatting its number gives it back.</summary>
    [Fact]
    public void TryParse_AnyThirteenCharacters_ParsesExactlyWhatFormatMakes() =>
        Gen.OneOf(Gen.Char["0123456789abcdefghjkmnpqrstvwxyz"], Gen.Char).Array[13].Sample(chars =>
        {
            string id = new(chars);
            bool valid = chars.All(c => "0123456789abcdefghjkmnpqrstvwxyz".Contains(c, StringComparison.Ordinal))
                && "0123456789abcdef".Contains(chars[0], StringComparison.Ordinal);
            return JobIds.TryParse(id, out ulong key) ? valid && JobIds.Format(key) == id : !valid;
        });
}
