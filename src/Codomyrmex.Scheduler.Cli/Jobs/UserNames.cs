namespace Codomyrmex.Scheduler.Cli.Jobs;

/// <summary>The rule for the account name in a system crontab's user column.</summary>
internal static class UserNames
{
    private static readonly System.Buffers.SearchValues<char> Portable =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");

    /// <summary>What is wrong with an account name, or <see langword="null"/> when it may name an account.</summary>
    /// <remarks>
    /// Names are the portable ones (letters, digits, <c>.</c>, <c>_</c>, <c>-</c>, not starting with <c>-</c>, a final
    /// <c>$</c> allowed): a word such as <c>/usr/bin/backup</c> in the user column means the file is a user crontab read as a
    /// system one, and a name starting with <c>-</c> would be read as an option by the tools that switch accounts.
    /// </remarks>
    public static string? Problem(string name)
    {
        bool portable = name.Length > 0 && name[0] != '-'
            && name.AsSpan(0, name[^1] == '$' && name.Length > 1 ? name.Length - 1 : name.Length)
                .IndexOfAnyExcept(Portable) < 0;
        return portable
            ? null
            : $"'{name}' is not an account name; in a system crontab the word after the schedule is the user the command runs as " +
                "(is this a user crontab? then leave out --system, or move it out of /etc/cron.d).";
    }
}
