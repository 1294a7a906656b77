using System.Globalization;
using Codomyrmex.Scheduler.Storage;
using Npgsql;

namespace Codomyrmex.Scheduler.PostgreSql.Internal;

/// <summary>
/// Listens on the store's notification channel on a connection of its own, and hands the changes other store instances made
/// to <see cref="_raise"/>. A lost connection is opened again with a growing pause (up to <see cref="MaxBackoff"/>); after a
/// reconnect it reports one <see cref="JobStoreChangeKind.Unknown"/> change, since notifications sent meanwhile are lost.
/// </summary>
internal sealed class ChangeListener : IAsyncDisposable
{
    /// <summary>The first pause before reconnecting.</summary>
    public static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(50);

    /// <summary>The longest pause before reconnecting.</summary>
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    /// <summary>How long the listener's last statement (<c>UNLISTEN</c>, as it lets its connection go) may take.</summary>
    private static readonly TimeSpan UnlistenTimeout = TimeSpan.FromSeconds(2);

    /// <summary>How long the connection may be quiet before the listener checks that it is still alive.</summary>
    private static readonly TimeSpan PingAfter = TimeSpan.FromSeconds(15);

    private readonly NpgsqlDataSource _source;
    private readonly string _channel;
    private readonly string _storeId;
    private readonly Action<JobStoreChange> _raise;
    private readonly TimeProvider _waits;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _loop;
    private volatile int _backendProcessId;
    private int _connections;

    /// <param name="source">Where to connect.</param>
    /// <param name="channel">The channel's name.</param>
    /// <param name="storeId">This store instance's id: its own notifications are ignored (it raised those changes itself).</param>
    /// <param name="raise">Raises a change.</param>
    /// <param name="waits">The clock the reconnect pauses wait on (the system's: the store's clock of record may be a test's).</param>
    public ChangeListener(NpgsqlDataSource source, string channel, string storeId, Action<JobStoreChange> raise, TimeProvider waits)
    {
        _source = source;
        _channel = channel;
        _storeId = storeId;
        _raise = raise;
        _waits = waits;
    }

    /// <summary>Gets the server process id of the listening connection, 0 while disconnected.</summary>
    public int BackendProcessId => _backendProcessId;

    /// <summary>Gets how many times the listener has connected.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Gets a value indicating whether the listener is connected (false while it waits to reconnect).</summary>
    public bool IsListening => _backendProcessId != 0;

    /// <summary>Starts listening; completes when the first LISTEN is in place (or the first attempt failed).</summary>
    public Task StartAsync()
    {
        _loop ??= Task.Run(() => RunAsync(_stop.Token));
        return _listening.Task;
    }

    /// <summary>The payload of a notification: store id, kind, due time in ticks (empty for none) and job id (last: it may hold anything).</summary>
    public static string Payload(string storeId, JobStoreChange change) => string.Create(
        CultureInfo.InvariantCulture,
        $"{storeId}|{(int)change.Kind}|{change.DueAt?.UtcTicks.ToString(CultureInfo.InvariantCulture)}|{change.JobId}");

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is { } loop)
        {
            try
            {
                await loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        _stop.Dispose();
    }

    private async Task RunAsync(CancellationToken stop)
    {
        TimeSpan backoff = MinBackoff;
        bool reconnecting = false;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                NpgsqlConnection connection = await _source.OpenConnectionAsync(stop).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    connection.Notification += OnNotification;
                    try
                    {
                        using (var listen = new NpgsqlCommand("LISTEN " + StoreSchema.Quote(_channel), connection))
                        {
                            await listen.ExecuteNonQueryAsync(stop).ConfigureAwait(false);
                        }

                        _backendProcessId = connection.ProcessID;
                        Interlocked.Increment(ref _connections);
                        backoff = MinBackoff;
                        _listening.TrySetResult();
                        if (reconnecting)
                        {
                            // Whatever was notified while the connection was down is lost: every dispatcher must look again.
                            _raise(new JobStoreChange { Kind = JobStoreChangeKind.Unknown });
                        }

                        using var ping = new NpgsqlCommand("SELECT 1", connection);
                        while (true)
                        {
                            // A connection that died without a word (a network cut) delivers nothing and raises nothing: a
                            // query after a quiet spell finds out, and the reconnect follows.
                            if (!await connection.WaitAsync((int)PingAfter.TotalMilliseconds, stop).ConfigureAwait(false))
                            {
                                await ping.ExecuteScalarAsync(stop).ConfigureAwait(false);
                            }
                        }
                    }
                    finally
                    {
                        connection.Notification -= OnNotification;
                        await UnlistenAsync(connection).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException or TimeoutException)
            {
                _backendProcessId = 0;
                _listening.TrySetResult();
                reconnecting = true;
                try
                {
                    await Task.Delay(backoff, _waits, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    /// <summary>
    /// Stops listening on a connection about to go back to the pool, unless it is broken (then the pool drops it): a pool that
    /// does not reset its connections (<c>No Reset On Close</c>, as <see cref="PostgreSqlJobStore.CreateDataSource"/> makes
    /// it) would hand the <c>LISTEN</c> on, and the server would keep queueing notifications for a connection nobody reads.
    /// </summary>
    private async Task UnlistenAsync(NpgsqlConnection connection)
    {
        if (connection.FullState != System.Data.ConnectionState.Open)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(UnlistenTimeout, _waits);
        try
        {
            using var unlisten = new NpgsqlCommand("UNLISTEN " + StoreSchema.Quote(_channel), connection);
            await unlisten.ExecuteNonQueryAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException or TimeoutException or OperationCanceledException)
        {
            // A broken connection is not pooled again; one still open may still listen (the UNLISTEN timed out, or the server
            // refused it): clearing the pool closes it when it is returned, with the idle ones (rare, and safe).
            if (connection.FullState == System.Data.ConnectionState.Open)
            {
                NpgsqlConnection.ClearPool(connection);
            }
        }
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        string payload = e.Payload;
        int first = payload.IndexOf('|', StringComparison.Ordinal);
        int second = first < 0 ? -1 : payload.IndexOf('|', first + 1);
        int third = second < 0 ? -1 : payload.IndexOf('|', second + 1);
        if (third < 0 || payload.AsSpan(0, first).SequenceEqual(_storeId))
        {
            return;
        }

        _ = int.TryParse(payload.AsSpan(first + 1, second - first - 1), NumberStyles.None, CultureInfo.InvariantCulture, out int kind);
        DateTimeOffset? due = long.TryParse(payload.AsSpan(second + 1, third - second - 1), NumberStyles.None, CultureInfo.InvariantCulture, out long ticks)
            ? new DateTimeOffset(ticks, TimeSpan.Zero)
            : null;
        string? jobId = third + 1 == payload.Length ? null : payload[(third + 1)..];
        _raise(new JobStoreChange { Kind = (JobStoreChangeKind)kind, JobId = jobId, DueAt = due });
    }
}
