using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Codomyrmex.Scheduler.Cli.Running;

/// <summary>
/// The process group a command runs in: the wrapper that starts it calls <c>setsid</c>, so the group's id is the
/// wrapper's pid, and every process the command starts belongs to it unless it leaves on purpose. Signals go to the
/// whole group, so a shell's children stop with it.
/// </summary>
internal sealed class ProcessGroup
{
    private const int SigTerm = 15;
    private const int SigKill = 9;
    private const int NoSuchProcess = 3; // ESRCH

    /// <summary>The first wait between looks at whether the group is empty; it doubles up to <see cref="MaxPollInterval"/>.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// The longest wait between looks. A look may scan <c>/proc</c> (synchronously, on a pool thread): a node stopping dozens
    /// of runs at once that scanned every 50 ms starved the thread pool its heartbeat runs on.
    /// </summary>
    private static readonly TimeSpan MaxPollInterval = TimeSpan.FromMilliseconds(400);

    /// <summary>How long to wait after SIGKILL for the kernel to remove the processes (they cannot refuse it).</summary>
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(5);

    private readonly Process _leader;

    public ProcessGroup(Process leader)
    {
        _leader = leader;
        Id = leader.Id;
    }

    /// <summary>Gets the group's id: the pid of its leader.</summary>
    public int Id { get; }

    /// <summary>Gets a value indicating whether no process of the group is alive (zombies waiting for a parent's wait do not count).</summary>
    public bool IsEmpty => _leader.HasExited && !AnyAlive(Id);

    /// <summary>
    /// Stops every process of the group: SIGTERM, then SIGKILL to whatever is left after <paramref name="killTimeout"/>.
    /// Returns at once when the group is empty already.
    /// </summary>
    /// <returns><see langword="true"/> if SIGKILL was needed.</returns>
    public async Task<bool> StopAsync(TimeSpan killTimeout)
    {
        if (IsEmpty)
        {
            return false;
        }

        Signal(SigTerm);
        if (await WaitUntilEmptyAsync(killTimeout).ConfigureAwait(false))
        {
            return false;
        }

        Signal(SigKill);
        await WaitUntilEmptyAsync(KillWait).ConfigureAwait(false);
        return true;
    }

    private async Task<bool> WaitUntilEmptyAsync(TimeSpan limit)
    {
        long start = Stopwatch.GetTimestamp();
        TimeSpan wait = PollInterval;
        while (!IsEmpty)
        {
            TimeSpan left = limit - Stopwatch.GetElapsedTime(start);
            if (left <= TimeSpan.Zero)
            {
                return false;
            }

            await Task.Delay(wait < left ? wait : left, TimeProvider.System).ConfigureAwait(false);
            wait = wait * 2 < MaxPollInterval ? wait * 2 : MaxPollInterval;
        }

        return true;
    }

    private void Signal(int signal)
    {
        if (Kill(-Id, signal) != 0 && Marshal.GetLastPInvokeError() == NoSuchProcess && !_leader.HasExited)
        {
            // Started a moment ago: the wrapper has not made its group yet.
            _ = Kill(Id, signal);
        }
    }

    /// <summary>Whether a live (not zombie) process has <paramref name="groupId"/> as its process group.</summary>
    private static bool AnyAlive(int groupId)
    {
        if (Kill(-groupId, 0) != 0 && Marshal.GetLastPInvokeError() == NoSuchProcess)
        {
            return false;
        }

        // The group exists: make sure not only zombies (ended, waiting for their parent) are left in it.
        foreach (string folder in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(folder), NumberStyles.None, CultureInfo.InvariantCulture, out _)
                && ReadStat(folder) is { } stat && stat.Group == groupId && stat.State != 'Z')
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The state and process group from <c>/proc/PID/stat</c>; null if the process is gone.</summary>
    internal static (char State, int Group)? ReadStat(string folder)
    {
        string text;
        try
        {
            text = File.ReadAllText(Path.Combine(folder, "stat"));
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so read from the last ')'.
        string[] fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return fields.Length > 2 && int.TryParse(fields[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out int group)
            ? (fields[0][0], group)
            : null;
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
