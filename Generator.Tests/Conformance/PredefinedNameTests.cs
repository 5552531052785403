using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Xunit.Abstractions;

namespace TypedMail.Generator.Tests.Conformance;

/// <summary>
/// Every name Scriban predefines (its literals, its global builtin objects and functions, the loop variables and the
/// statement keywords), given to a model member: the compiled template resolves it as Scriban 7.6.1 does, or the
/// generator reports a diagnostic that names it and says what it resolves to.
/// </summary>
public sealed class PredefinedNameTests(ITestOutputHelper output)
{
    /// <summary>(member, template): each member is a string property whose value is <c>model:&lt;member&gt;</c>.</summary>
    private static readonly (string Member, string Template)[] Cases =
    [
        // Literals and keywords with a value.
        ("Null", "{{ null }}|{{ null ?? \"x\" }}"),
        ("True", "{{ true }}"),
        ("False", "{{ false }}"),
        ("Empty", "{{ empty }}|{{ \"\" == empty }}"),
        ("Blank", "{{ blank }}"),
        ("This", "{{ this }}"),

        // Global builtin objects and functions.
        ("String", "{{ string }}|{{ \"a\" | string.upcase }}"),
        ("Html", "{{ html }}|{{ \"<\" | html.escape }}"),
        ("Math", "{{ math }}|{{ 1.5 | math.round }}"),
        ("Array", "{{ array }}|{{ [1] | array.size }}"),
        ("Object", "{{ object }}|{{ null | object.default \"d\" }}"),
        ("Date", "{{ date }}|{{ date.now.year > 2000 }}"),
        ("Regex", "{{ regex }}"),
        ("Timespan", "{{ timespan }}"),
        ("Include", "{{ include }}"),
        ("IncludeJoin", "{{ include_join }}"),

        // Loop variables and statement keywords.
        ("For", "{{ for }}|{{ for x in [1] }}{{ for.index }}{{ end }}"),
        ("While", "{{ while }}"),
        ("Tablerow", "{{ tablerow }}"),
        ("In", "{{ in }}"),
        ("When", "{{ when }}"),
        ("Empty", "{{ x = empty; x }}|{{ empty.empty? }}"),
        ("Case", "{{ case }}"),
        ("If", "{{ if }}"),
        ("Else", "{{ else }}"),
        ("End", "{{ end }}"),
        ("Break", "{{ break }}"),
        ("Continue", "{{ continue }}"),
        ("Capture", "{{ capture }}"),
        ("Func", "{{ func }}"),
        ("Ret", "{{ ret }}"),
        ("With", "{{ with }}"),
        ("Wrap", "{{ wrap }}"),
        ("Import", "{{ import }}"),
        ("Readonly", "{{ readonly }}"),

        // The same keywords where an expression is expected.
        .. new[] { "For", "While", "Tablerow", "In", "When", "Case", "If", "Else", "End", "Break", "Continue", "Capture", "Func", "Ret", "With", "Wrap", "Import", "Readonly", "This", "Null", "True", "False" }
            .Select(m => (m, $"{{{{ x = {m.ToLowerInvariant()}; x }}}}")),
    ];

    [Fact]
    public void Each_predefined_name_resolves_as_in_Scriban_or_a_diagnostic_says_what_it_resolves_to()
    {
        var source = new StringBuilder("namespace Names;\n");
        var emails = new List<(string TypeName, string Template)>();
        foreach (var (i, (member, template)) in Cases.Index())
        {
            var type = $"Name{i}{member}";
            source.Append(CultureInfo.InvariantCulture, $"[global::TypedMail.Email] public partial record {type}(string {member});\n");
            emails.Add((type, template));
        }

        using var compiled = CompiledEmails.Compile("Names", source.ToString(), emails);
        var failures = new List<string>();
        foreach (var (i, (member, template)) in Cases.Index())
        {
            var type = $"Name{i}{member}";
            object? email = null;
            var typedMail = compiled.Render(type, t => email = Activator.CreateInstance(t, "model:" + member)!);
            email ??= Activator.CreateInstance(compiled.Type(type), "model:" + member);
            var comparison = new Comparison(template, ScribanOracle.RenderModel(template, email), typedMail);
            var name = Renamed(member);
            var diagnostics = compiled.Diagnostics(type).Where(d => d.GetMessage(CultureInfo.InvariantCulture).Contains("'" + name + "'", StringComparison.Ordinal)).ToList();
            var verdict = comparison.Identical ? "same as Scriban" : comparison.Divergence?.Name ?? (diagnostics.Count > 0 ? "diagnosed" : "UNEXPLAINED");
            output.WriteLine($"{member,-12} {Outcome.Escape(template),-60} {verdict}\n    Scriban:   {comparison.Scriban}\n    TypedMail: {comparison.TypedMail}"
                + string.Concat(compiled.Diagnostics(type).Select(d => $"\n    {d.Id} {d.Severity}: {d.GetMessage(CultureInfo.InvariantCulture)}")));
            if (verdict == "UNEXPLAINED")
            {
                failures.Add(member);
            }
        }

        Assert.Empty(failures);
    }

    /// <summary>Scriban's default renamer, for these single-word-or-two names: <c>IncludeJoin</c> is <c>include_join</c>.</summary>
    private static string Renamed(string member) => string.Concat(member.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : "") + char.ToLowerInvariant(c) : c.ToString()));
}
