using System.Diagnostics;
using System.Globalization;

namespace Codomyrmex.Scheduler.Cli.Running;

/// <summary>An account a command runs as (a system crontab's user column), as the system's user database knows it.</summary>
/// <param name="Name">The user name.</param>
/// <param name="UserId">The numeric user id.</param>
/// <param name="GroupId">The numeric id of the user's primary group.</param>
/// <param name="Home">The user's home folder.</param>
internal sealed record UserAccount(string Name, int UserId, int GroupId, string Home)
{
    /// <summary>
    /// Looks the user up through <c>getent passwd</c>, so that every source the system uses (files, LDAP, ...) is asked, as
    /// cron does.
    /// </summary>
    /// <exception cref="InvalidOperationException">schedctl is not root, or there is no such user.</exception>
    public static async Task<UserAccount> FindAsync(string name, string jobName, CancellationToken cancellationToken)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            throw new InvalidOperationException(
                $"Job '{jobName}' runs as user '{name}', but schedctl is not running as root, so it cannot switch users.");
        }

        var lookup = new ProcessStartInfo("getent") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        lookup.ArgumentList.Add("passwd");
        lookup.ArgumentList.Add("--");
        lookup.ArgumentList.Add(name);
        using Process process = Process.Start(lookup) ?? throw new InvalidOperationException("Cannot start getent to look up users.");
        string line = await process.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);

        // name:password:uid:gid:gecos:home:shell
        string[] fields = line.Trim().Split(':');
        if (process.ExitCode != 0 || fields.Length < 7
            || !int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out int uid)
            || !int.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out int gid))
        {
            throw new InvalidOperationException($"Job '{jobName}' runs as user '{name}', but there is no such user on this system.");
        }

        return new UserAccount(fields[0], uid, gid, fields[5]);
    }
}
