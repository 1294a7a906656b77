namespace Codomyrmex.Scheduler.Cluster.Tests;

/// <summary>
/// The PostgreSQL server the cluster runs on, named by the <c>CODOMYRMEX_POSTGRES</c> connection string (<c>eng/postgres.sh start</c>
/// starts a throwaway one and prints it). Without it the test is skipped on a laptop, and fails under CI (<c>CI=true</c>).
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
                Assert.Fail("Under CI the cluster test must run: " + message);
            }

            Assert.Skip(message);
            return "";
        }
    }
}
