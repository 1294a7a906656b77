using System.Text;
using Microsoft.Extensions.Logging;

namespace Codomyrmex.Scheduler.PostgreSql;

/// <summary>Options of a <see cref="PostgreSqlJobStore"/>.</summary>
public sealed class PostgreSqlJobStoreOptions
{
    /// <summary>Gets or sets the schema that holds the store's tables; the store creates it if it is missing.</summary>
    /// <value>The default is <c>codomyrmex</c>. Stores on one database with different schemas are separate stores.</value>
    public string Schema { get; set; } = "codomyrmex";

    /// <summary>Gets or sets how much run history each job keeps.</summary>
    /// <value>The default is <see cref="RunHistoryOptions.Default"/>.</value>
    public RunHistoryOptions History { get; set; } = RunHistoryOptions.Default;

    /// <summary>Gets or sets how long finished jobs and run history are kept (<see cref="Storage.IJobStore.PurgeExpiredAsync"/>).</summary>
    /// <value>The default is <see cref="JobRetentionOptions.Default"/>.</value>
    public JobRetentionOptions Retention { get; set; } = JobRetentionOptions.Default;

    /// <summary>Gets or sets where the store logs what it cannot report to a caller, such as a <c>Changed</c> handler that threw.</summary>
    /// <value>The default is <see langword="null"/>: nothing is logged.</value>
    public ILogger? Logger { get; set; }

    /// <summary>Gets or sets a clock of record that replaces the server's: for tests that drive time with a fake clock.</summary>
    /// <value>
    /// The default is <see langword="null"/>: the server's clock (<c>clock_timestamp()</c>) decides what is due, when leases end
    /// and expire, liveness, <see cref="Job.FinishedAt"/> and retention, so nodes whose clocks disagree still agree on all of
    /// it. Every store instance on one schema must use the same clock; never set it in production.
    /// </value>
    public TimeProvider? TimeProvider { get; set; }

    /// <summary>Gets or sets a value indicating whether the store listens for the changes other store instances make (<c>LISTEN</c>).</summary>
    /// <value>
    /// The default is <see langword="true"/>: changes made on other nodes are raised by <see cref="Storage.IJobStore.Changed"/> within
    /// milliseconds. The listener holds one connection of the data source for the store's lifetime.
    /// </value>
    public bool ListenForChanges { get; set; } = true;

    /// <summary>Checks the options.</summary>
    /// <returns>Every problem found, each naming the option and its value; empty when the options are valid.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        // PostgreSQL cuts identifiers at 63 bytes: two longer names could name one schema.
        if (string.IsNullOrWhiteSpace(Schema) || Encoding.UTF8.GetByteCount(Schema) > 63 || Schema.AsSpan().IndexOfAny("\0'\"") >= 0)
        {
            errors.Add($"Schema is '{Schema}'; it must be a PostgreSQL identifier of 1 to 63 bytes in UTF-8, without quotes.");
        }

        if (History is null)
        {
            errors.Add("History is null; it must be set.");
        }
        else
        {
            errors.AddRange(History.Validate());
        }

        if (Retention is null)
        {
            errors.Add("Retention is null; it must be set.");
        }
        else
        {
            errors.AddRange(Retention.Validate());
        }

        return errors;
    }
}
