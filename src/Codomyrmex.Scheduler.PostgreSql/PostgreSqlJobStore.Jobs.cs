using Codomyrmex.Scheduler.PostgreSql.Internal;
using Codomyrmex.Scheduler.Storage;
using Npgsql;

namespace Codomyrmex.Scheduler.PostgreSql;

/// <summary>Adding, reading, listing, updating, cancelling, pausing and deleting jobs.</summary>
public sealed partial class PostgreSqlJobStore
{
    /// <summary>PostgreSQL's error code for a broken unique constraint.</summary>
    private const string UniqueViolation = "23505";

    /// <summary>The most inserts one round trip of <see cref="AddManyAsync"/> sends: a batch of a million jobs is sent in chunks, not held whole.</summary>
    private const int InsertsPerRoundTrip = 1000;

    /// <inheritdoc/>
    /// <remarks>
    /// A partial unique index keeps one live job per source and name, and the insert skips a conflicting row
    /// (<c>ON CONFLICT DO NOTHING</c>) in the transaction that then reads it, so nodes declaring the same jobs at once end with one.
    /// </remarks>
    /// <exception cref="ArgumentException">
    /// A job with the same id exists; the job runs a delegate rather than a registered task; or an argument is not a JSON value.
    /// </exception>
    public async ValueTask<AddJobResult> AddAsync(Job job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        JobRow row = ToNewRow(job, nameof(job));
        try
        {
            // The common case in one round trip: the insert and its notification in one statement, its own transaction (a
            // transaction of BEGIN + insert, the notification, and COMMIT took three). Only a job whose source and name a live
            // job holds (nothing inserted) takes the transaction that reads that job.
            if (await InsertAloneAsync(row, cancellationToken).ConfigureAwait(false))
            {
                JobStoreEvents.Raise(Changed, this, Change(JobStoreChangeKind.Added, row), _logger);
                return new AddJobResult { Job = job, Added = true };
            }

            return await InTransactionAsync(store => InsertAsync(store, row, job, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == UniqueViolation && e.ConstraintName == "jobs_pkey")
        {
            throw StoreErrors.DuplicateId(job.Id, nameof(job));
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// One transaction for the whole batch, each job inserted as <see cref="AddAsync"/> inserts it, the inserts in round trips
    /// of up to 1,000 jobs: other nodes see every added job or none.
    /// </remarks>
    /// <exception cref="ArgumentException">
    /// A job's id exists or appears twice; a job runs a delegate rather than a registered task; or an argument is not a JSON
    /// value. Nothing of the batch is added.
    /// </exception>
    public async ValueTask<IReadOnlyList<AddJobResult>> AddManyAsync(IReadOnlyList<Job> jobs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        if (jobs.Count == 0)
        {
            return [];
        }

        var rows = new JobRow[jobs.Count];
        var ids = new HashSet<string>(jobs.Count, StringComparer.Ordinal);
        for (int i = 0; i < rows.Length; i++)
        {
            Job job = jobs[i] ?? throw new ArgumentNullException(nameof(jobs), $"The job at index {i} is null.");
            if (!ids.Add(job.Id))
            {
                throw StoreErrors.DuplicateId(job.Id, nameof(jobs));
            }

            rows[i] = ToNewRow(job, nameof(jobs));
        }

        string? failed = null;
        try
        {
            return await InTransactionAsync(async store =>
            {
                // The inserts in round trips of up to InsertsPerRoundTrip jobs (so a huge batch is not held in memory whole); a job
                // whose source and name a live job holds (none inserted) is then looked up as AddAsync looks it up, so a batch of
                // many jobs costs a round trip per chunk, not one per job.
                var results = new AddJobResult?[rows.Length];
                for (int start = 0; start < rows.Length; start += InsertsPerRoundTrip)
                {
                    int end = Math.Min(rows.Length, start + InsertsPerRoundTrip);
                    var batch = new NpgsqlBatch(store.Connection, store.Transaction);
                    await using (batch.ConfigureAwait(false))
                    {
                        for (int r = start; r < end; r++)
                        {
                            using NpgsqlCommand bound = InsertCommand(store, rows[r]);
                            var insert = new NpgsqlBatchCommand(bound.CommandText);
                            NpgsqlParameter[] parameters = [.. bound.Parameters.Cast<NpgsqlParameter>()];
                            bound.Parameters.Clear();
                            foreach (NpgsqlParameter parameter in parameters)
                            {
                                insert.Parameters.Add(parameter);
                            }

                            batch.BatchCommands.Add(insert);
                        }

                        try
                        {
                            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                        }
                        catch (PostgresException e) when (e.BatchCommand is { } command && batch.BatchCommands.IndexOf(command) is var at && at >= 0)
                        {
                            failed = rows[start + at].Id;
                            throw;
                        }

                        for (int i = start; i < end; i++)
                        {
                            if (batch.BatchCommands[i - start].RecordsAffected == 1)
                            {
                                store.Changes.Add(Change(JobStoreChangeKind.Added, rows[i]));
                                results[i] = new AddJobResult { Job = jobs[i], Added = true };
                            }
                        }
                    }
                }

                for (int i = 0; i < rows.Length; i++)
                {
                    results[i] ??= await InsertAsync(store, rows[i], jobs[i], cancellationToken).ConfigureAwait(false);
                }

                return (IReadOnlyList<AddJobResult>)[.. results.Select(result => result!)];
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == UniqueViolation && e.ConstraintName == "jobs_pkey")
        {
            // The server's error does not always say which command of the batch failed: the id that is taken is then read back.
            failed ??= await FirstTakenIdAsync(rows, cancellationToken).ConfigureAwait(false);
            throw StoreErrors.DuplicateId(failed ?? "(unknown)", nameof(jobs));
        }
    }

    /// <summary>The first id of <paramref name="rows"/> that a job in the store already has, or <see langword="null"/>.</summary>
    private Task<string?> FirstTakenIdAsync(JobRow[] rows, CancellationToken cancellationToken) =>
        InTransactionAsync(async store =>
        {
            string[] ids = [.. rows.Select(row => row.Id)];
            using NpgsqlCommand find = store.Command(
                $"SELECT t.id FROM unnest(@ids) WITH ORDINALITY AS t(id, n) WHERE EXISTS (SELECT 1 FROM {_s}jobs j WHERE j.id = t.id) ORDER BY t.n LIMIT 1");
            Db.Add(find, "ids", ids);
            return await find.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
        }, cancellationToken);

    /// <summary>The row of a job to add, with its trigger kept for reading it back.</summary>
    /// <exception cref="ArgumentException">The job runs a delegate, or an argument is not a JSON value.</exception>
    private JobRow ToNewRow(Job job, string parameter)
    {
        if (job.Func is not null)
        {
            throw new ArgumentException(
                $"Job '{job.Name}' runs a delegate, which the PostgreSQL store cannot keep: register it with " +
                "scheduler.RegisterTask(name, handler) and schedule the task by name.", parameter);
        }

        var row = new JobRow
        {
            Id = job.Id,
            Name = job.Name,
            Task = job.Task,
            Args = ArgsJson(job.Args),
            Kwargs = KwargsJson(job.Kwargs),
            TriggerJson = job.Trigger?.ToJson(),
            MaxRuns = job.MaxRuns,
            Source = job.Source,
            CreatedAt = job.CreatedAt.UtcTicks,
            Options = job.Options,
            State = JobState.ForNewJob(job),
        };
        if (row.TriggerJson is not null)
        {
            CacheTrigger(row.TriggerJson, job.Trigger!);
        }

        return row;
    }

    /// <summary>Inserts a job in the transaction, unless a live job of its source and name exists: then returns that one.</summary>
    private async Task<AddJobResult> InsertAsync(StoreTransaction store, JobRow row, Job job, CancellationToken cancellationToken)
    {
        // A live job of the same source and name that finishes between the insert and the read is gone: try again.
        while (true)
        {
            using (NpgsqlCommand insert = InsertCommand(store, row))
            {
                if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
                {
                    store.Changes.Add(Change(JobStoreChangeKind.Added, row));
                    return new AddJobResult { Job = job, Added = true };
                }
            }

            using NpgsqlCommand existing = store.Command(
                $"SELECT {JobRow.Columns} FROM {_s}jobs WHERE source = @source AND name = @name AND status IN (0, 1)");
            Db.Add(existing, "source", row.Source!);
            Db.Add(existing, "name", row.Name);
            NpgsqlDataReader reader = await existing.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return new AddJobResult { Job = ToJob(JobRow.Read(reader)), Added = false };
                }
            }
        }
    }

    /// <summary>
    /// Inserts a job's row and notifies the other nodes of it in one statement outside any transaction (the notification is
    /// sent when the statement commits); <see langword="false"/> when a live job of its source and name exists (nothing inserted).
    /// </summary>
    private async Task<bool> InsertAloneAsync(JobRow row, CancellationToken cancellationToken)
    {
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        NpgsqlConnection connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using NpgsqlCommand insert = InsertCommand(new StoreTransaction(connection, null!, _clock), row, notify: true);
            Db.Add(insert, "channel", _channel);
            Db.Add(insert, "payload", ChangeListener.Payload(_storeId, Change(JobStoreChangeKind.Added, row)));
            NpgsqlDataReader reader = await insert.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                return await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The insert of a new job's row, made once per store: every add uses it, a batch once per job.</summary>
    private string InsertSql => _insertSql ??=
        $"INSERT INTO {_s}jobs (id, created_at, name, task, args, kwargs, trigger, max_runs, source, overlap, misfire, misfire_grace, " +
        "max_attempts, retry_delay, max_retry_delay, timeout, recoverable, status, last_failed, run_count, failure_count, active_runs, " +
        "next_run, queued, last_run, last_duration, version, retry_at, retry_of, retry_attempt, retry_is_recovery, waits_for_idle, " +
        "paused, due_at, finished_at, result, error) VALUES (@id, @created_at, @name, @task, @args, @kwargs, @trigger, @max_runs, " +
        "@source, @overlap, @misfire, @misfire_grace, @max_attempts, @retry_delay, @max_retry_delay, @timeout, @recoverable, @status, " +
        "@last_failed, @run_count, @failure_count, @active_runs, @next_run, @queued, @last_run, @last_duration, @version, @retry_at, " +
        $"@retry_of, @retry_attempt, @retry_is_recovery, @waits_for_idle, @paused, @due_at, CASE WHEN @finished THEN {Db.Now} END, " +
        "@result, @error) ON CONFLICT (source, name) WHERE source IS NOT NULL AND status IN (0, 1) DO NOTHING";

    private string? _insertSql;
    private string? _insertAndNotifySql;

    /// <summary>
    /// The insert of a new job's row, which inserts nothing when a live job of its source and name exists; with
    /// <paramref name="notify"/>, the statement also sends the notification <c>@payload</c> on <c>@channel</c> when it inserted.
    /// </summary>
    private NpgsqlCommand InsertCommand(StoreTransaction store, JobRow row, bool notify = false)
    {
        NpgsqlCommand insert = store.Command(notify ? _insertAndNotifySql ??= $"WITH ins AS ({InsertSql} RETURNING 1) SELECT pg_notify(@channel, @payload) FROM ins" : InsertSql);
        row.BindState(insert);
        row.BindDefinition(insert);
        Db.Add(insert, "created_at", row.CreatedAt);
        Db.Add(insert, "finished", row.State.IsFinished);
        return insert;
    }

    /// <summary>The id of the pending or running job (paused included) declared with this source and name, if any.</summary>
    private async Task<string?> LiveDeclaredIdAsync(StoreTransaction store, string source, string name, CancellationToken cancellationToken)
    {
        using NpgsqlCommand command = store.Command($"SELECT id FROM {_s}jobs WHERE source = @source AND name = @name AND status IN (0, 1)");
        Db.Add(command, "source", source);
        Db.Add(command, "name", name);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    /// <inheritdoc/>
    public async ValueTask<Job?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (!await HoldsAsync(id, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return await ReadAsync(async store =>
        {
            using NpgsqlCommand command = store.Command($"SELECT {JobRow.Columns} FROM {_s}jobs WHERE id = @id");
            Db.Add(command, "id", id);
            NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ToJob(JobRow.Read(reader)) : null;
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Each filter is a range of an index: status and source by <c>(status, seq)</c> and <c>(source, seq)</c>, a name or a
    /// name prefix by <c>(name COLLATE "C", seq)</c>, a prefix as a range up to <see cref="JobNamePrefix.UpperBound"/>.
    /// The total comes from <see cref="CountAsync"/> when no name or source filter is set.
    /// </remarks>
    public async ValueTask<JobPage> ListAsync(JobQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(query.Offset, nameof(query));
        ArgumentOutOfRangeException.ThrowIfNegative(query.Limit ?? 0, nameof(query));
        foreach (string? filter in (string?[])[query.Name, query.NamePrefix, query.Source])
        {
            if (filter is not null && !await HoldsAsync(filter, cancellationToken).ConfigureAwait(false))
            {
                // No stored job has a character the database cannot hold (LATIN1 has no CJK, no text has U+0000).
                return new JobPage { Items = [], Total = 0 };
            }
        }

        // The name index keys on the first 256 characters (see Schema/002_queries.sql): a range of it, then the whole name.
        string? key = query.NamePrefix is { Length: > 0 } prefix ? Truncate(prefix) : null;
        string? upper = key is null ? null : JobNamePrefix.UpperBound(key);
        bool counted = query.Name is null && query.NamePrefix is null && query.Source is null;
        return await ReadAsync(ListInAsync, cancellationToken).ConfigureAwait(false);

        async Task<JobPage> ListInAsync(StoreTransaction store)
        {
            // On a database not in UTF8 (LATIN1, SQL_ASCII) the server cuts a prefix's indexed part itself (SQL_ASCII counts
            // characters in bytes) and the range has no upper bound (it may be a character the encoding cannot hold: the one
            // after U+00FF in LATIN1).
            bool utf8 = IsUtf8;
            string filter = Filter(utf8);
            var items = new List<Job>();
            using (NpgsqlCommand command = store.Command($"SELECT {JobRow.Columns} FROM {_s}jobs{filter} ORDER BY seq OFFSET @offset LIMIT @limit"))
            {
                Bind(command, utf8);
                Db.Add(command, "offset", (long)query.Offset);
                Db.Add(command, "limit", query.Limit is { } limit ? limit : long.MaxValue);
                NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        items.Add(ToJob(JobRow.Read(reader)));
                    }
                }
            }

            long total;
            if (counted)
            {
                JobCounts counts = await CountInAsync(store, cancellationToken).ConfigureAwait(false);
                total = query.Status is { } status ? counts[status] : counts.Total;
            }
            else
            {
                using NpgsqlCommand count = store.Command($"SELECT count(*) FROM {_s}jobs{filter}");
                Bind(count, utf8);
                total = (long)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            }

            return new JobPage { Items = items, Total = (int)total };
        }

        string Filter(bool utf8)
        {
            var where = new List<string>();
            if (query.Status is { } wanted)
            {
                // The status is written into the statement, not bound: a prepared statement gets a generic plan after a few calls,
                // which knows no status value and walks seq for every status, reading every job for one page of a rare status
                // (the running or cancelled jobs). With the value, the plan reads (status, seq) when the status is rare.
                where.Add("status = " + ((int)wanted).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            if (query.Name is not null)
            {
                where.Add($"{NameKey} = left(@name, {NameKeyLength}) AND name = @name");
            }

            if (key is not null)
            {
                where.Add((utf8 ? $"{NameKey} >= @key" : $"{NameKey} >= left(@prefix, {NameKeyLength})") + " AND starts_with(name, @prefix)");
            }

            if (utf8 && upper is not null)
            {
                where.Add($"{NameKey} < @upper");
            }

            if (query.Source is not null)
            {
                // Written into the statement for the same reason as the status: a generic plan of source = $1 walks seq and reads
                // every job for one page of a rare source when another source holds most jobs. Escapes of characters past ASCII
                // name them in UTF8 only, so elsewhere such a source is bound (its plan may be generic: slower for a rare source,
                // never wrong).
                where.Add("source = " + (BoundSource(utf8) ? "@source" : Literal(query.Source)));
            }

            return where.Count == 0 ? "" : " WHERE " + string.Join(" AND ", where);
        }

        void Bind(NpgsqlCommand command, bool utf8)
        {
            AddText(command, "name", query.Name);
            AddText(command, "prefix", key is null ? null : query.NamePrefix);
            AddText(command, "key", utf8 ? key : null);
            AddText(command, "upper", utf8 ? upper : null);
            AddText(command, "source", BoundSource(utf8) ? query.Source : null);
        }

        bool BoundSource(bool utf8) => !utf8 && query.Source is { } source && !System.Text.Ascii.IsValid(source);

        static void AddText(NpgsqlCommand command, string name, string? value)
        {
            if (value is not null)
            {
                Db.Add(command, name, value);
            }
        }
    }

    /// <summary>The indexed part of a name: its first <see cref="NameKeyLength"/> characters, compared byte by byte.</summary>
    private const string NameKey = "(left(name, 256) COLLATE \"C\")";

    private const int NameKeyLength = 256;

    /// <summary>
    /// A text as an escape string constant (<c>E'...'</c>) of ASCII letters, digits and a few marks, every other character
    /// written as a Unicode escape (<c>\uXXXX</c>, <c>\UXXXXXXXX</c>): for a value that must be in the statement rather than
    /// bound. So the statement means the same whatever the session's <c>standard_conforming_strings</c> and whatever encoding
    /// the client sends text in (a code page's best fit cannot turn a character into a quote or a backslash after escaping).
    /// The text holds no U+0000 (<see cref="HasNul"/>) and no lone surrogate (<see cref="HasLoneSurrogate"/>). A text past
    /// ASCII for a UTF8 database only (<see cref="IsUtf8"/>): another server encoding refuses an escape above U+007F it cannot
    /// convert, and SQL_ASCII every one.
    /// </summary>
    private static string Literal(string text)
    {
        var literal = new System.Text.StringBuilder(text.Length + 8).Append("E'");
        foreach (System.Text.Rune rune in text.EnumerateRunes())
        {
            int value = rune.Value;
            if (value is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or ' ' or '-' or '_' or '.' or ':' or '/')
            {
                literal.Append((char)value);
            }
            else if (rune.IsBmp)
            {
                literal.Append("\\u").Append(value.ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                literal.Append("\\U").Append(value.ToString("X8", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return literal.Append('\'').ToString();
    }

    /// <summary>Whether the server's encoding is UTF8, so that a <see cref="Literal"/>'s escapes name every character it can store.</summary>
    private bool IsUtf8 => _serverEncoding == "UTF8";

    /// <summary>Whether a text holds half a surrogate pair, which no text column can hold (UTF-8 has no form for it).</summary>
    private static bool HasLoneSurrogate(string? text)
    {
        if (text is null)
        {
            return false;
        }

        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasNul(string? text) => text is not null && text.Contains('\0', StringComparison.Ordinal);

    /// <summary>The first <see cref="NameKeyLength"/> characters (code points, as PostgreSQL's <c>left</c> counts them) of a prefix.</summary>
    private static string Truncate(string prefix)
    {
        int index = 0;
        for (int count = 0; count < NameKeyLength && index < prefix.Length; count++)
        {
            index += char.IsSurrogatePair(prefix, index) ? 2 : 1;
        }

        return prefix[..index];
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Reads the counters the store keeps per status class and server process (see <c>Schema/002_queries.sql</c>; the rows
    /// of processes that have ended are folded by the nodes' heartbeats) and counts the running jobs by the status index: the
    /// cost does not grow with the number of jobs, no claim or completion waits for a shared counter, and counting only
    /// reads, so a role that may only read can count and a metrics scrape never writes or locks.
    /// </remarks>
    public async ValueTask<JobCounts> CountAsync(CancellationToken cancellationToken = default) =>
        await ReadAsync(store => CountInAsync(store, cancellationToken), cancellationToken).ConfigureAwait(false);

    /// <summary>Counts the jobs per status on the transaction's connection, in one statement (one snapshot).</summary>
    private async Task<JobCounts> CountInAsync(StoreTransaction store, CancellationToken cancellationToken)
    {
        var counts = new long[5];
        using NpgsqlCommand command = store.Command(
            $"SELECT class, sum(jobs)::bigint FROM {_s}job_counts GROUP BY class UNION ALL SELECT 1, count(*) FROM {_s}jobs WHERE status = 1");
        NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                counts[reader.GetInt32(0)] = reader.GetInt64(1);
            }
        }

        return new JobCounts { Pending = counts[0] - counts[1], Running = counts[1], Completed = counts[2], Failed = counts[3], Cancelled = counts[4] };
    }

    /// <inheritdoc/>
    /// <remarks>Two round trips: the job's row locked and read, then its new state, the notification and the commit.</remarks>
    public async ValueTask<Job?> UpdateAsync(Job job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        string args = ArgsJson(job.Args);
        string kwargs = KwargsJson(job.Kwargs);
        string? trigger = job.Trigger?.ToJson();
        if (trigger is not null)
        {
            CacheTrigger(trigger, job.Trigger!);
        }

        if (!await HoldsAsync(job.Id, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return await ChangeJobAsync(job.Id, (store, row, now, write) =>
        {
            if (row is null || row.State.Version != job.Version)
            {
                return null;
            }

            // A new trigger or limit moves the next run to the one the caller computed; a finished job may be pending again.
            row.State.ApplyUpdate(TriggerOf(row), row.MaxRuns, job);
            row.Name = job.Name;
            row.Task = job.Task;
            row.Args = args;
            row.Kwargs = kwargs;
            row.TriggerJson = trigger;
            row.MaxRuns = job.MaxRuns;
            row.Source = job.Source;
            row.Options = job.Options;
            row.StampFinished(now);
            write.BatchCommands.Add(WriteCommand(row, definition: true));
            store.Changes.Add(Change(JobStoreChangeKind.Updated, row));
            return ToJob(row);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// One round trip: a single autocommit statement applies <see cref="JobState.Cancel"/> to the row (an already cancelled job
    /// is left as it is), returns it and sends the <see cref="JobStoreChangeKind.Cancelled"/> notification when it commits.
    /// Claimed runs keep their claims (the active-run count is not touched): their nodes cancel them when they hear of the change.
    /// </remarks>
    public async ValueTask<Job?> CancelAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (!await HoldsAsync(id, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        JobRow? row = null;
        NpgsqlConnection connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using NpgsqlCommand cancel = new StoreTransaction(connection, null!, _clock).Command(CancelSql);
            Db.Add(cancel, "id", id);
            Db.Add(cancel, "channel", _channel);
            Db.Add(cancel, "payload", ChangeListener.Payload(_storeId, new JobStoreChange { Kind = JobStoreChangeKind.Cancelled, JobId = id }));
            NpgsqlDataReader reader = await cancel.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    row = JobRow.Read(reader);
                }
            }
        }

        if (row is null)
        {
            return null;
        }

        JobStoreEvents.Raise(Changed, this, new JobStoreChange { Kind = JobStoreChangeKind.Cancelled, JobId = row.Id }, _logger);
        return ToJob(row);
    }

    /// <summary>
    /// <see cref="JobState.Cancel"/> as one statement: unless the job is cancelled already (then every column keeps its value), the
    /// status becomes cancelled, the version grows by one, the pause, the next and queued occurrences and the pending retry are
    /// cleared, nothing is due, and the job is stamped finished now unless it had finished before. The row is returned, and the
    /// notification <c>@payload</c> goes out on <c>@channel</c> with the commit. Every row update of the job waits for this one,
    /// as for the row lock of a transaction. <c>CancelSqlTests</c> checks it against <see cref="JobState.Cancel"/> state by state.
    /// </summary>
    private string CancelSql => _cancelSql ??=
        $"WITH c AS (UPDATE {_s}jobs SET version = CASE WHEN status = 4 THEN version ELSE version + 1 END, status = 4, " +
        "paused = paused AND status = 4, next_run = CASE WHEN status = 4 THEN next_run ELSE 0 END, " +
        "queued = CASE WHEN status = 4 THEN queued ELSE 0 END, retry_at = CASE WHEN status = 4 THEN retry_at ELSE 0 END, " +
        "retry_is_recovery = retry_is_recovery AND status = 4, due_at = CASE WHEN status = 4 THEN due_at END, " +
        $"finished_at = CASE WHEN status = 4 THEN finished_at ELSE coalesce(finished_at, {Db.Now}) END " +
        $"WHERE id = @id RETURNING {JobRow.Columns}) SELECT c.*, pg_notify(@channel, @payload) FROM c";

    private string? _cancelSql;

    /// <inheritdoc/>
    /// <remarks>Two round trips: the job's row locked and read, then its new state (if it changed), the notification and the commit.</remarks>
    public async ValueTask<Job?> SetPausedAsync(string id, bool paused, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (!await HoldsAsync(id, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return await ChangeJobAsync(id, (store, row, _, write) =>
        {
            if (row is null)
            {
                return null;
            }

            if (row.State.SetPaused(paused))
            {
                write.BatchCommands.Add(WriteCommand(row, definition: false));
                store.Changes.Add(Change(paused ? JobStoreChangeKind.Paused : JobStoreChangeKind.Resumed, row));
            }

            return ToJob(row);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    /// <remarks>Two round trips: the job's row locked and read, then the deletes of its history, claims and row, the notification and the commit.</remarks>
    public async ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (!await HoldsAsync(id, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        return await ChangeJobAsync(id, (store, row, _, write) =>
        {
            if (row is null)
            {
                return false;
            }

            if (row.State.ActiveRuns > 0)
            {
                throw StoreErrors.DeleteWhileRunning(row.Id, row.Name);
            }

            foreach (string table in (ReadOnlySpan<string>)["runs", "claims"])
            {
                var delete = new NpgsqlBatchCommand($"DELETE FROM {_s}{table} WHERE job_id = @id");
                Db.Add(delete.Parameters, "id", row.Id);
                write.BatchCommands.Add(delete);
            }

            var job = new NpgsqlBatchCommand($"DELETE FROM {_s}jobs WHERE id = @id");
            Db.Add(job.Parameters, "id", row.Id);
            write.BatchCommands.Add(job);
            store.Changes.Add(new JobStoreChange { Kind = JobStoreChangeKind.Deleted, JobId = row.Id });
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }
}
