using Npgsql;
using NpgsqlTypes;

namespace Codomyrmex.Scheduler.PostgreSql.Internal;

/// <summary>Small helpers for commands: typed parameters, and the server's clock as .NET ticks.</summary>
internal static class Db
{
    /// <summary>
    /// The server's time in UTC ticks, or <c>@now</c> when the store runs on a <see cref="TimeProvider"/> of its own (tests).
    /// <c>clock_timestamp()</c>, not <c>now()</c>: a lease is judged by the time the statement runs, not when its transaction began.
    /// </summary>
    public const string Now = "coalesce(@now, (extract(epoch from clock_timestamp()) * 10000000)::bigint + 621355968000000000)";

    public static void Add<T>(NpgsqlCommand command, string name, T value) => Add(command.Parameters, name, value);

    public static void Add(NpgsqlCommand command, string name, object? value, NpgsqlDbType type) => Add(command.Parameters, name, value, type);

    public static void Add<T>(NpgsqlParameterCollection parameters, string name, T value) =>
        parameters.Add(new NpgsqlParameter<T>(name, value));

    public static void Add(NpgsqlParameterCollection parameters, string name, object? value, NpgsqlDbType type) =>
        parameters.Add(new NpgsqlParameter(name, type) { Value = value ?? DBNull.Value });

    /// <summary>Binds <c>@now</c>: the store's own clock when it has one, else NULL so that <see cref="Now"/> reads the server's.</summary>
    public static void AddNow(NpgsqlCommand command, TimeProvider? clock) => AddNow(command.Parameters, clock);

    /// <summary>Binds <c>@now</c> in a parameter collection (a batch command's), as <see cref="AddNow(NpgsqlCommand, TimeProvider?)"/> does.</summary>
    public static void AddNow(NpgsqlParameterCollection parameters, TimeProvider? clock) =>
        Add(parameters, "now", clock?.GetUtcNow().UtcTicks, NpgsqlDbType.Bigint);
}
