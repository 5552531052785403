using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using TypedMail.Generator;
using TypedMail.GeneratorTiming;

// Times the email generator on a project of many [Email] records with three templates each: its share of a build, and
// of an IDE-style edit of one template (against the same edit to a file the generator ignores).
// Usage: dotnet run -c Release --project benchmarks/GeneratorTiming -- [--emails 200] [--iterations 10] [--dotnet-build 5] [--dump folder]
var emails = Option("--emails", 200);
var iterations = Option("--iterations", 10);
var dotnetBuilds = Option("--dotnet-build", 0);
var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
    .Where(p => !Path.GetFileName(p).StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal))
    .Where(p => !Path.GetFileName(p).StartsWith("TypedMail.G", StringComparison.Ordinal))
    .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
    .ToImmutableArray();
// As csc parses a project without /doc (no GenerateDocumentationFile): doc comments are plain comments.
var parseOptions = new CSharpParseOptions(LanguageVersion.Latest, DocumentationMode.None);
var source = LargeProject.Source(emails);
var trees = ImmutableArray.Create(
    CSharpSyntaxTree.ParseText(source, parseOptions, path: "Emails.cs"),
    CSharpSyntaxTree.ParseText("namespace Shop; public static class Unrelated { public static int Answer => 42; }", parseOptions, path: "Unrelated.cs"));
var templates = LargeProject.Templates(emails).Select(t => (AdditionalText)new Text(t.Path, t.Text)).ToList();
var notes = new Text("Docs/notes.txt", "Release notes");
ImmutableArray<AdditionalText> additionalTexts = [.. templates, notes];

Console.WriteLine($"{emails} emails, {templates.Count} template files; {iterations} iterations after a warm-up; median of each.");
Console.WriteLine($"Runtime {Environment.Version}, {Environment.ProcessorCount} cores, Roslyn {typeof(Compilation).Assembly.GetName().Version}, load average {LoadAverage()}.");

var generatedChars = 0;

// Check once, with step tracking, that the project compiles cleanly and that a template edit re-binds one email only.
Check();

// 1. The build: a fresh compilation compiled without the generator (the peer), and with it (the generator run, then the
// compilation that includes its output).
// Each is timed on the wall clock and in CPU time of the process: on a loaded machine the CPU time varies less.
var compileWithout = new List<Timing>();
var generate = new List<Timing>();
var compileWith = new List<Timing>();
for (var i = -1; i < iterations; i++)
{
    var without = Compile(NewCompilation());
    var (generated, output) = Generate(NewCompilation());
    var with = Compile(output);
    if (i >= 0)
    {
        compileWithout.Add(without);
        generate.Add(generated);
        compileWith.Add(with);
    }
}

// 2. Where the generator's run goes: each tracked step of a fresh driver (tracking adds a little), its whole run, and the
// parse of the C# it adds (done by Roslyn within the generator's time), as csc parses it and with doc comments parsed.
var steps = new Dictionary<string, List<double>>(StringComparer.Ordinal);
var runs = new List<double>();
var parsePlain = new List<double>();
var parseDocs = new List<double>();
var ownRuns = new List<double>();
for (var i = -1; i < iterations; i++)
{
    // On a fresh compilation the generator's first semantic query also loads the references and declares the project's
    // types, which the compile does when the generator does not: here that is done first, to tell its own work apart.
    var declared = NewCompilation();
    _ = declared.GetDeclarationDiagnostics();
    var own = Timing.Now();
    NewDriver(track: false).RunGenerators(declared);
    var ownTime = Timing.Now() - own;

    var run = NewDriver(track: true).RunGenerators(NewCompilation());
    var result = run.GetRunResult().Results.Single();
    var texts = result.GeneratedSources.Select(s => s.SourceText).ToList();
    var plain = Parse(texts, parseOptions);
    var docs = Parse(texts, parseOptions.WithDocumentationMode(DocumentationMode.Diagnose));
    if (i >= 0)
    {
        runs.Add(run.GetTimingInfo().ElapsedTime.TotalMilliseconds);
        ownRuns.Add(ownTime.Cpu);
        parsePlain.Add(plain);
        parseDocs.Add(docs);
        foreach (var (name, tracked) in result.TrackedSteps.Concat(result.TrackedOutputSteps))
        {
            (steps.TryGetValue(name, out var list) ? list : steps[name] = []).Add(tracked.Sum(s => s.ElapsedTime.TotalMilliseconds));
        }
    }
}

// 3. An IDE-style edit: the generator re-runs on a warm driver after one template changed, against the same edit to a
// file the generator filters out.
var compilation = NewCompilation();
var driver = NewDriver(track: false).RunGenerators(compilation);
var templateEdit = new List<double>();
var unrelatedEdit = new List<double>();
AdditionalText current = templates.Single(t => t.Path == LargeProject.EditedTemplate);
AdditionalText currentNotes = notes;
for (var i = -3; i < iterations * 5; i++)
{
    var edited = new Text(LargeProject.EditedTemplate, LargeProject.Html(7, i % 2 == 0 ? "Thank you" : "Thanks"));
    var watch = Stopwatch.StartNew();
    driver = driver.ReplaceAdditionalText(current, edited).RunGenerators(compilation);
    watch.Stop();
    current = edited;
    var notesEdited = new Text(notes.Path, i % 2 == 0 ? "Release notes, edited" : "Release notes");
    var peer = Stopwatch.StartNew();
    driver = driver.ReplaceAdditionalText(currentNotes, notesEdited).RunGenerators(compilation);
    peer.Stop();
    currentNotes = notesEdited;
    if (i >= 0)
    {
        templateEdit.Add(watch.Elapsed.TotalMilliseconds);
        unrelatedEdit.Add(peer.Elapsed.TotalMilliseconds);
    }
}

Console.WriteLine();
Console.WriteLine("| measurement | median ms | ratio to peer | median CPU ms | ratio to peer |");
Console.WriteLine("|---|---:|---:|---:|---:|");
BuildRow("compile (emit) without the generator (peer)", t => Median(compileWithout.Select(t).ToList()));
BuildRow("generator run, fresh driver (as in a build)", t => Median(generate.Select(t).ToList()));
BuildRow("compile with the generated code", t => Median(compileWith.Select(t).ToList()));
BuildRow("added to the build (generator + extra compile)", t => Median(generate.Select(t).ToList()) + Median(compileWith.Select(t).ToList()) - Median(compileWithout.Select(t).ToList()));
Console.WriteLine();
Console.WriteLine($"| generator run, fresh driver with step tracking ({Format(Median(runs))} ms wall in all) | median ms |");
Console.WriteLine("|---|---:|");
Console.WriteLine($"| the run on a compilation already declared (references loaded, types declared), CPU | {Format(Median(ownRuns), "F1")} |");
foreach (var (name, times) in steps.OrderByDescending(s => Median(s.Value)).Where(s => Median(s.Value) >= 0.5))
{
    Console.WriteLine($"| step {name} | {Format(Median(times), "F1")} |");
}

Console.WriteLine($"| parse of the generated C# ({Format(generatedChars / 1e6, "F2")} million characters) as csc parses it, CPU | {Format(Median(parsePlain), "F1")} |");
Console.WriteLine($"| the same with doc comments parsed (GenerateDocumentationFile), CPU | {Format(Median(parseDocs), "F1")} |");
Console.WriteLine();
Console.WriteLine("| edit, warm driver | median ms | ratio to peer |");
Console.WriteLine("|---|---:|---:|");
Console.WriteLine($"| an unrelated file changed (peer) | {Format(Median(unrelatedEdit), "F2")} | 1.00 |");
Console.WriteLine($"| one template changed | {Format(Median(templateEdit), "F2")} | {Format(Median(templateEdit) / Median(unrelatedEdit), "F1")} |");

if (dotnetBuilds > 0)
{
    DotnetBuild(dotnetBuilds);
}

return 0;

void BuildRow(string name, Func<Func<Timing, double>, double> measure)
{
    var (wall, cpu) = (measure(t => t.Wall), measure(t => t.Cpu));
    var (peerWall, peerCpu) = (Median(compileWithout.Select(t => t.Wall).ToList()), Median(compileWithout.Select(t => t.Cpu).ToList()));
    Console.WriteLine($"| {name} | {Format(wall)} | {Format(wall / peerWall, "F2")} | {Format(cpu)} | {Format(cpu / peerCpu, "F2")} |");
}

CSharpCompilation NewCompilation()
    => CSharpCompilation.Create("Shop", trees, references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

GeneratorDriver NewDriver(bool track)
    => CSharpGeneratorDriver.Create(
        [new EmailGenerator().AsSourceGenerator()],
        additionalTexts,
        parseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: track));

static double Parse(List<SourceText> texts, CSharpParseOptions options)
{
    var start = Timing.Now();
    foreach (var text in texts)
    {
        CSharpSyntaxTree.ParseText(text, options).GetRoot();
    }

    return (Timing.Now() - start).Cpu;
}

(Timing Time, Compilation Output) Generate(Compilation input)
{
    var start = Timing.Now();
    NewDriver(track: false).RunGeneratorsAndUpdateCompilation(input, out var output, out _);
    return (Timing.Now() - start, output);
}

// One Emit, as csc compiles: it binds and checks each method body once and reports every diagnostic (a GetDiagnostics
// call before it would bind every body a second time).
static Timing Compile(Compilation compilation)
{
    var start = Timing.Now();
    using var stream = new MemoryStream();
    var emit = compilation.Emit(stream);
    var elapsed = Timing.Now() - start;
    if (!emit.Success || emit.Diagnostics.Any(d => d.Severity >= DiagnosticSeverity.Warning))
    {
        throw new InvalidOperationException("The project does not compile cleanly:\n" + string.Join("\n", emit.Diagnostics.Take(10)));
    }

    return elapsed;
}

void Check()
{
    var tracked = NewDriver(track: true).RunGeneratorsAndUpdateCompilation(NewCompilation(), out var output, out var diagnostics);
    if (!diagnostics.IsEmpty)
    {
        throw new InvalidOperationException("The generator reported:\n" + string.Join("\n", diagnostics.Take(10)));
    }

    Compile(output);
    var rendered = tracked.GetRunResult().GeneratedTrees.Length;
    generatedChars = tracked.GetRunResult().GeneratedTrees.Sum(t => t.Length);
    if (Array.IndexOf(args, "--dump") is var dump and >= 0)
    {
        // --dump <folder>: writes the generated sources, to read what the compiler is given.
        Directory.CreateDirectory(args[dump + 1]);
        foreach (var tree in tracked.GetRunResult().GeneratedTrees)
        {
            File.WriteAllText(Path.Combine(args[dump + 1], Path.GetFileName(tree.FilePath)), tree.ToString());
        }
    }

    var edited = tracked.ReplaceAdditionalText(templates.Single(t => t.Path == LargeProject.EditedTemplate), new Text(LargeProject.EditedTemplate, LargeProject.Html(7, "Hello")))
        .RunGenerators(NewCompilation());
    var rebound = edited.GetRunResult().Results.Single().TrackedSteps[TrackingNames.BoundEmails]
        .SelectMany(s => s.Outputs).Count(o => o.Reason != IncrementalStepRunReason.Cached);
    Console.WriteLine($"Generated {rendered} files ({generatedChars} characters); compiles with no warnings; a template edit re-binds {rebound} of {emails} emails.");
    if (rebound != 1)
    {
        throw new InvalidOperationException("A template edit should re-bind exactly one email.");
    }
}

// Real `dotnet build` of the same project written to disk, with and without the generator, alternating.
void DotnetBuild(int runs)
{
    var dir = Path.Combine(Path.GetTempPath(), "typedmail-generator-timing");
    if (Directory.Exists(dir))
    {
        Directory.Delete(dir, recursive: true);
    }

    Directory.CreateDirectory(Path.Combine(dir, "Mail"));
    File.WriteAllText(Path.Combine(dir, "Emails.cs"), source);
    foreach (var template in LargeProject.Templates(emails))
    {
        File.WriteAllText(Path.Combine(dir, template.Path), template.Text);
    }

    var bin = AppContext.BaseDirectory;
    var referenceItems = string.Join("\n", Directory.GetFiles(bin, "*.dll")
        .Where(p => !Path.GetFileName(p).StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal) && !Path.GetFileName(p).StartsWith("TypedMail.G", StringComparison.Ordinal))
        .Select(p => $"    <Reference Include=\"{p}\" />"));
    File.WriteAllText(Path.Combine(dir, "Shop.csproj"), $"""
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
            <NuGetAudit>false</NuGetAudit>
          </PropertyGroup>
          <ItemGroup>
        {referenceItems}
            <AdditionalFiles Include="Mail/*.scriban" />
          </ItemGroup>
          <ItemGroup Condition="'$(WithGenerator)' == 'true'">
            <Analyzer Include="{typeof(EmailGenerator).Assembly.Location}" />
          </ItemGroup>
        </Project>
        """);
    Run(dir, "restore -nologo -v:q");
    const string build = "build -c Release --no-restore --no-incremental -nologo -v:q";
    var with = new List<double>();
    var without = new List<double>();
    for (var i = -1; i < runs; i++)
    {
        var a = Run(dir, $"{build} -p:WithGenerator=false");
        var b = Run(dir, $"{build} -p:WithGenerator=true");
        if (i >= 0)
        {
            without.Add(a);
            with.Add(b);
        }
    }

    // The compiler's own account of the same builds (-p:ReportAnalyzer=true), in builds of their own so that the timed
    // builds above are plain ones: each generator's and each analyzer's time, read from a detailed build log.
    var reportWithout = new List<CompilerReport>();
    var reportWith = new List<CompilerReport>();
    for (var i = 0; i < runs; i++)
    {
        foreach (var (generator, reports) in new[] { (false, reportWithout), (true, reportWith) })
        {
            var log = Path.Combine(dir, "report.log");
            Run(dir, $"{build} -p:WithGenerator={(generator ? "true" : "false")} -p:ReportAnalyzer=true \"-flp:verbosity=detailed;logfile={log}\"");
            reports.Add(CompilerReport.Parse(File.ReadAllLines(log)));
        }
    }

    Console.WriteLine();
    Console.WriteLine($"`dotnet build --no-incremental` of the same project in {dir}, {runs} runs each after a warm-up, alternating; load average {LoadAverage()}.");
    Console.WriteLine();
    Console.WriteLine("| dotnet build | median ms | ratio to peer |");
    Console.WriteLine("|---|---:|---:|");
    Console.WriteLine($"| without the generator (peer) | {Format(Median(without))} | 1.00 |");
    Console.WriteLine($"| with the generator | {Format(Median(with))} | {Format(Median(with) / Median(without), "F2")} |");
    Console.WriteLine($"| added by the generator | {Format(Median(with) - Median(without))} | {Format((Median(with) - Median(without)) / Median(without), "F2")} |");

    Console.WriteLine();
    Console.WriteLine($"The compiler's report of {runs} more builds of each (`-p:ReportAnalyzer=true`), medians; load average {LoadAverage()}. Analyzers run");
    Console.WriteLine("concurrently with the compile: their times add up CPU, not wall clock.");
    Console.WriteLine();
    Console.WriteLine("| compiler report | without the generator, ms | with it, ms | added, ms |");
    Console.WriteLine("|---|---:|---:|---:|");
    ReportRow("EmailGenerator", r => r.Generators.GetValueOrDefault("EmailGenerator"));
    ReportRow("all generators", r => r.TotalGenerators);
    ReportRow("all analyzers", r => r.TotalAnalyzers);
    foreach (var analyzer in reportWith.SelectMany(r => r.Analyzers).GroupBy(a => a.Key).OrderByDescending(g => Median(g.Select(a => a.Value).ToList())).Take(3))
    {
        ReportRow(analyzer.Key, r => r.Analyzers.GetValueOrDefault(analyzer.Key));
    }

    void ReportRow(string name, Func<CompilerReport, double> seconds)
    {
        var (a, b) = (Median(reportWithout.Select(seconds).ToList()) * 1000, Median(reportWith.Select(seconds).ToList()) * 1000);
        Console.WriteLine($"| {name} | {Format(a)} | {Format(b)} | {Format(b - a)} |");
    }
}

static double Run(string dir, string arguments)
{
    var start = new ProcessStartInfo("dotnet", arguments) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
    var watch = Stopwatch.StartNew();
    using var process = Process.Start(start)!;
    var output = process.StandardOutput.ReadToEndAsync();
    var error = process.StandardError.ReadToEnd();
    process.WaitForExit();
    watch.Stop();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"dotnet {arguments} failed:\n{output.Result}\n{error}");
    }

    return watch.Elapsed.TotalMilliseconds;
}

static string LoadAverage()
    => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

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

/// <summary>Wall-clock and CPU milliseconds (CPU of the whole process: the compiler's threads and the GC's).</summary>
internal readonly record struct Timing(double Wall, double Cpu)
{
    public static Timing Now() => new(Stopwatch.GetTimestamp() * 1000.0 / Stopwatch.Frequency, Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds);

    public static Timing operator -(Timing end, Timing start) => new(end.Wall - start.Wall, end.Cpu - start.Cpu);
}

/// <summary>What csc reports with <c>-p:ReportAnalyzer=true</c>: seconds per analyzer and generator type, and in all.</summary>
internal sealed record CompilerReport(double TotalAnalyzers, double TotalGenerators, Dictionary<string, double> Analyzers, Dictionary<string, double> Generators)
{
    // "   0.788   37      Microsoft.NetCore.CSharp.Analyzers.Runtime.CSharpDetectPreviewFeatureAnalyzer (CA2252)": a type (its
    // assembly's line has 3 spaces before the name, a type's 6); "<0.001" is read as 0.
    private static readonly Regex TypeLine = new(@"^\s+<?(\d+\.\d+)\s+<?\d+\s{6,}(\S.*?)(\s+\(.*\))?$", RegexOptions.CultureInvariant);

    public static CompilerReport Parse(string[] log)
    {
        var analyzers = new Dictionary<string, double>(StringComparer.Ordinal);
        var generators = new Dictionary<string, double>(StringComparer.Ordinal);
        double? totalAnalyzers = null, totalGenerators = null;
        Dictionary<string, double>? section = null;
        foreach (var line in log)
        {
            var text = line.Trim();
            if (text.StartsWith("Total analyzer execution time:", StringComparison.Ordinal))
            {
                (totalAnalyzers, section) = (Seconds(text), analyzers);
            }
            else if (text.StartsWith("Total generator execution time:", StringComparison.Ordinal))
            {
                (totalGenerators, section) = (Seconds(text), generators);
            }
            else if (section is not null && TypeLine.Match(line) is { Success: true } match)
            {
                var name = match.Groups[2].Value;
                section[name[(name.LastIndexOf('.') + 1)..] + match.Groups[3].Value] = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            }
        }

        if (totalAnalyzers is null || totalGenerators is null)
        {
            throw new InvalidOperationException("The build log has no analyzer or generator report (-p:ReportAnalyzer=true at detailed verbosity).");
        }

        return new CompilerReport(totalAnalyzers.Value, totalGenerators.Value, analyzers, generators);
    }

    private static double Seconds(string line)
        => double.Parse(line[(line.IndexOf(':') + 1)..].Replace("seconds.", "", StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture);
}

/// <summary>An additional file held in memory.</summary>
internal sealed class Text(string path, string text) : AdditionalText
{
    private readonly SourceText _text = SourceText.From(text);

    public override string Path { get; } = path;

    public override SourceText GetText(CancellationToken cancellationToken = default) => _text;
}
