using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using TypedMail.Generator.Tests.Conformance;
using Xunit.Abstractions;

namespace TypedMail.Generator.Tests.Fuzzing;

/// <summary>
/// Differential fuzzing against real Scriban 7.6.1: seeded random templates (<see cref="TemplateGrammar"/>) over random
/// models (<see cref="FuzzModel"/>), compiled by the generator a thousand emails per compilation, rendered by both
/// engines and compared. Every template is identical, or in a documented divergence class (<see cref="Divergences"/>):
/// any other difference fails the test, with the template and model of the first. Template <c>n</c> is made from seed <c>n</c> alone: <c>TYPEDMAIL_FUZZ_SEED=n</c> runs just that one, and
/// <c>TYPEDMAIL_FUZZ_FIRST</c> / <c>TYPEDMAIL_FUZZ_COUNT</c> choose another range of seeds.
/// </summary>
public sealed class DifferentialFuzzTests(ITestOutputHelper output)
{
    private const int BatchSize = 1000;

    [Fact]
    public void Random_templates_render_as_Scriban_renders_them()
    {
        var (first, count) = Seeds();
        var clock = Stopwatch.StartNew();
        var compileTime = TimeSpan.Zero;
        var unexplained = new List<string>();
        var classes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var identical = 0;
        var kinds = new Dictionary<OutcomeKind, int>();
        var shapes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var examples = new List<string>();
        for (var start = first; start < first + count; start += BatchSize)
        {
            var seeds = Enumerable.Range(start, Math.Min(BatchSize, first + count - start)).ToList();
            var cases = seeds.Select(seed =>
            {
                var random = new Random(seed);
                return (Seed: seed, Name: "F" + seed.ToString(CultureInfo.InvariantCulture), Template: TemplateGrammar.Generate(random), Model: FuzzModel.Random(random));
            }).ToList();
            var source = new StringBuilder("namespace Fuzz;\n");
            foreach (var c in cases)
            {
                source.Append("[global::TypedMail.Email] public partial record ").Append(c.Name).Append('(').Append(FuzzModel.Parameters).Append(");\n");
            }

            var compileStart = clock.Elapsed;
            using var compiled = CompiledEmails.Compile("Fuzz", source.ToString(), cases.Select(c => (c.Name, c.Template)).ToList(), [MetadataReference.CreateFromFile(typeof(FuzzModel).Assembly.Location)]);
            compileTime += clock.Elapsed - compileStart;
            foreach (var c in cases)
            {
                object? email = null;
                var typedMail = compiled.Render(c.Name, type => email = Activator.CreateInstance(type, c.Model)!);
                email ??= Activator.CreateInstance(compiled.Type(c.Name), c.Model);
                var comparison = new Comparison(c.Template, ScribanOracle.RenderModel(c.Template, email), typedMail, () => ScribanOracle.RenderModel(c.Template, email, capturesAsText: true));
                kinds[comparison.Scriban.Kind] = kinds.GetValueOrDefault(comparison.Scriban.Kind) + 1;
                if (comparison.Identical)
                {
                    identical++;
                }
                else if (comparison.Divergence is { } divergence)
                {
                    classes[divergence.Name] = classes.GetValueOrDefault(divergence.Name) + 1;
                }
                else
                {
                    var shape = $"Scriban {comparison.Scriban.Kind} / TypedMail {comparison.TypedMail.Kind} {string.Join(",", comparison.TypedMail.Ids)}";
                    shapes[shape] = shapes.GetValueOrDefault(shape) + 1;
                    if (shapes[shape] <= 3)
                    {
                        examples.Add($"TYPEDMAIL_FUZZ_SEED={c.Seed}\n--- template ---\n{c.Template}\n--- model ---\n{FuzzModel.Describe(c.Model)}\n"
                            + $"--- Scriban 7.6.1 ---\n{comparison.Scriban}\n--- TypedMail ---\n{comparison.TypedMail}\n");
                    }

                    unexplained.Add(
                        $"TYPEDMAIL_FUZZ_SEED={c.Seed}\n--- template ---\n{c.Template}\n--- model ---\n{FuzzModel.Describe(c.Model)}\n"
                        + $"--- Scriban 7.6.1 ---\n{comparison.Scriban}\n--- TypedMail ---\n{comparison.TypedMail}\n");
                }
            }
        }

        output.WriteLine($"{count} compared, {identical} identical, {classes.Values.Sum()} in documented divergence classes, {unexplained.Count} unexplained");
        output.WriteLine($"divergence classes: {string.Join(", ", classes.Select(p => $"{p.Key} {p.Value}"))}");
        output.WriteLine($"Scriban outcomes: {string.Join(", ", kinds.OrderBy(k => k.Key).Select(p => $"{p.Key} {p.Value}"))}; seeds {first}..{first + count - 1}; {clock.Elapsed.TotalSeconds:0.0} s ({compileTime.TotalSeconds:0.0} s generating and compiling)");
        output.WriteLine("unexplained seeds: " + string.Join(" ", unexplained.Select(u => u.Substring("TYPEDMAIL_FUZZ_SEED=".Length, u.IndexOf('\n') - "TYPEDMAIL_FUZZ_SEED=".Length))));
        foreach (var (shape, n) in shapes)
        {
            output.WriteLine($"unexplained: {n} x {shape}");
        }

        foreach (var u in examples)
        {
            output.WriteLine("UNEXPLAINED " + u);
        }

        Assert.True(count == 1 || count >= 5000, "A run compares at least 5,000 templates (or one seed)");
        Assert.True(unexplained.Count == 0, $"{unexplained.Count} unexplained differences; the first:\n{unexplained.FirstOrDefault()}");
    }

    /// <summary>The seeds to run: one (<c>TYPEDMAIL_FUZZ_SEED</c>), or <c>TYPEDMAIL_FUZZ_COUNT</c> (5,000) from <c>TYPEDMAIL_FUZZ_FIRST</c> (1).</summary>
    private static (int First, int Count) Seeds()
    {
        static int? Read(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? int.Parse(value, CultureInfo.InvariantCulture) : null;
        return Read("TYPEDMAIL_FUZZ_SEED") is { } seed ? (seed, 1) : (Read("TYPEDMAIL_FUZZ_FIRST") ?? 1, Read("TYPEDMAIL_FUZZ_COUNT") ?? 5000);
    }
}
