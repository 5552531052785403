using System.Globalization;
using BenchmarkDotNet.Running;

namespace TypedMail.TemplateBenchmarks;

/// <summary>Runs the benchmarks: <c>dotnet run -c Release --project benchmarks/TemplateBenchmarks -- --filter '*' --job short</c>.</summary>
public static class Program
{
    public static void Main(string[] args)
    {
        // Handlebars.Net formats numbers with the current culture; TypedMail always uses the invariant culture.
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
