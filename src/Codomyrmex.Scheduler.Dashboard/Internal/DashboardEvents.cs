using System.Threading.Channels;

namespace Codomyrmex.Scheduler.Dashboard.Internal;

/// <summary>Tells every watching browser that something changed: the scheduler's run events and the store's changes, as they happen.</summary>
internal sealed class DashboardEvents
{
    private readonly Lock _lock = new();
    private readonly List<Channel<string>> _watchers = [];

    public DashboardEvents(DashboardData data) => data.Changed += id => Publish(id ?? "");

    /// <summary>Starts watching: the channel receives a job id (or an empty string for "something") after each change.</summary>
    public Channel<string> Watch()
    {
        // A slow browser misses nothing that matters: one pending notice refreshes everything it would have.
        var channel = Channel.CreateBounded<string>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });
        lock (_lock)
        {
            _watchers.Add(channel);
        }

        return channel;
    }

    public void Unwatch(Channel<string> channel)
    {
        lock (_lock)
        {
            _watchers.Remove(channel);
        }
    }

    private void Publish(string jobId)
    {
        lock (_lock)
        {
            foreach (Channel<string> watcher in _watchers)
            {
                watcher.Writer.TryWrite(jobId);
            }
        }
    }
}
