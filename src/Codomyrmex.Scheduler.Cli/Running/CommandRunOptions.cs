using Codomyrmex.Scheduler.Cli.Output;

namespace Codomyrmex.Scheduler.Cli.Running;

/// <summary>How <see cref="CommandRunner"/> runs commands.</summary>
/// <param name="KillTimeout">How long a stopped command has, after SIGTERM, before SIGKILL.</param>
/// <param name="Times">How the run's occurrence is written into the command's environment.</param>
internal sealed record CommandRunOptions(TimeSpan KillTimeout, TimeText Times)
{
    /// <summary>The default kill timeout: long enough for a trap to clean up, short enough for a service manager's patience.</summary>
    public static readonly TimeSpan DefaultKillTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Gets the defaults: a 5 s kill timeout, local times.</summary>
    public static CommandRunOptions Default { get; } = new(DefaultKillTimeout, TimeText.Local);
}
