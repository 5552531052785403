using System.Collections.Generic;
using System.Linq;

namespace TypedMail.Generator.Tests.Conformance;

/// <summary>How a render ended.</summary>
public enum OutcomeKind
{
    /// <summary>The template rendered text.</summary>
    Output,

    /// <summary>The template does not compile: a Scriban parse error, or a TypedMail build error.</summary>
    BuildError,

    /// <summary>Rendering threw: Scriban's <c>ScriptRuntimeException</c>, or TypedMail's <c>TemplateRuntimeException</c>.</summary>
    RuntimeError,

    /// <summary>Anything else: an unexpected exception, or generated C# that does not compile. Always a bug.</summary>
    Crash,
}

/// <summary>The result of rendering one template with one engine: the text, or the error with its diagnostic IDs.</summary>
public sealed record Outcome(OutcomeKind Kind, string Text, IReadOnlyList<string> Ids)
{
    public static Outcome Output(string text) => new(OutcomeKind.Output, text, []);

    public static Outcome BuildError(string message, IEnumerable<string> ids) => new(OutcomeKind.BuildError, message, ids.Distinct().OrderBy(i => i, System.StringComparer.Ordinal).ToList());

    public static Outcome RuntimeError(string message) => new(OutcomeKind.RuntimeError, message, []);

    public static Outcome Crash(string message) => new(OutcomeKind.Crash, message, []);

    /// <summary>The two engines agree: the same text, or a failure of the same kind (messages and positions may differ).</summary>
    public bool SameAs(Outcome other) => Kind == other.Kind && (Kind != OutcomeKind.Output || Text == other.Text) && Kind != OutcomeKind.Crash;

    public override string ToString() => Kind switch
    {
        OutcomeKind.Output => "output: " + Escape(Text),
        OutcomeKind.BuildError => $"build error {string.Join(",", Ids)}: {Text}",
        _ => $"{Kind}: {Text}",
    };

    public static string Escape(string s) => s.Replace("\\", "\\\\").Replace("\r", "\\r").Replace("\n", "\\n").Replace("\t", "\\t");
}
