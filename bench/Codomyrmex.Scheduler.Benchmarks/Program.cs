using BenchmarkDotNet.Running;
using Codomyrmex.Scheduler.Benchmarks.Dispatch;
using Codomyrmex.Scheduler.Benchmarks.Scale;

namespace Codomyrmex.Scheduler.Benchmarks;

public static class Program
{
    /// <summary>
    /// <c>--scenario fires|lateness|memory|durable|dispatch|cluster|cluster-latency|all [--quick]</c> runs the dispatch scenarios (see <see cref="DispatchScenarios"/>),
    /// <c>--scenario scale ...</c> the store-size scenario (see <see cref="ScaleScenario"/>); anything else goes to BenchmarkDotNet.
    /// </summary>
    public static int Main(string[] args)
    {
        if (args.Length > 1 && args[0] == "--scenario" && args[1] == "scale")
        {
            return ScaleScenario.RunAsync(args[2..]).GetAwaiter().GetResult();
        }

        if (args.Length > 0 && args[0] == "--scenario")
        {
            return DispatchScenarios.RunAsync(args[1..]).GetAwaiter().GetResult();
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
