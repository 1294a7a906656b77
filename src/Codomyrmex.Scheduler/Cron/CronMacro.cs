namespace Codomyrmex.Scheduler;

/// <summary>The schedules the <c>@</c> macros stand for. Parsing a macro returns a shared instance, made once per format.</summary>
internal enum CronMacro : byte
{
    /// <summary>Not a macro: the text had fields.</summary>
    None,

    /// <summary><c>@yearly</c> and <c>@annually</c>: <c>0 0 1 1 *</c>.</summary>
    Yearly,

    /// <summary><c>@monthly</c>: <c>0 0 1 * *</c>.</summary>
    Monthly,

    /// <summary><c>@weekly</c>: <c>0 0 * * 0</c>.</summary>
    Weekly,

    /// <summary><c>@daily</c> and <c>@midnight</c>: <c>0 0 * * *</c>.</summary>
    Daily,

    /// <summary><c>@hourly</c>: <c>0 * * * *</c>.</summary>
    Hourly,
}
