using BenchmarkDotNet.Running;
using Codomyrmex.Scheduler.Benchmarks.Dispatch;

namespace Codomyrmex.Scheduler.Benchmarks;

public static class Program
{
    /// <summary>
    /// <c>--scenario fires|lateness|memory|durable|dispatch|all [--quick]</c> runs the dispatch scenarios (see <see cref="DispatchScenarios"/>);
    /// anything else goes to BenchmarkDotNet.
    /// </summary>
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "--scenario")
        {
            return DispatchScenarios.RunAsync(args[1..]).GetAwaiter().GetResult();
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
