namespace Codomyrmex.Scheduler.Cluster.Tests;

/// <summary>
/// Where the cluster test's figures go: the test's diagnostic messages (xunit.runner.json turns them on), and the file named by
/// <c>CODOMYRMEX_CLUSTER_REPORT</c>, which .ci/run prints after the tests.
/// </summary>
internal static class ClusterReport
{
    public const string Variable = "CODOMYRMEX_CLUSTER_REPORT";

    public static void Write(IReadOnlyList<string> lines)
    {
        foreach (string line in lines)
        {
            TestContext.Current.SendDiagnosticMessage(line);
        }

        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } path)
        {
            File.WriteAllLines(path, lines);
        }
    }
}
