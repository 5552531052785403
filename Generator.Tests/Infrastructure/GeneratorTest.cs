using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;

namespace TypedMail.Generator.Tests.Infrastructure;

/// <summary>
/// A generator test on the Roslyn testing framework: the <see cref="EmailGenerator"/> over <c>TestState.Sources</c> and
/// the templates in <c>TestState.AdditionalFiles</c>, with pinned references (<see cref="TestReferences"/>), C# latest
/// and nullable enabled. It checks the generated sources (<c>GeneratedSources</c>, or <see cref="Snapshot"/>) and every
/// diagnostic, the generator's and the compiler's, by ID, location and message.
/// What the framework cannot express (which incremental steps ran, loading and running the emitted assembly, a
/// diagnostic's severity lowered for the compilation) uses <see cref="GeneratorHarness"/>.
/// </summary>
public sealed class GeneratorTest : CSharpSourceGeneratorTest<EmailGenerator, DefaultVerifier>
{
    public GeneratorTest()
    {
        ReferenceAssemblies = TestReferences.NoPackages;
        TestState.AdditionalReferences.AddRange(TestReferences.All);
    }

    /// <summary>
    /// Nullable enabled. The framework parses documentation comments (so malformed XML docs in generated code are
    /// reported); CS1591 is off, since the test's own records carry no docs.
    /// </summary>
    protected override CompilationOptions CreateCompilationOptions()
    {
        var options = (CSharpCompilationOptions)base.CreateCompilationOptions();
        return options.WithNullableContextOptions(NullableContextOptions.Enable)
            .WithSpecificDiagnosticOptions(options.SpecificDiagnosticOptions.SetItem("CS1591", ReportDiagnostic.Suppress));
    }

    protected override ParseOptions CreateParseOptions() => ((CSharpParseOptions)base.CreateParseOptions()).WithLanguageVersion(LanguageVersion.Latest);
}
