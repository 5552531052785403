using BenchmarkDotNet.Running;

namespace TypedMail.CaptureBenchmarks;

/// <summary>
/// Runs the benchmarks: <c>DOTNET_TieredCompilation=0 dotnet run -c Release --project benchmarks/CaptureBenchmarks -- --filter '*'
/// --inProcess --warmupCount 5 --iterationCount 40 --iterationTime 250</c> (in process, as BenchmarkDotNet's own build of the
/// project times out on a loaded machine; tiered compilation off, so the first benchmark does not pay for the others' JIT).
/// </summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
