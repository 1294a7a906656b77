using System.Globalization;
using System.Text;
using Codomyrmex.Scheduler.Internal;

namespace Codomyrmex.Scheduler;

/// <summary>What went wrong in a cron expression; the message is only built when <see cref="CronExpression.Parse"/> throws.</summary>
internal enum CronErrorKind : byte
{
    None,
    Empty,
    TooFewFields,
    TooManyFields,
    UnknownMacro,
    EmptyValue,
    UnexpectedCharacter,
    OutOfRange,
    UnknownName,
    StepZero,
    StepTooLarge,
    QuestionMarkNotAllowed,
    MustStandAlone,
    LastOffsetOutOfRange,
    NthOutOfRange,
}

/// <summary>A parse failure: the kind, the field and the offending token's position in the text.</summary>
internal readonly record struct CronParseError(CronErrorKind Kind, CronField Field, int Start, int Length, int FieldCount = 0)
{

    public string ToMessage(string text, CronFormat format)
    {
        var message = new StringBuilder();
        message.Append("The cron expression ").Append(Quote(text)).Append(" is invalid: ");
        string token = Quote(Start + Length <= text.Length ? text.Substring(Start, Length) : string.Empty);
        string field = CronFields.Name(Field) + " field";
        int min = CronFields.Min(Field);
        int max = CronFields.Max(Field);
        string expected = format == CronFormat.IncludeSeconds
            ? "6 fields (second minute hour day-of-month month day-of-week)"
            : "5 fields (minute hour day-of-month month day-of-week)";
        message.Append(Kind switch
        {
            CronErrorKind.Empty => "it is empty.",
            CronErrorKind.TooFewFields => string.Create(CultureInfo.InvariantCulture,
                $"it has {FieldCount} field{(FieldCount == 1 ? "" : "s")} but needs {expected}; the {CronFields.Name(Field)} field is missing."),
            CronErrorKind.TooManyFields => string.Create(CultureInfo.InvariantCulture,
                $"it has {FieldCount} fields but needs {expected}; {token} is one too many.") +
                (format == CronFormat.Standard && FieldCount == 6 ? " Use CronFormat.IncludeSeconds for a leading second field." : ""),
            CronErrorKind.UnknownMacro =>
                $"{token} is not a macro; use @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly.",
            CronErrorKind.EmptyValue => $"{field}: {token} has an empty value.",
            CronErrorKind.UnexpectedCharacter => $"{field}: {token} is not a valid value.",
            CronErrorKind.OutOfRange => string.Create(CultureInfo.InvariantCulture,
                $"{field}: {token} is out of range; allowed values are {min}-{max}") +
                (Field == CronField.Month ? " or JAN-DEC." : Field == CronField.DayOfWeek ? " (0 and 7 are Sunday) or SUN-SAT." : "."),
            CronErrorKind.UnknownName => Field == CronField.Month
                ? $"{field}: {token} is not a month; use 1-12 or JAN-DEC."
                : Field == CronField.DayOfWeek
                    ? $"{field}: {token} is not a day of the week; use 0-7 or SUN-SAT."
                    : $"{field}: {token} is not a number.",
            CronErrorKind.StepZero => $"{field}: the step in {token} must be at least 1.",
            CronErrorKind.StepTooLarge => string.Create(CultureInfo.InvariantCulture,
                $"{field}: the step in {token} is larger than the field's {StepLimit(Field)} values."),
            CronErrorKind.QuestionMarkNotAllowed => $"{field}: {token} may only be used in the day-of-month and day-of-week fields.",
            CronErrorKind.MustStandAlone => $"{field}: {token} must be the whole field, not part of a list or range.",
            CronErrorKind.LastOffsetOutOfRange => $"{field}: {token} is out of range; the offset in L-n must be 0-30.",
            CronErrorKind.NthOutOfRange => $"{field}: {token} is out of range; the week in n#k must be 1-5.",
            _ => $"{field}: {token} is not valid.",
        });
        return message.ToString();
    }

    internal static int StepLimit(CronField field) => field == CronField.DayOfWeek ? 7 : CronFields.Max(field) - CronFields.Min(field) + 1;

    private static string Quote(string value) => EchoText.Quote(value, '\'');
}
