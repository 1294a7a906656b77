namespace Codomyrmex.Scheduler.Cli.Running;

/// <summary>A command exited with a code other than 0: the run fails, and the history keeps the code and the end of stderr.</summary>
internal sealed class CommandFailedException : Exception
{
    public CommandFailedException(int exitCode, string message)
        : base(message) => ExitCode = exitCode;

    public CommandFailedException()
    {
    }

    public CommandFailedException(string message)
        : base(message)
    {
    }

    public CommandFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the command's exit code.</summary>
    public int ExitCode { get; }

    /// <summary>Gets the end of what the command wrote to stdout (the last <see cref="CommandRunner.TailLength"/> characters).</summary>
    public string Stdout { get; init; } = "";

    /// <summary>Gets the end of what the command wrote to stderr.</summary>
    public string Stderr { get; init; } = "";
}
