using System.Data.Common;
using System.Globalization;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Npgsql;

namespace Codomyrmex.Scheduler.Shared;

/// <summary>
/// The database a <c>postgres:</c> store names, read from its connection string: an Npgsql connection string, plus one key of
/// ours, <c>Schema=NAME</c> (Npgsql has no such key), which names the schema holding the store's tables and is taken out
/// before Npgsql sees the rest. Messages name the host, port, database and user, never the password.
/// </summary>
internal sealed partial class PostgresTarget
{
    /// <summary>The connection string key that names the store's schema; not an Npgsql (or libpq) key.</summary>
    public const string SchemaKey = "Schema";

    private PostgresTarget(string connectionString, string? schema, string host, int port, string? database, string? user)
    {
        ConnectionString = connectionString;
        Schema = schema;
        Host = host;
        Port = port;
        Database = database;
        User = user;
    }

    /// <summary>Gets the Npgsql connection string, without <see cref="SchemaKey"/>.</summary>
    public string ConnectionString { get; }

    /// <summary>Gets the schema of the store's tables, or <see langword="null"/> for the store's default.</summary>
    public string? Schema { get; }

    /// <summary>Gets the server's host (or the first of several).</summary>
    public string Host { get; }

    /// <summary>Gets the server's port.</summary>
    public int Port { get; }

    /// <summary>Gets the database, or <see langword="null"/> when the connection string names none (the user's name then).</summary>
    public string? Database { get; }

    /// <summary>Gets the user, or <see langword="null"/> when the connection string names none.</summary>
    public string? User { get; }

    /// <summary>Gets the server and database as a message names them: <c>database jobs on db:5432</c>.</summary>
    public string Described => string.Create(CultureInfo.InvariantCulture,
        $"database {Database ?? User ?? "(default)"}{(Schema is null ? "" : $", schema {Schema},")} on {Host}:{Port}");

    /// <summary>Reads a connection string.</summary>
    /// <exception cref="ArgumentException">
    /// It is a URL (<c>postgres://...</c>), is not <c>Key=Value;...</c>, has a key Npgsql does not know, names no host, or has
    /// an empty <c>Schema=</c>; the message says which, without repeating the text (it may hold a password).
    /// </exception>
    public static PostgresTarget Read(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        string text = connectionString.Trim();
        if (text.StartsWith("//", StringComparison.Ordinal) || text.Contains("://", StringComparison.Ordinal))
        {
            throw new ArgumentException("the connection string is a URL; write it as keys and values, for example postgres:Host=db;Database=jobs;Username=app.");
        }

        var generic = new DbConnectionStringBuilder();
        try
        {
            generic.ConnectionString = text;
        }
        catch (ArgumentException)
        {
            // The builder's own message quotes nothing of the text, but say what the form is.
            throw new ArgumentException("the connection string is not Key=Value pairs separated by ';' (for example Host=db;Database=jobs;Username=app).");
        }

        // The builder drops a key whose value is empty; "Schema=" given empty is a mistake, not the default.
        if (EmptySchema().IsMatch(text))
        {
            throw new ArgumentException("the connection string's Schema= is empty; give the schema of the store's tables, or leave the key out for codomyrmex.");
        }

        string? schema = null;
        if (generic.TryGetValue(SchemaKey, out object? value))
        {
            schema = Convert.ToString(value, CultureInfo.InvariantCulture)?.Trim();
            if (string.IsNullOrEmpty(schema))
            {
                throw new ArgumentException("the connection string's Schema= is empty; give the schema of the store's tables, or leave the key out for codomyrmex.");
            }

            generic.Remove(SchemaKey);
        }

        NpgsqlConnectionStringBuilder npgsql;
        try
        {
            npgsql = new NpgsqlConnectionStringBuilder(generic.ConnectionString);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            // "Keyword not supported: 'hots'", "Couldn't set port": names the key, never a value.
            throw new ArgumentException($"the connection string is not valid: {e.Message}");
        }

        if (string.IsNullOrWhiteSpace(npgsql.Host))
        {
            throw new ArgumentException("the connection string names no server; add Host=NAME (and Database=, Username=).");
        }

        string host = npgsql.Host.Split(',')[0].Trim();
        return new PostgresTarget(npgsql.ConnectionString, schema, host, npgsql.Port, npgsql.Database, npgsql.Username);
    }

    /// <summary>Whether an exception is one that <see cref="Explain"/> words: the server cannot be reached, or refused us.</summary>
    public static bool IsConnectionFailure(Exception exception) => exception is NpgsqlException or TimeoutException;

    /// <summary>What went wrong reaching the database, in one line that names what to check and never the password.</summary>
    public string Explain(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        string server = string.Create(CultureInfo.InvariantCulture, $"{Host}:{Port}");
        switch (exception)
        {
            case PostgresException { SqlState: PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification } refused:
                return $"the server at {server} refused user {User ?? "(default)"}: {refused.MessageText}; check Username= and Password=.";
            case PostgresException { SqlState: PostgresErrorCodes.InvalidCatalogName }:
                return $"database {Database ?? User ?? "(default)"} does not exist on {server}; create it (createdb) or check Database=.";
            case PostgresException { SqlState: PostgresErrorCodes.InsufficientPrivilege } denied:
                return $"user {User ?? "(default)"} may not use {Described}: {denied.MessageText}.";
            case PostgresException other:
                return $"{Described}: {other.SqlState}: {other.MessageText}";
        }

        for (Exception? inner = exception; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case SocketException socket:
                    return $"cannot reach the PostgreSQL server at {server}: {socket.Message}; check Host= and Port=, and that the server runs.";
                case TimeoutException:
                    return $"the PostgreSQL server at {server} did not answer in time; check Host= and Port=, and that the server runs.";
            }
        }

        return $"{Described}: {exception.Message}";
    }

    [GeneratedRegex(@"(^|;)\s*schema\s*=\s*(;|$)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex EmptySchema();
}
