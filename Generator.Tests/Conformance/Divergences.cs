using System;
using System.Collections.Generic;
using System.Linq;

namespace TypedMail.Generator.Tests.Conformance;

/// <summary>One template rendered by both engines.</summary>
/// <param name="Template">The template.</param>
/// <param name="Scriban">What Scriban 7.6.1 did.</param>
/// <param name="TypedMail">What TypedMail did.</param>
/// <param name="ScribanWithTextCaptures">Renders the template again with Scriban storing captures as strings (<see cref="Divergences.CaptureIsText"/>).</param>
public sealed record Comparison(string Template, Outcome Scriban, Outcome TypedMail, Func<Outcome>? ScribanWithTextCaptures = null)
{
    /// <summary>Byte-identical output, or a failure of the same kind (a parse error and a build error; two runtime errors).</summary>
    public bool Identical => Scriban.SameAs(TypedMail);

    /// <summary>The documented divergence class this comparison belongs to, if any.</summary>
    public DivergenceClass? Divergence => Identical ? null : Divergences.All.FirstOrDefault(d => d.Applies(this));
}

/// <summary>A deliberate, documented difference from Scriban (docs/templates.md), recognised by a predicate.</summary>
public sealed record DivergenceClass(string Name, Func<Comparison, bool> Applies);

/// <summary>
/// The named divergence classes of docs/templates.md ("Divergences from Scriban"). Each predicate is narrow: it names the
/// diagnostic IDs or the run-time condition, so a new kind of difference is reported as unexplained instead of being
/// absorbed by a class.
/// </summary>
public static class Divergences
{
    /// <summary>
    /// Scriban fails at render time; TypedMail sees the same mistake in the syntax or the types and fails the build
    /// (an invalid assignment target, an operator on values it does not take, an index on a non-list, a loop
    /// statement outside a loop, an unknown function, a wrong argument count, a member of a value that is always null).
    /// </summary>
    public static readonly DivergenceClass RuntimeErrorAtBuildTime = new(
        "runtime-error-at-build-time",
        c => c.Scriban.Kind == OutcomeKind.RuntimeError && c.TypedMail.Kind == OutcomeKind.BuildError
            && c.TypedMail.Ids.All(id => id is "TM2001" or "TM2019" or "TM2004" or "TM2005" or "TM2006" or "TM2007" or "TM2008" or "TM2012" or "TM2020" or "TM2021"));

    /// <summary>A LATER feature of the subset: a TM2003 build error where Scriban renders.</summary>
    public static readonly DivergenceClass UnsupportedFeature = new(
        "unsupported-feature",
        c => c.TypedMail.Kind == OutcomeKind.BuildError && c.TypedMail.Ids.All(id => id == "TM2003"));

    /// <summary>An assignment to a member of the model (TM2019): the record is read-only input.</summary>
    public static readonly DivergenceClass ModelIsReadOnly = new(
        "model-is-read-only",
        c => c.TypedMail.Kind == OutcomeKind.BuildError && c.TypedMail.Ids.All(id => id == "TM2019"));

    /// <summary>A template variable given a model object and a value of another type (TM2013): it must keep one type.</summary>
    public static readonly DivergenceClass VariableKeepsModelType = new(
        "variable-keeps-model-type",
        c => c.TypedMail.Kind == OutcomeKind.BuildError && c.TypedMail.Ids.All(id => id == "TM2013"));

    /// <summary>
    /// <c>date.*</c> functions given a <c>DateTimeOffset</c>: Scriban fails ("Unable to convert type"), TypedMail formats
    /// its clock time.
    /// </summary>
    public static readonly DivergenceClass DateTimeOffsetDates = new(
        "datetimeoffset-dates",
        c => c.Scriban.Kind == OutcomeKind.RuntimeError && c.TypedMail.Kind == OutcomeKind.Output
            && c.Scriban.Text.Contains("DateTimeOffset", StringComparison.Ordinal));

    /// <summary>
    /// 64-bit integer arithmetic that overflows: Scriban widens the result to a big integer (and may then fail to
    /// convert it, "Unable to convert type `bigint`"); TypedMail fails the render instead of wrapping around.
    /// </summary>
    public static readonly DivergenceClass IntegerOverflowFails = new(
        "integer-overflow-fails",
        c => c.TypedMail.Kind == OutcomeKind.RuntimeError && c.TypedMail.Text.Contains("does not fit in a 64-bit integer", StringComparison.Ordinal)
            && (c.Scriban.Kind == OutcomeKind.Output || c.Scriban.Text.Contains("Unable to convert type `bigint`", StringComparison.Ordinal)));

    /// <summary>
    /// A captured text: Scriban 7.6.1 stores its internal output object, which measures 0 for <c>object.size</c>,
    /// has no characters to index and fails in arithmetic ("Unable to convert type `string_builder_output`");
    /// TypedMail stores the string. The case is in the class when Scriban, made to store captures as strings,
    /// renders exactly what TypedMail renders.
    /// </summary>
    public static readonly DivergenceClass CaptureIsText = new(
        "capture-is-text",
        c => c.Template.Contains("capture", StringComparison.Ordinal) && c.ScribanWithTextCaptures is { } render && render().SameAs(c.TypedMail));

    /// <summary>Every class, in the order they are tried.</summary>
    public static IReadOnlyList<DivergenceClass> All { get; } = [RuntimeErrorAtBuildTime, UnsupportedFeature, ModelIsReadOnly, VariableKeepsModelType, DateTimeOffsetDates, IntegerOverflowFails, CaptureIsText];
}
