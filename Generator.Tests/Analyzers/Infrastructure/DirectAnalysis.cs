using System;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using TypedMail.Generator.Tests.Infrastructure;

namespace TypedMail.Generator.Tests.Analyzers.Infrastructure;

/// <summary>
/// Runs analyzers with <see cref="CompilationWithAnalyzers"/> directly, for the few checks the Roslyn testing
/// framework cannot express: analyzer instances loaded in another load context (<see cref="AnalyzerPackagingTests"/>),
/// compilations that lack the types the analyzers look for (<see cref="AnalyzerRobustnessTests"/>), and .editorconfig
/// severities raised to <c>error</c> (the framework's workspace applied <c>none</c> and <c>suggestion</c> but left
/// <c>error</c> at the default severity in version 1.1.4, see <see cref="SeverityConfigurationTests"/>).
/// Everything else uses <see cref="TypedMailAnalyzerTest{TAnalyzer}"/>.
/// </summary>
public static class DirectAnalysis
{
    /// <summary>
    /// The test code as <c>Test.cs</c> in <paramref name="directory"/>, referencing <see cref="TestReferences.All"/> and
    /// <see cref="AnalyzerSources"/>, as a library with nullable enabled.
    /// </summary>
    public static CSharpCompilation Compilation(string code, string directory = "")
        => CSharpCompilation.Create(
            "AnalyzerTests",
            [CSharpSyntaxTree.ParseText(code, new CSharpParseOptions(LanguageVersion.Latest), path: Path.Combine(directory, "Test.cs"))],
            [.. TestReferences.All, AnalyzerSources.Reference],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    /// <summary>Runs the analyzers and fails on any exception they throw (AD0001); returns their diagnostics in source order.</summary>
    public static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(Compilation compilation, ImmutableArray<DiagnosticAnalyzer> analyzers, AnalyzerOptions? options = null)
    {
        var exceptions = new ConcurrentQueue<string>();
        var withAnalyzers = compilation.WithAnalyzers(
            analyzers,
            new CompilationWithAnalyzersOptions(
                options ?? new AnalyzerOptions([]),
                onAnalyzerException: (exception, analyzer, _) => exceptions.Enqueue(analyzer.GetType().Name + ": " + exception),
                concurrentAnalysis: true,
                logAnalyzerExecutionTime: false,
                reportSuppressedDiagnostics: false));
        var diagnostics = await withAnalyzers.GetAnalyzerDiagnosticsAsync();
        Assert.True(exceptions.IsEmpty, "An analyzer threw:\n" + string.Join("\n", exceptions));
        Assert.DoesNotContain(diagnostics, d => d.Id == "AD0001");
        return diagnostics.OrderBy(d => d.Location.SourceSpan.Start).ToImmutableArray();
    }
}
