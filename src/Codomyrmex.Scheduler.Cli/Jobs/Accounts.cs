using System.ComponentModel;
using System.Diagnostics;

namespace Codomyrmex.Scheduler.Cli.Jobs;

/// <summary>What checking a jobs file needs to know about the machine's accounts: whether this process is root, and which accounts exist.</summary>
/// <param name="IsRoot">Whether this process may run commands as other accounts (its effective user is root).</param>
/// <param name="Exists">Whether an account exists: <see langword="true"/>, <see langword="false"/>, or <see langword="null"/> when it cannot be told.</param>
internal sealed record Accounts(bool IsRoot, Func<string, bool?> Exists)
{
    /// <summary>Gets this machine's accounts, as this process sees them.</summary>
    public static Accounts System { get; } = new(Environment.IsPrivilegedProcess, AskId);

    /// <summary>Whether an account exists, as <c>id</c> (and so the system's account databases, not only /etc/passwd) knows it.</summary>
    private static bool? AskId(string name)
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
