using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using TypedMail.Analyzers;
using TypedMail.AnalyzerTiming;

// Times the TypedMail analyzers on a generated large file, against compiling the same file without them.
// Usage: dotnet run -c Release --project benchmarks/AnalyzerTiming -- [--methods 2000] [--iterations 10]
var methods = Option("--methods", 2000);
var iterations = Option("--iterations", 10);
var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
    .Where(p => !Path.GetFileName(p).StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal))
    .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
    .ToImmutableArray();
var parseOptions = new CSharpParseOptions(LanguageVersion.Latest);
var source = LargeProject.Generate(methods);
var trees = ImmutableArray.Create(
    CSharpSyntaxTree.ParseText(source, parseOptions, path: "Orders.cs"),
    CSharpSyntaxTree.ParseText(LargeProject.App, parseOptions, path: "App.cs"));
ImmutableArray<DiagnosticAnalyzer> analyzers = [new SmtpSendInsideTransactionAnalyzer(), new EnqueueWithoutSaveChangesAnalyzer()];
ImmutableArray<DiagnosticAnalyzer> peer = [new EmptyOperationBlockAnalyzer()];

Console.WriteLine($"{methods} methods, {source.Split('\n').Length} lines; {iterations} iterations after a warm-up; median of each.");
Console.WriteLine($"Runtime {Environment.Version}, {Environment.ProcessorCount} cores, Roslyn {typeof(Compilation).Assembly.GetName().Version}.");

// Warm up JIT and caches, and check the analyzers find what the file holds.
var (compileWarm, _, _, _) = await Measure(null);
var (_, _, _, found) = await Measure(analyzers);
await Measure(peer);
var expected = LargeProject.Expected(methods);
var sends = found.Count(d => d.Id == "TM3001");
var enqueues = found.Count(d => d.Id == "TM3002");
var calls = found.Count(d => d.Id == "TM3003");
Console.WriteLine($"Found TM3001 x{sends} (expected {expected.SendInTransaction}), TM3002 x{enqueues} (expected {expected.UnsavedEnqueue}), "
    + $"TM3003 x{calls} (expected {expected.SendingCall}); warm-up compile {compileWarm.TotalMilliseconds:F0} ms.");
if (sends != expected.SendInTransaction || enqueues != expected.UnsavedEnqueue || calls != expected.SendingCall)
{
    Console.Error.WriteLine("The analyzers did not report what the generated file holds.");
    return 1;
}

var compileOnly = new List<double>();
var compileWithAnalyzers = new List<double>();
var compileWithPeer = new List<double>();
var analyzerTime = new List<double>();
var perAnalyzer = analyzers.ToDictionary(a => a.GetType().Name, _ => new List<double>());
for (var i = 0; i < iterations; i++)
{
    compileOnly.Add((await Measure(null)).Wall.TotalMilliseconds);
    compileWithPeer.Add((await Measure(peer)).Wall.TotalMilliseconds);
    var (wall, total, each, _) = await Measure(analyzers);
    compileWithAnalyzers.Add(wall.TotalMilliseconds);
    analyzerTime.Add(total.TotalMilliseconds);
    foreach (var (name, time) in each)
    {
        perAnalyzer[name].Add(time.TotalMilliseconds);
    }
}

var compile = Median(compileOnly);
var combined = Median(compileWithAnalyzers);
var analysis = Median(analyzerTime);
Console.WriteLine();
Console.WriteLine("| measurement | median ms | ratio to compile |");
Console.WriteLine("|---|---:|---:|");
Console.WriteLine($"| compile (diagnostics + emit), no analyzers | {Format(compile)} | 1.00 |");
Console.WriteLine($"| compile with an empty operation-block analyzer (wall; the floor for any such analyzer) | {Format(Median(compileWithPeer))} | {Format(Median(compileWithPeer) / compile, "F2")} |");
Console.WriteLine($"| compile with both analyzers (wall) | {Format(combined)} | {Format(combined / compile, "F2")} |");
Console.WriteLine($"| analyzer execution time, both (telemetry) | {Format(analysis)} | {Format(analysis / compile, "F2")} |");
foreach (var (name, times) in perAnalyzer)
{
    Console.WriteLine($"| {name} (telemetry) | {Format(Median(times))} | {Format(Median(times) / compile, "F2")} |");
}

return 0;

// One fresh compilation (nothing bound yet): its diagnostics and an emit, with the given analyzers running, or none.
async Task<(TimeSpan Wall, TimeSpan AnalyzerTotal, List<(string Name, TimeSpan Time)> PerAnalyzer, ImmutableArray<Diagnostic> Found)> Measure(ImmutableArray<DiagnosticAnalyzer>? running)
{
    var compilation = CSharpCompilation.Create("Shop", trees, references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
    var watch = Stopwatch.StartNew();
    ImmutableArray<Diagnostic> diagnostics;
    CompilationWithAnalyzers? withAnalyzers = null;
    if (running is { } set)
    {
        withAnalyzers = compilation.WithAnalyzers(set, new CompilationWithAnalyzersOptions(
            new AnalyzerOptions([]), onAnalyzerException: null, concurrentAnalysis: true, logAnalyzerExecutionTime: true));
        diagnostics = await withAnalyzers.GetAllDiagnosticsAsync(CancellationToken.None);
    }
    else
    {
        diagnostics = compilation.GetDiagnostics();
    }

    using var stream = new MemoryStream();
    var emit = compilation.Emit(stream);
    watch.Stop();
    if (!emit.Success || diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error))
    {
        throw new InvalidOperationException("The generated project does not compile:\n" + string.Join("\n", diagnostics.Concat(emit.Diagnostics).Where(d => d.Severity == DiagnosticSeverity.Error).Take(10)));
    }

    var each = new List<(string, TimeSpan)>();
    var total = TimeSpan.Zero;
    if (withAnalyzers is not null)
    {
        // The analysis is done; this reads its recorded results, with the time spent in each analyzer's callbacks.
        var telemetry = (await withAnalyzers.GetAnalysisResultAsync(CancellationToken.None)).AnalyzerTelemetryInfo;
        foreach (var analyzer in running!.Value)
        {
            var time = telemetry[analyzer].ExecutionTime;
            each.Add((analyzer.GetType().Name, time));
            total += time;
        }
    }

    return (watch.Elapsed, total, each, diagnostics.Where(d => d.Id.StartsWith("TM3", StringComparison.Ordinal)).ToImmutableArray());
}

int Option(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

static string Format(double value, string format = "F0") => value.ToString(format, CultureInfo.InvariantCulture);
