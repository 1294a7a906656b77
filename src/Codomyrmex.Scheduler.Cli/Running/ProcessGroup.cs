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

    /// <summary>When the group was made (a <see cref="Stopwatch"/> timestamp): after its leader started.</summary>
    private readonly long _createdAt = Stopwatch.GetTimestamp();

    public ProcessGroup(Process leader)
    {
        _leader = leader;
        Id = leader.Id;
    }

    /// <summary>Gets the group's id: the pid of its leader.</summary>
    public int Id { get; }

    /// <summary>Gets a value indicating whether no process of the group is alive (zombies waiting for a parent's wait do not count).</summary>
    public bool IsEmpty => _leader.HasExited && !AnyAlive(Id, _createdAt);

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

    /// <summary>Guards <see cref="s_liveGroups"/>: one thread scans <c>/proc</c> at a time, for every group at once.</summary>
    private static readonly Lock s_scanLock = new();

    /// <summary>The groups that had a live member at the last scan of <c>/proc</c>, and when (a <see cref="Stopwatch"/> timestamp).</summary>
    private static Tuple<long, HashSet<int>> s_liveGroups = Tuple.Create(0L, new HashSet<int>());

    /// <summary>Whether a live (not zombie) process has <paramref name="groupId"/> as its process group.</summary>
    /// <remarks>
    /// A group that still exists may hold only zombies waiting for init, which reaps them late in some containers. Telling
    /// them apart takes a scan of <c>/proc</c>, synchronous; one scan serves every group asked about within
    /// <see cref="PollInterval"/>, and while another thread scans the group counts as alive (it is looked at again): a node
    /// stopping dozens of runs at once must not spend its thread pool, which its heartbeat needs, on scans.
    /// </remarks>
    private static bool AnyAlive(int groupId, long createdAt)
    {
        if (Kill(-groupId, 0) != 0 && Marshal.GetLastPInvokeError() == NoSuchProcess)
        {
            return false;
        }

        // A scan from before the group was made cannot say it has no live member; a later one can: a group that had no live
        // member at the scan gains none (only a member forks one).
        (long at, HashSet<int> groups) = Volatile.Read(ref s_liveGroups);
        if (at > createdAt && Stopwatch.GetElapsedTime(at) < PollInterval)
        {
            return groups.Contains(groupId);
        }

        if (!s_scanLock.TryEnter())
        {
            return true;
        }

        try
        {
            // The group exists: make sure not only zombies (ended, waiting for their parent) are left in it.
            long scannedAt = Stopwatch.GetTimestamp();
            var live = new HashSet<int>();
            foreach (string folder in Directory.EnumerateDirectories("/proc"))
            {
                if (int.TryParse(Path.GetFileName(folder), NumberStyles.None, CultureInfo.InvariantCulture, out _)
                    && ReadStat(folder) is { } stat && stat.State != 'Z')
                {
                    live.Add(stat.Group);
                }
            }

            Volatile.Write(ref s_liveGroups, Tuple.Create(scannedAt, live));
            return live.Contains(groupId);
        }
        finally
        {
            s_scanLock.Exit();
        }
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
