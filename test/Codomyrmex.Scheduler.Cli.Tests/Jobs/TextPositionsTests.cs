using System.Text;
using Codomyrmex.Scheduler.Cli.Jobs;
using CsCheck;

namespace Codomyrmex.Scheduler.Cli.Tests.Jobs;

public sealed class TextPositionsTests
{
    [Fact]
    public void ContinuationIndex_Before_CountsWhatAScanCounts()
    {
        Gen.Select(Gen.String[Gen.Char, 0, 3000], Gen.Int[0, 10_000]).Sample((text, at) =>
        {
            byte[] utf8 = Encoding.UTF8.GetBytes(text);
            int offset = at % (utf8.Length + 1);
            var index = new TextPositions.ContinuationIndex(utf8);

            Assert.Equal(offset - TextPositions.Characters(utf8.AsSpan(0, offset)), index.Before(offset));
        });
    }

    [Theory]
    [InlineData("abc", 2, 1, 3)]
    [InlineData("é\né x", 6, 2, 3)]
    [InlineData("😀😀\n", 8, 1, 3)]
    public void Of_CountsLinesAndCharacters(string text, int offset, int line, int column)
    {
        Assert.Equal((line, column), TextPositions.Of(Encoding.UTF8.GetBytes(text), offset));
    }
}
