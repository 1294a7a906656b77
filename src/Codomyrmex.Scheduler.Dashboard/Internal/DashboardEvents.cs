using System.Threading.Channels;

namespace Codomyrmex.Scheduler.Dashboard.Internal;

/// <summary>
/// Tells every watching browser that something changed: the scheduler's run events and the store's changes as they happen,
/// and, while anyone watches, a look at the store every poll interval for changes made by other processes.
/// </summary>
internal sealed class DashboardEvents
{
    private readonly Lock _lock = new();
    private readonly List<Channel<string>> _watchers = [];
    private readonly DashboardData _data;
    private readonly TimeSpan? _pollInterval;
    private bool _polling;

    public DashboardEvents(DashboardData data, TimeSpan? pollInterval)
    {
        _data = data;
        _pollInterval = pollInterval;
        data.Changed += id => Publish(id ?? "");
    }

    /// <summary>Starts watching: the channel receives a job id (or an empty string for "something") after each change.</summary>
    public Channel<string> Watch()
    {
        // A slow browser misses nothing that matters: one pending notice refreshes everything it would have.
        var channel = Channel.CreateBounded<string>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });
        bool startPoll;
        lock (_lock)
        {
            _watchers.Add(channel);
            startPoll = _pollInterval is not null && !_polling;
            _polling |= startPoll;
        }

        if (startPoll)
        {
            _ = PollAsync(_pollInterval!.Value);
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

    public void Publish(string jobId)
    {
        lock (_lock)
        {
            foreach (Channel<string> watcher in _watchers)
            {
                watcher.Writer.TryWrite(jobId);
            }
        }
    }

    private async Task PollAsync(TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval, _data.Time);
        string? last = null;
        while (await timer.WaitForNextTickAsync().ConfigureAwait(false))
        {
            lock (_lock)
            {
                if (_watchers.Count == 0)
                {
                    _polling = false;
                    return;
                }
            }

            try
            {
                string now = await _data.FingerprintAsync(CancellationToken.None).ConfigureAwait(false);
                if (last is not null && now != last)
                {
                    Publish("");
                }

                last = now;
            }
#pragma warning disable CA1031 // A store that cannot be read now is shown as such on the next page load; the poll keeps going.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }
}
