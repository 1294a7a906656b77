using System.ComponentModel;
using System.Diagnostics;

namespace Codomyrmex.Scheduler.Cli.Jobs;

/// <summary>What schedctl needs to know about the machine's accounts to run a system crontab.</summary>
internal static class Accounts
{
    /// <summary>Gets a value indicating whether this process may run commands as other accounts (its effective user is root).</summary>
    public static bool IsRoot => Environment.IsPrivilegedProcess;

    /// <summary>Whether an account exists, as <c>id</c> (and so the system's account databases, not only /etc/passwd) knows it.</summary>
    /// <returns><see langword="true"/> or <see langword="false"/>; <see langword="null"/> when it cannot be told (no <c>id</c> to ask).</returns>
    public static bool? Exists(string name)
    {
        var start = new ProcessStartInfo("id")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-u");
        start.ArgumentList.Add("--");
        start.ArgumentList.Add(name);
        try
        {
            using Process process = Process.Start(start)!;
            process.StandardOutput.ReadToEnd();
            process.StandardError.ReadToEnd();
            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                process.Kill();
                return null;
            }

            return process.ExitCode == 0;
        }
        catch (Win32Exception)
        {
            return null;
        }
    }
}
