namespace Codomyrmex.Scheduler.Tests;

/// <summary>Every kind of bad input is a <see cref="FormatException"/> that names the field and the token.</summary>
public partial class CronExpressionTests
{
    [Theory]
    [InlineData("61 * * * *", "minute", "'61'")]
    [InlineData("60 * * * *", "minute", "'60'")]
    [InlineData("* 24 * * *", "hour", "'24'")]
    [InlineData("* * 0 * *", "day-of-month", "'0'")]
    [InlineData("* * 32 * *", "day-of-month", "'32'")]
    [InlineData("* * * 0 *", "month", "'0'")]
    [InlineData("* * * 13 *", "month", "'13'")]
    [InlineData("* * * * 8", "day-of-week", "'8'")]
    [InlineData("1-60 * * * *", "minute", "'60'")]
    [InlineData("99999999999 * * * *", "minute", "'99999999999'")]
    [InlineData("60 * * * * *", "second", "'60'", CronFormat.IncludeSeconds)]
    public void Parse_ValueOutOfRange_NamesFieldAndToken(string expression, string field, string token, CronFormat format = CronFormat.Standard) =>
        AssertInvalid(expression, format, field, token, "out of range");

    [Theory]
    [InlineData("*/0 * * * *", "minute", "'*/0'", "at least 1")]
    [InlineData("* 1-5/0 * * *", "hour", "'1-5/0'", "at least 1")]
    [InlineData("*/61 * * * *", "minute", "'*/61'", "larger than")]
    [InlineData("* */25 * * *", "hour", "'*/25'", "larger than")]
    [InlineData("* * * */13 *", "month", "'*/13'", "larger than")]
    [InlineData("*/ * * * *", "minute", "'*/'", "empty")]
    [InlineData("*/x * * * *", "minute", "'*/x'", "not a valid")]
    [InlineData("*/1/2 * * * *", "minute", "'*/1/2'", "not a valid")]
    public void Parse_BadStep_NamesFieldAndToken(string expression, string field, string token, string reason) =>
        AssertInvalid(expression, CronFormat.Standard, field, token, reason);

    [Theory]
    [InlineData("* * * JANUARY *", "month", "'JANUARY'")]
    [InlineData("* * * JA *", "month", "'JA'")]
    [InlineData("* * * MON *", "month", "'MON'")]
    [InlineData("* * * * MONDAY", "day-of-week", "'MONDAY'")]
    [InlineData("* * * * JAN", "day-of-week", "'JAN'")]
    [InlineData("abc * * * *", "minute", "'abc'")]
    [InlineData("* * * * MON-XYZ", "day-of-week", "'XYZ'")]
    public void Parse_UnknownName_NamesFieldAndToken(string expression, string field, string token) =>
        AssertInvalid(expression, CronFormat.Standard, field, token, "not a");

    [Theory]
    [InlineData("1,,2 * * * *", "minute", "'1,,2'")]
    [InlineData(",1 * * * *", "minute", "',1'")]
    [InlineData("1, * * * *", "minute", "'1,'")]
    [InlineData("1- * * * *", "minute", "'1-'")]
    public void Parse_EmptyValue_NamesFieldAndToken(string expression, string field, string token) =>
        AssertInvalid(expression, CronFormat.Standard, field, token, "empty");

    [Theory]
    [InlineData("-1 * * * *", "minute", "'-1'")]
    [InlineData("1-2-3 * * * *", "minute", "'1-2-3'")]
    [InlineData("1.5 * * * *", "minute", "'1.5'")]
    [InlineData("** * * * *", "minute", "'**'")]
    [InlineData("*1 * * * *", "minute", "'*1'")]
    [InlineData("\u0661 * * * *", "minute", "'\u0661'")] // ARABIC-INDIC DIGIT ONE
    [InlineData("\uff11 * * * *", "minute", "'\uff11'")] // FULLWIDTH DIGIT ONE
    [InlineData("* * L,1 * *", "day-of-month", "'L'")]
    [InlineData("* * 1,15W * *", "day-of-month", "'15W'")]
    [InlineData("* * LX * *", "day-of-month", "'LX'")]
    [InlineData("* * W * *", "day-of-month", "'W'")]
    [InlineData("* * L-x * *", "day-of-month", "'L-x'")]
    [InlineData("* * * * L", "day-of-week", "'L'")]
    [InlineData("* * * * 1#", "day-of-week", "'1#'")]
    [InlineData("* * * * #2", "day-of-week", "'#2'")]
    [InlineData("* * * * 1#2#3", "day-of-week", "'1#2#3'")]
    public void Parse_Garbage_NamesFieldAndToken(string expression, string field, string token) =>
        AssertInvalid(expression, CronFormat.Standard, field, token, null);

    [Theory]
    [InlineData("* * * * 1#6", "'1#6'", "1-5")]
    [InlineData("* * * * 1#0", "'1#0'", "1-5")]
    [InlineData("* * L-31 * *", "'L-31'", "0-30")]
    [InlineData("* * 32W * *", "'32W'", "out of range")]
    [InlineData("* * 0W * *", "'0W'", "out of range")]
    [InlineData("* * * * 8L", "'8'", "out of range")]
    [InlineData("* * * * 1,2#3", "'1,2#3'", "whole field")]
    [InlineData("* * * * 1-5L", "'1-5L'", "whole field")]
    public void Parse_BadExtension_NamesToken(string expression, string token, string reason)
    {
        var error = Assert.Throws<FormatException>(() => CronExpression.Parse(expression));
        Assert.Contains(token, error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("? * * * *", "minute")]
    [InlineData("* ? * * *", "hour")]
    [InlineData("* * * ? *", "month")]
    public void Parse_QuestionMarkOutsideDayFields_IsRejected(string expression, string field) =>
        AssertInvalid(expression, CronFormat.Standard, field, "'?'", "day-of-month and day-of-week");

    [Theory]
    [InlineData("* * * *", "4 fields", "day-of-week field is missing")]
    [InlineData("*", "1 field ", "hour field is missing")]
    [InlineData("* * * * * *", "6 fields", "IncludeSeconds")]
    [InlineData("* * * * * * *", "7 fields", "one too many")]
    public void Parse_WrongFieldCount_SaysWhatIsMissingOrExtra(string expression, string count, string detail)
    {
        var error = Assert.Throws<FormatException>(() => CronExpression.Parse(expression));
        Assert.Contains(count, error.Message, StringComparison.Ordinal);
        Assert.Contains(detail, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("61 * * *", "4 fields", "day-of-week field is missing")]
    [InlineData("* * L,1 *", "4 fields", "day-of-week field is missing")]
    [InlineData("61 * * * * *", "6 fields", "'*' is one too many")]
    [InlineData("* * * * 1#9 extra", "6 fields", "'extra' is one too many")]
    [InlineData("@nope extra", "2 fields", "'extra' is one too many")]
    public void Parse_WrongFieldCountAndBadField_ReportsTheCountFirst(string expression, string count, string detail)
    {
        var error = Assert.Throws<FormatException>(() => CronExpression.Parse(expression));
        Assert.Contains(count, error.Message, StringComparison.Ordinal);
        Assert.Contains(detail, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SixFieldsWithSecondsFormatButFive_SaysSecondsExpected()
    {
        var error = Assert.Throws<FormatException>(() => CronExpression.Parse("* * * * *", CronFormat.IncludeSeconds));
        Assert.Contains("6 fields (second minute", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\t")]
    public void Parse_Empty_SaysEmpty(string expression)
    {
        var error = Assert.Throws<FormatException>(() => CronExpression.Parse(expression));
        Assert.Contains("empty", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("@every", "'@every'")]
    [InlineData("@", "'@'")]
    [InlineData("@daily extra", "'extra'")]
    public void Parse_BadMacro_NamesIt(string expression, string token)
    {
        var error = Assert.Throws<FormatException>(() => CronExpression.Parse(expression));
        Assert.Contains(token, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TenKilobytes_FailsQuicklyWithShortMessage()
    {
        string huge = new('1', 10_000);
        var error = Assert.Throws<FormatException>(() => CronExpression.Parse(huge + " * * * *"));
        Assert.Contains("minute field", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Length < 400, error.Message);

        string manyFields = string.Join(' ', Enumerable.Repeat("*", 5_000));
        error = Assert.Throws<FormatException>(() => CronExpression.Parse(manyFields));
        Assert.Contains("5000 fields", error.Message, StringComparison.Ordinal);

        string longList = string.Join(',', Enumerable.Repeat("5", 3_000));
        Assert.Equal(CronExpression.Parse("5 * * * *"), CronExpression.Parse(longList + " * * * *"));
    }

    [Theory]
    [InlineData("1\u00a0* * * *")] // no-break space
    [InlineData("  1\t*  *\r\n* *  ")]
    [InlineData("1\u2003* * * *")] // em space
    public void Parse_AnyWhitespace_SeparatesFields(string expression) =>
        Assert.Equal(CronExpression.Parse("1 * * * *"), CronExpression.Parse(expression));

    [Fact]
    public void Parse_Null_ThrowsArgumentNull() => Assert.Throws<ArgumentNullException>(() => CronExpression.Parse(null!));

    [Fact]
    public void Parse_UndefinedFormat_ThrowsArgumentOutOfRange() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => CronExpression.Parse("* * * * *", (CronFormat)7));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("61 * * * *")]
    [InlineData("* * * *")]
    [InlineData("\u0661 * * * *")]
    public void TryParse_Invalid_ReturnsFalseWithoutThrowing(string? expression)
    {
        Assert.False(CronExpression.TryParse(expression, out CronExpression? result));
        Assert.Null(result);
        Assert.False(CronExpression.TryParse(expression, (CronFormat)42, out result));
    }

    [Fact]
    public void TryParse_Valid_ReturnsExpression()
    {
        Assert.True(CronExpression.TryParse("*/5 * * * * *", CronFormat.IncludeSeconds, out CronExpression? result));
        Assert.Equal(CronFormat.IncludeSeconds, result.Format);
    }

    private static void AssertInvalid(string expression, CronFormat format, string field, string token, string? reason)
    {
        var error = Assert.Throws<FormatException>(() => CronExpression.Parse(expression, format));
        Assert.Contains(field + " field", error.Message, StringComparison.Ordinal);
        Assert.Contains(token, error.Message, StringComparison.Ordinal);
        if (reason is not null)
        {
            Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        }

        Assert.False(CronExpression.TryParse(expression, format, out _));
    }
}
