using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using TypedMail.Generator.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TypedMail.Generator.Tests.Conformance;

/// <summary>
/// Runs every case of the Scriban 7.2.6 conformance corpus through the template compiler, in one compilation
/// (one <c>[Email]</c> record per case), and compares with Scriban's output.
/// <list type="bullet">
/// <item><c>output</c>: the rendered text body equals Scriban's output byte for byte.</item>
/// <item><c>parse-error</c>: the generator reports an error.</item>
/// <item><c>runtime-error</c>: the generator reports an error, or rendering throws.</item>
/// </list>
/// TM2002 (unknown name) is lowered to a warning, as a project can, so unknown names render empty as in Scriban
/// (the corpus relies on that). Goal: every MUST case passes, and at least 90% of SHOULD cases.
/// </summary>
public sealed class ScribanConformanceTests(ITestOutputHelper output)
{
    [Fact]
    public void Corpus_meets_the_conformance_goal()
    {
        var results = Run(ScribanCorpus.Load());
        foreach (var tier in new[] { "MUST", "SHOULD" })
        {
            var inTier = results.Where(r => r.Case.Tier == tier).ToList();
            output.WriteLine($"{tier}: {inTier.Count(r => r.Passed)} passed, {inTier.Count(r => !r.Passed)} failed");
        }

        foreach (var failure in results.Where(r => !r.Passed))
        {
            output.WriteLine($"FAILED {failure.Case.Tier} {failure.Case.Input} ({failure.Case.Expect}): {failure.Reason}");
        }

        var must = results.Where(r => r.Case.Tier == "MUST").ToList();
        var should = results.Where(r => r.Case.Tier == "SHOULD").ToList();
        Assert.Equal(72, must.Count);
        Assert.Equal(91, should.Count);
        Assert.All(must, r => Assert.True(r.Passed, $"{r.Case.Input}: {r.Reason}"));
        var shouldRate = should.Count(r => r.Passed) / (double)should.Count;
        Assert.True(shouldRate >= 0.9, $"SHOULD: {should.Count(r => r.Passed)} of {should.Count} passed ({shouldRate:P0}), below 90%");
    }

    private sealed record Result(ConformanceCase Case, bool Passed, string Reason);

    private static List<Result> Run(IReadOnlyList<ConformanceCase> cases)
    {
        var results = new List<Result>();
        var remaining = cases.ToList();

        // A case whose generated code does not compile would fail the whole batch: it is taken out and the rest compiled again.
        for (var attempt = 0; attempt < 10 && remaining.Count > 0; attempt++)
        {
            var (output, diagnostics) = Generate(remaining);
            using var stream = new MemoryStream();
            var emit = output.Emit(stream);
            if (!emit.Success)
            {
                var broken = new HashSet<string>(StringComparer.Ordinal);
                foreach (var error in emit.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error))
                {
                    var culprit = remaining.FirstOrDefault(c => (error.Location.SourceTree?.FilePath ?? "").Contains("." + c.TypeName + ".", StringComparison.Ordinal));
                    if (culprit is not null && broken.Add(culprit.TypeName))
                    {
                        results.Add(new Result(culprit, false, "generated C# does not compile: " + error));
                    }
                }

                if (broken.Count == 0)
                {
                    throw new Xunit.Sdk.XunitException("Conformance batch does not compile:\n" + string.Join("\n", emit.Diagnostics.Take(20)));
                }

                remaining = remaining.Where(c => !broken.Contains(c.TypeName)).ToList();
                continue;
            }

            // Generated code compiles without warnings, even for these unusual templates.
            var warnings = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Warning && d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true).ToList();
            Assert.True(warnings.Count == 0, "Generated code has warnings:\n" + string.Join("\n", warnings.Take(20)));

            stream.Position = 0;
            var context = new AssemblyLoadContext("conformance", isCollectible: true);
            try
            {
                var assembly = context.LoadFromStream(stream);
                foreach (var c in remaining)
                {
                    results.Add(Check(c, assembly, diagnostics.Where(d => Path.GetFileName(d.Location.GetLineSpan().Path).StartsWith(c.TypeName + ".", StringComparison.Ordinal)).ToList()));
                }
            }
            finally
            {
                context.Unload();
            }

            remaining.Clear();
        }

        return results.OrderBy(r => r.Case.Number).ToList();
    }

    private static (Compilation Output, ImmutableArray<Diagnostic> Diagnostics) Generate(IReadOnlyList<ConformanceCase> cases)
    {
        var compilation = GeneratorHarness.Relaxed(CSharpCompilation.Create(
            "Conformance",
            [CSharpSyntaxTree.ParseText(ScribanCorpus.Source(cases), new CSharpParseOptions(LanguageVersion.Latest), path: "Cases.cs")],
            TestReferences.All,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable)));
        var templates = cases.SelectMany(c => new AdditionalText[]
        {
            new InMemoryAdditionalText($"Cases/{c.TypeName}.subject.scriban", c.TypeName),
            new InMemoryAdditionalText($"Cases/{c.TypeName}.text.scriban", c.Template),
        });
        var driver = GeneratorHarness.Driver(templates);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        return (output, diagnostics);
    }

    private static Result Check(ConformanceCase c, Assembly assembly, List<Diagnostic> diagnostics)
    {
        var errors = diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        switch (c.Expect)
        {
            case "parse-error":
                return errors.Count > 0
                    ? new Result(c, true, "")
                    : new Result(c, false, "expected a build error, got none");
            case "runtime-error":
                if (errors.Count > 0)
                {
                    return new Result(c, true, "");
                }

                try
                {
                    var text = Render(c, assembly);
                    return new Result(c, false, "expected an error, rendered: " + Escape(text));
                }
                catch (TargetInvocationException e) when (e.InnerException is TypedMail.Rendering.TemplateRuntimeException)
                {
                    return new Result(c, true, "");
                }

            default:
                if (errors.Count > 0)
                {
                    return new Result(c, false, "build error: " + string.Join(" | ", errors.Select(e => e.Id + " " + e.Location.GetLineSpan().StartLinePosition + " " + e.GetMessage())));
                }

                try
                {
                    var text = Render(c, assembly);
                    return text == c.Expected
                        ? new Result(c, true, "")
                        : new Result(c, false, $"output differs at {FirstDifference(text, c.Expected)}:\n  expected: {Escape(c.Expected)}\n  actual:   {Escape(text)}");
                }
                catch (TargetInvocationException e)
                {
                    return new Result(c, false, "render threw " + e.InnerException);
                }
        }
    }

    private static string Render(ConformanceCase c, Assembly assembly)
    {
        var type = assembly.GetType("Conformance." + c.TypeName)!;
        var email = type.GetMethod("Create")!.Invoke(null, null)!;
        var rendered = (RenderedEmail)type.GetMethod("Render")!.Invoke(email, null)!;
        return rendered.TextBody!;
    }

    private static int FirstDifference(string a, string b)
    {
        var i = 0;
        while (i < a.Length && i < b.Length && a[i] == b[i])
        {
            i++;
        }

        return i;
    }

    private static string Escape(string s) => s.Replace("\r", "\\r").Replace("\n", "\\n").Replace("\t", "\\t");
}
