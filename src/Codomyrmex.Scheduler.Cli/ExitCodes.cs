namespace Codomyrmex.Scheduler.Cli;

/// <summary>The exit codes of schedctl; the README's schedctl section lists them too.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Success = 0;

    /// <summary>
    /// The input was invalid: a bad cron expression or zone, a jobs file with errors, a file that cannot be read; or a job or
    /// store that does not exist, a store error, an address <c>dashboard</c> or <c>mcp --http</c> cannot listen on, or a job
    /// that failed when run with <c>schedctl jobs run</c>.
    /// </summary>
    public const int InvalidInput = 1;

    /// <summary>The command line itself was wrong: an unknown command or option, a missing argument, a bad option value.</summary>
    public const int Usage = 2;

    /// <summary><c>schedctl jobs run</c> was stopped by SIGINT (Ctrl+C): 128 + 2, as a shell reports it.</summary>
    public const int Interrupted = 130;

    /// <summary><c>schedctl jobs run</c> was stopped by SIGTERM: 128 + 15, as a shell reports it.</summary>
    public const int Terminated = 143;
}
