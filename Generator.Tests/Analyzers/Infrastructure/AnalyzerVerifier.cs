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

/// <summary>Runs an analyzer over marked-up test code with <see cref="CompilationWithAnalyzers"/>.</summary>
public static class AnalyzerVerifier
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    /// <summary>
    /// The test code plus <see cref="AnalyzerSources"/>, as a library with nullable enabled. The files are named
    /// <c>Test.cs</c>, <c>MailKit.cs</c>, <c>OtherMailApis.cs</c> and <c>App.cs</c> in <paramref name="directory"/>.
    /// </summary>
    public static CSharpCompilation Compilation(string code, string directory = "")
        => CSharpCompilation.Create(
            "AnalyzerTests",
            [
                CSharpSyntaxTree.ParseText(code, ParseOptions, path: Path.Combine(directory, "Test.cs")),
                CSharpSyntaxTree.ParseText(AnalyzerSources.MailKit, ParseOptions, path: Path.Combine(directory, "MailKit.cs")),
                CSharpSyntaxTree.ParseText(AnalyzerSources.OtherMailApis, ParseOptions, path: Path.Combine(directory, "OtherMailApis.cs")),
                CSharpSyntaxTree.ParseText(AnalyzerSources.App, ParseOptions, path: Path.Combine(directory, "App.cs")),
            ],
            TestReferences.All,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    /// <summary>
    /// Asserts that the analyzer reports exactly at the marked spans of <paramref name="markup"/>, and that the code
    /// compiles: a test that does not compile proves nothing about real code.
    /// </summary>
    public static async Task<ImmutableArray<Diagnostic>> VerifyAsync(DiagnosticAnalyzer analyzer, string markup)
    {
        var (code, expected) = Markup.Parse(markup);
        var compilation = Compilation(code);
        var diagnostics = await AnalyzeAsync(compilation, analyzer);
        Assert.Equal(expected, diagnostics.Select(d => d.Location.SourceSpan));
        return diagnostics;
    }

    /// <summary>Asserts the compilation has no errors, runs the analyzer, and fails on any analyzer exception.</summary>
    public static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(Compilation compilation, DiagnosticAnalyzer analyzer, AnalyzerOptions? options = null)
    {
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, "The test code does not compile:\n" + string.Join("\n", errors));

        var exceptions = new ConcurrentQueue<Exception>();
        var withAnalyzers = compilation.WithAnalyzers(
            [analyzer],
            new CompilationWithAnalyzersOptions(
                options ?? new AnalyzerOptions([]),
                onAnalyzerException: (exception, _, _) => exceptions.Enqueue(exception),
                concurrentAnalysis: true,
                logAnalyzerExecutionTime: false,
                reportSuppressedDiagnostics: false));
        var diagnostics = await withAnalyzers.GetAnalyzerDiagnosticsAsync();
        Assert.True(exceptions.IsEmpty, "The analyzer threw:\n" + string.Join("\n", exceptions));
        Assert.All(diagnostics, d => Assert.Contains(analyzer.SupportedDiagnostics, s => s.Id == d.Id));
        return diagnostics.OrderBy(d => d.Location.SourceSpan.Start).ToImmutableArray();
    }
}
