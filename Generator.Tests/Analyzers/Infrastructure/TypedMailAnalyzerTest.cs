using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;
using TypedMail.Generator.Tests.Infrastructure;

namespace TypedMail.Generator.Tests.Analyzers.Infrastructure;

/// <summary>
/// An analyzer test on the Roslyn testing framework, set up as every TypedMail analyzer test is: pinned references
/// (<see cref="TestReferences"/>) plus the application of <see cref="AnalyzerSources"/>, C# latest, nullable enabled.
/// The test code must compile (the framework reports compiler errors as unexpected diagnostics). In the markup,
/// <c>[|...|]</c> stands for <see cref="MarkupId"/> (by default the analyzer's first descriptor); other IDs are written
/// <c>{|TM3003:...|}</c>.
/// </summary>
public sealed class TypedMailAnalyzerTest<TAnalyzer> : CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
    where TAnalyzer : DiagnosticAnalyzer, new()
{
    public TypedMailAnalyzerTest()
    {
        AnalyzerTestSetup.Apply(this, TestState);
    }

    /// <summary>The ID that <c>[|...|]</c> marks; <see langword="null"/> for the analyzer's first descriptor.</summary>
    public string? MarkupId { get; init; }

    /// <summary>Source generators that run before the analyzer, as in a build.</summary>
    public List<Type> SourceGenerators { get; } = [];

    /// <summary>Runs the analyzer over <paramref name="markup"/> and expects exactly the marked diagnostics and <paramref name="expected"/>.</summary>
    public static Task VerifyAsync(string markup, params DiagnosticResult[] expected) => VerifyAsync(markup, null, expected);

    /// <summary>As <see cref="VerifyAsync(string, DiagnosticResult[])"/>, with <c>[|...|]</c> standing for <paramref name="markupId"/>.</summary>
    public static Task VerifyAsync(string markup, string? markupId, params DiagnosticResult[] expected)
    {
        var test = new TypedMailAnalyzerTest<TAnalyzer> { TestCode = markup, MarkupId = markupId };
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    protected override CompilationOptions CreateCompilationOptions() => AnalyzerTestSetup.Options(base.CreateCompilationOptions());

    protected override ParseOptions CreateParseOptions() => AnalyzerTestSetup.Options(base.CreateParseOptions());

    protected override DiagnosticDescriptor? GetDefaultDiagnostic(DiagnosticAnalyzer[] analyzers)
        => AnalyzerTestSetup.DefaultDiagnostic(analyzers, MarkupId);

    protected override IEnumerable<Type> GetSourceGenerators() => SourceGenerators;
}

/// <summary>A code-fix test on the Roslyn testing framework, set up as <see cref="TypedMailAnalyzerTest{TAnalyzer}"/> is.</summary>
public sealed class TypedMailCodeFixTest<TAnalyzer, TCodeFix> : CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    public TypedMailCodeFixTest()
    {
        AnalyzerTestSetup.Apply(this, TestState);
    }

    /// <summary>
    /// Applies the fix to the diagnostic marked in <paramref name="markup"/> and expects <paramref name="fixedCode"/>,
    /// which must compile and raise nothing. Pass the markup itself as <paramref name="fixedCode"/> to assert that the
    /// fix offers nothing.
    /// </summary>
    public static Task VerifyAsync(string markup, string fixedCode)
        => new TypedMailCodeFixTest<TAnalyzer, TCodeFix> { TestCode = markup, FixedCode = fixedCode }.RunAsync();

    protected override CompilationOptions CreateCompilationOptions() => AnalyzerTestSetup.Options(base.CreateCompilationOptions());

    protected override ParseOptions CreateParseOptions() => AnalyzerTestSetup.Options(base.CreateParseOptions());

    protected override DiagnosticDescriptor? GetDefaultDiagnostic(DiagnosticAnalyzer[] analyzers)
        => AnalyzerTestSetup.DefaultDiagnostic(analyzers, null);
}

/// <summary>What every analyzer and code-fix test shares.</summary>
internal static class AnalyzerTestSetup
{
    public static void Apply(AnalyzerTest<DefaultVerifier> test, SolutionState state)
    {
        test.ReferenceAssemblies = TestReferences.NoPackages;
        state.AdditionalReferences.AddRange(TestReferences.All);
        state.AdditionalReferences.Add(AnalyzerSources.Reference);
    }

    public static CompilationOptions Options(CompilationOptions options)
        => ((CSharpCompilationOptions)options).WithNullableContextOptions(NullableContextOptions.Enable);

    public static ParseOptions Options(ParseOptions options) => ((CSharpParseOptions)options).WithLanguageVersion(LanguageVersion.Latest);

    public static DiagnosticDescriptor DefaultDiagnostic(DiagnosticAnalyzer[] analyzers, string? id)
    {
        var supported = analyzers[0].SupportedDiagnostics;
        return id is null ? supported[0] : supported.Single(d => d.Id == id);
    }
}
