using System;
using System.Collections.Generic;
using System.Linq;

namespace TypedMail.Generator.Tests.Conformance;

/// <summary>
/// Cases rendered by real Scriban 7.6.1 and by TypedMail, one email each, for the divergence classes of docs/templates.md
/// and for behaviours matched to Scriban where they once differed (found by the differential fuzzer).
/// </summary>
public sealed class DivergenceClassTests
{
    private const string Parameters = "long Big, int Count, float Scale, string Name";

    private static readonly object?[] Model = [3074457345618258602L, 1, -1.5f, "ab"];

    private static readonly (string Name, string Template)[] Cases =
    [
        ("Overflow", "{{ big * big }}"),
        ("CaptureCompared", "{{ capture c }}ab{{ end }}{{ c > count }}"),
        ("CaptureMeasured", "{{ capture c }}abc{{ end }}{{ c | object.size }} {{ c[1] }}"),
        ("SortedText", "{{ [\"b\", \"B\", \"a\", \"Ä\", \"😀\"] | array.sort }}"),
        ("SortedMixed", "{{ [1, \"a\"] | array.sort }}"),
        ("CoalesceEvaluatesBoth", "{{ name ?? (\"\"[3]) }}"),
        ("DividedByNull", "{{ (\"x\" | string.to_float) | math.divided_by 4 }}"),
        ("FloatFloorDivide", "{{ scale // 2 }}"),
        ("SelfAssignment", "{{ v = 2.5 }}{{ if count == 2 }}{{ v = v }}{{ end }}x"),
        ("FirstAndLastIgnoreCase", "{{ \"Ada\" | string.remove_first \"a\" }} {{ \"UPPER lower\" | string.replace_first \"e\" \"!\" }} {{ \"aXa\" | string.remove_last \"A\" }}"),
        ("NullUrlEncoded", "{{ (null | html.url_encode) | string.index_of \"a\" }}"),
        ("EscapeNotIndented", "  {{ for i in 1..2 }}\n{%{ {{ raw }} }%}x\n{{ end }}"),
        ("ValueKnownAtRunTimePlusBoolean", "{{ x = [\"a\", 1] }}{{ x[0] + true }}"),
        ("CharactersOfText", "{{ for c in name }}{{ c }}{{ c | object.size }}{{ end }}"),
    ];

    private static readonly Lazy<Dictionary<string, Comparison>> Compared = new(CompareAll);

    [Fact]
    public void Integer_overflow_fails_the_render_where_Scriban_widens_to_a_big_integer()
    {
        var comparison = Compared.Value["Overflow"];
        Assert.Equal(OutcomeKind.Output, comparison.Scriban.Kind);
        Assert.Equal(OutcomeKind.RuntimeError, comparison.TypedMail.Kind);
        Assert.Equal(Divergences.IntegerOverflowFails, comparison.Divergence);
    }

    [Fact]
    public void A_capture_is_text_where_Scriban_fails_on_its_internal_type()
    {
        var comparison = Compared.Value["CaptureCompared"];
        Assert.Equal(OutcomeKind.RuntimeError, comparison.Scriban.Kind);
        Assert.Equal(Outcome.Output("true"), comparison.TypedMail with { Ids = [] });
        Assert.Equal(Divergences.CaptureIsText, comparison.Divergence);

        // Scriban measures its capture object as empty and cannot index it; TypedMail measures and indexes the text.
        var measured = Compared.Value["CaptureMeasured"];
        Assert.Equal(Outcome.Output("0 "), measured.Scriban);
        Assert.Equal(Outcome.Output("3 b"), measured.TypedMail);
        Assert.Equal(Divergences.CaptureIsText, measured.Divergence);
    }

    [Theory]
    [InlineData("SortedText")]
    [InlineData("SortedMixed")]
    [InlineData("CoalesceEvaluatesBoth")]
    [InlineData("DividedByNull")]
    [InlineData("FloatFloorDivide")]
    [InlineData("SelfAssignment")]
    [InlineData("FirstAndLastIgnoreCase")]
    [InlineData("NullUrlEncoded")]
    [InlineData("EscapeNotIndented")]
    [InlineData("ValueKnownAtRunTimePlusBoolean")]
    [InlineData("CharactersOfText")]
    public void Renders_as_Scriban_renders_it(string name)
    {
        var comparison = Compared.Value[name];
        Assert.True(comparison.Identical, $"{name}: Scriban {comparison.Scriban} / TypedMail {comparison.TypedMail}");
    }

    private static Dictionary<string, Comparison> CompareAll()
    {
        var source = "namespace Divergence;\n" + string.Concat(Cases.Select(c => $"[global::TypedMail.Email] public partial record {c.Name}({Parameters});\n"));
        using var compiled = CompiledEmails.Compile("Divergence", source, Cases);
        var result = new Dictionary<string, Comparison>(StringComparer.Ordinal);
        foreach (var (name, template) in Cases)
        {
            object? email = null;
            var typedMail = compiled.Render(name, type => email = Activator.CreateInstance(type, Model)!);
            email ??= Activator.CreateInstance(compiled.Type(name), Model);
            result[name] = new Comparison(template, ScribanOracle.RenderModel(template, email), typedMail, () => ScribanOracle.RenderModel(template, email, capturesAsText: true));
        }

        return result;
    }
}
