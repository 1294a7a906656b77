namespace Codomyrmex.Scheduler.Cli.Running;

/// <summary>How <see cref="CommandRunner"/> runs commands.</summary>
/// <param name="KillTimeout">How long a stopped command has, after SIGTERM, before SIGKILL.</param>
internal sealed record CommandRunOptions(TimeSpan KillTimeout)
{
    /// <summary>The default kill timeout: long enough for a trap to clean up, short enough for a service manager's patience.</summary>
    public static readonly TimeSpan DefaultKillTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Gets the defaults: a 5 s kill timeout.</summary>
    public static CommandRunOptions Default { get; } = new(DefaultKillTimeout);
}
