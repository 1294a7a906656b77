using Npgsql;

namespace Codomyrmex.Scheduler.Hosting.Tests;

/// <summary>
/// The PostgreSQL server the PostgreSQL hosting tests run on, named by the <c>CODOMYRMEX_POSTGRES</c> connection string (<c>eng/postgres.sh start</c>
/// starts a throwaway one and prints it). Without it a test is skipped on a laptop, and fails under CI (<c>CI=true</c>).
/// </summary>
internal static class PostgresServer
{
    public const string Variable = "CODOMYRMEX_POSTGRES";

    /// <summary>Gets the connection string, or skips (fails under CI) the test when there is none.</summary>
    public static string ConnectionString
    {
        get
        {
            if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } connectionString)
            {
                return connectionString;
            }

            string message = $"{Variable} is not set: start a server with `eng/postgres.sh start` and export the connection string it prints.";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail("Under CI the PostgreSQL tests must run: " + message);
            }

            Assert.Skip(message);
            return "";
        }
    }

    /// <summary>A schema name no other test uses: each test's store is a new, empty store on the shared test database.</summary>
    public static string NewSchema() => "test_" + Guid.NewGuid().ToString("N");

    /// <summary>Drops a schema a test made.</summary>
    public static async Task DropAsync(string schema)
    {
        if (Environment.GetEnvironmentVariable(Variable) is not { Length: > 0 } connectionString)
        {
            return;
        }

        await using NpgsqlDataSource admin = NpgsqlDataSource.Create(connectionString);
        await using NpgsqlCommand drop = admin.CreateCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE");
        await drop.ExecuteNonQueryAsync(CancellationToken.None);
    }
}
