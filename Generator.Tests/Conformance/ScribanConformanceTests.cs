using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Scriban.Runtime;
using Xunit.Abstractions;

namespace TypedMail.Generator.Tests.Conformance;

/// <summary>
/// Every case of the Scriban conformance corpus (<c>shared/conformance/scriban</c>, recorded with Scriban 7.2.6) is
/// rendered by real Scriban 7.6.1 and by TypedMail's compiled renderer (all cases in one compilation, one
/// <c>[Email]</c> record per case). The two must agree byte for byte (or fail alike: a parse error and a build error,
/// two runtime errors), or the case must belong to a documented divergence class (<see cref="Divergences"/>).
/// Where 7.6.1 renders differently from the recorded 7.2.6 output, 7.6.1 is followed; the test pins those cases.
/// </summary>
public sealed class ScribanConformanceTests(ITestOutputHelper output)
{
    /// <summary>The cases where Scriban 7.6.1 does not reproduce the recorded 7.2.6 outcome (docs/templates.md, "Conformance").</summary>
    private static readonly string[] ChangedSince726 = [];

    [Fact]
    public void Every_case_renders_as_Scriban_7_6_1_renders_it_or_is_a_documented_divergence()
    {
        var cases = ScribanCorpus.Load();
        Assert.Equal(72, cases.Count(c => c.Tier == "MUST"));
        Assert.Equal(91, cases.Count(c => c.Tier == "SHOULD"));

        using var compiled = CompiledEmails.Compile("Conformance", ScribanCorpus.Source(cases), cases.Select(c => (c.TypeName, c.Template)).ToList());

        var changed = new List<string>();
        var unexplained = new List<string>();
        var classes = new Dictionary<string, int>(StringComparer.Ordinal);
        var identical = 0;
        foreach (var c in cases)
        {
            var scriban = ScribanOracle.Render(c.Template, c.UsesTestModel ? TestModelGlobals() : new ScriptObject());
            if (!scriban.SameAs(Recorded(c)))
            {
                changed.Add(c.Input);
                output.WriteLine($"7.6.1 differs from 7.2.6: {c.Input}\n  7.2.6: {Recorded(c)}\n  7.6.1: {scriban}");
            }

            var comparison = new Comparison(c.Template, scriban, compiled.Render(c.TypeName, type => type.GetMethod("Create")!.Invoke(null, null)!));
            if (comparison.Identical)
            {
                identical++;
            }
            else if (comparison.Divergence is { } divergence)
            {
                classes[divergence.Name] = classes.GetValueOrDefault(divergence.Name) + 1;
                output.WriteLine($"{divergence.Name}: {c.Tier} {c.Input}: {comparison.TypedMail}");
            }
            else
            {
                unexplained.Add($"{c.Tier} {c.Input}\n  Scriban 7.6.1: {comparison.Scriban}\n  TypedMail:     {comparison.TypedMail}");
            }
        }

        output.WriteLine($"{cases.Count} compared, {identical} identical, {classes.Values.Sum()} in documented divergence classes ({string.Join(", ", classes.Select(p => $"{p.Key} {p.Value}"))}), {unexplained.Count} unexplained");
        foreach (var u in unexplained)
        {
            output.WriteLine("UNEXPLAINED " + u);
        }

        Assert.Empty(unexplained);
        Assert.Equal(ChangedSince726, changed);
    }

    /// <summary>The outcome the corpus recorded with Scriban 7.2.6.</summary>
    private static Outcome Recorded(ConformanceCase c) => c.Expect switch
    {
        "parse-error" => Outcome.BuildError(c.Expected, ["scriban"]),
        "runtime-error" => Outcome.RuntimeError(c.Expected),
        _ => Outcome.Output(c.Expected),
    };

    /// <summary>
    /// <c>test-model.json</c> as Scriban globals, the way the corpus was recorded (keys verbatim, no renamer); a fresh
    /// copy per case, since templates may assign to them.
    /// </summary>
    private static ScriptObject TestModelGlobals()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(ScribanCorpus.Folder, "test-model.json")));
        return (ScriptObject)Convert(json.RootElement)!;

        static object? Convert(JsonElement value)
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.Object:
                    var obj = new ScriptObject();
                    foreach (var p in value.EnumerateObject())
                    {
                        obj[p.Name] = Convert(p.Value);
                    }

                    return obj;
                case JsonValueKind.Array:
                    var array = new ScriptArray();
                    foreach (var item in value.EnumerateArray())
                    {
                        array.Add(Convert(item));
                    }

                    return array;
                case JsonValueKind.String:
                    return value.GetString();
                case JsonValueKind.Number:
                    return value.TryGetInt32(out var i) ? i : value.GetDouble();
                case JsonValueKind.True:
                    return true;
                case JsonValueKind.False:
                    return false;
                default:
                    return null;
            }
        }
    }
}
