using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace TypedMail.Generator.Tests.Infrastructure;

/// <summary>
/// Runs the EmailGenerator over source and template files with <see cref="CSharpGeneratorDriver"/>, as the compiler
/// does, for what the Roslyn testing framework (<see cref="GeneratorTest"/>) cannot express: which incremental steps
/// ran and why, loading and running the emitted assembly, and diagnostics lowered for a compilation (<see cref="Relaxed"/>).
/// </summary>
public static class GeneratorHarness
{
    public static CSharpCompilation Compilation(params string[] sources)
        => CSharpCompilation.Create(
            "Tests",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, new CSharpParseOptions(LanguageVersion.Latest), path: $"Source{i}.cs")),
            TestReferences.All,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    /// <summary>TM2002 lowered to a warning, as a project can do in .editorconfig: unknown names render empty, as in Scriban.</summary>
    public static CSharpCompilation Relaxed(CSharpCompilation compilation)
        => compilation.WithOptions(compilation.Options.WithSpecificDiagnosticOptions([new KeyValuePair<string, ReportDiagnostic>("TM2002", ReportDiagnostic.Warn)]));

    public static GeneratorDriver Driver(IEnumerable<AdditionalText> templates, CSharpParseOptions? parseOptions = null)
        => CSharpGeneratorDriver.Create(
            generators: [new EmailGenerator().AsSourceGenerator()],
            additionalTexts: templates,
            parseOptions: parseOptions ?? new CSharpParseOptions(LanguageVersion.Latest),
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator once. Templates are (path, text) pairs.</summary>
    public static GeneratorResult Run(string source, params (string Path, string Text)[] templates) => Run(source, templates, relaxed: false);

    /// <summary>Runs the generator once; <paramref name="relaxed"/> lowers TM2002 to a warning.</summary>
    public static GeneratorResult Run(string source, (string Path, string Text)[] templates, bool relaxed)
    {
        var compilation = relaxed ? Relaxed(Compilation(source)) : Compilation(source);
        var texts = templates.Select(t => (AdditionalText)new InMemoryAdditionalText(t.Path, t.Text)).ToImmutableArray();
        var driver = Driver(texts);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        return new GeneratorResult(driver, compilation, output, diagnostics, texts);
    }
}

public sealed record GeneratorResult(
    GeneratorDriver Driver,
    Compilation Input,
    Compilation Output,
    ImmutableArray<Diagnostic> GeneratorDiagnostics,
    ImmutableArray<AdditionalText> Templates)
{
    public GeneratorDriverRunResult RunResult => Driver.GetRunResult();

    /// <summary>Generated sources by hint name.</summary>
    public IReadOnlyDictionary<string, string> Sources
        => RunResult.Results.SelectMany(r => r.GeneratedSources).ToDictionary(s => s.HintName, s => s.SourceText.ToString());

    /// <summary>Every warning or error of the output compilation (user code plus generated code).</summary>
    public IReadOnlyList<Diagnostic> CompilationProblems
        => Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();

    /// <summary>Emits the output compilation and loads it in a collectible context.</summary>
    public System.Reflection.Assembly Load()
    {
        using var stream = new MemoryStream();
        var emit = Output.Emit(stream);
        if (!emit.Success)
        {
            throw new Xunit.Sdk.XunitException("Emit failed:\n" + string.Join("\n", emit.Diagnostics));
        }

        stream.Position = 0;
        var context = new AssemblyLoadContext("generated-" + System.Guid.NewGuid().ToString("N"), isCollectible: true);
        return context.LoadFromStream(stream);
    }
}
