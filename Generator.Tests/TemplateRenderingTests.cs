using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Reflection;
using System.Text;
using Microsoft.CodeAnalysis;
using TypedMail.Generator.Tests.Infrastructure;
using TypedMail.Rendering;

namespace TypedMail.Generator.Tests;

/// <summary>Compiled templates render what Scriban renders (text), escape HTML once, and fail at run time with a location.</summary>
public sealed class TemplateRenderingTests
{
    private const string Model = """
        using System;
        using System.Collections.Generic;
        using TypedMail;

        namespace Shop;

        public enum Tier { Free, Pro }

        public sealed record Customer(string FirstName, string? Employer, Tier Tier);

        public sealed record Line(string Name, int Quantity, decimal Price);

        [Email]
        public partial record Receipt(Customer Customer, IReadOnlyList<Line> Lines, DateTime PlacedAt, DateTimeOffset ShippedAt, string Note, Customer? Referrer)
        {
            public static Receipt Sample() => new(
                new Customer("Ada", null, Tier.Pro),
                [new Line("Tea", 2, 3.50m), new Line("Cup <large>", 1, 12.00m), new Line("Tea", 3, 3.50m)],
                new DateTime(2024, 3, 5, 14, 7, 9),
                new DateTimeOffset(2024, 3, 6, 9, 30, 0, TimeSpan.FromHours(2)),
                "Fragile & \"heavy\"\nHandle with care",
                null);
        }
        """;

    [Fact]
    public void Text_template_renders_typed_values_with_scriban_semantics()
    {
        const string template = """
            Hi {{ customer.first_name | string.upcase }} ({{ customer.employer ?? "n/a" }}, {{ customer.tier == "Pro" ? "pro" : "free" }})
            {{~ for line in lines ~}}
            {{ for.index + 1 }}. {{ line.name }} x{{ line.quantity }} = {{ line.price * line.quantity }}{{ if for.last }} (last){{ end }}
            {{~ end ~}}
            Total: {{ total = 0; for line in lines; total = total + line.price * line.quantity; end; total }}
            Names: {{ lines | array.map "name" | array.uniq | array.join ", " }}
            Placed {{ placed_at | date.to_string "%a %d %b %Y %H:%M" }}, shipped {{ shipped_at | date.to_string "%F %Z" }}
            {{ 7 / 2 }} {{ 7 // 2 }} {{ 0.1 + 0.2 }} {{ 1234.5 | math.format "#,##0.00" }} {{ 2.5 | math.round }}
            """;
        var text = Render(template);
        Assert.Equal("""
            Hi ADA (n/a, pro)
            1. Tea x2 = 7.00
            2. Cup <large> x1 = 12.00
            3. Tea x3 = 10.50 (last)
            Total: 29.50
            Names: Tea, Cup <large>
            Placed Tue 05 Mar 2024 14:07, shipped 2024-03-06 +02:00
            3.5 3 0.30000000000000004 1,234.50 2
            """, text);
    }

    [Fact]
    public void Html_template_escapes_every_value_once_and_raw_opts_out()
    {
        var html = Render(
            "<p>{{ lines[1].name }}</p><p>{{ lines[1].name | html.escape }}</p><p>{{ \"<i>ok</i>\" | html.raw }}</p><p>{{ note | html.newline_to_br }}</p>",
            kind: "html");
        Assert.Equal("<p>Cup &lt;large&gt;</p><p>Cup &lt;large&gt;</p><p><i>ok</i></p><p>Fragile &amp; &quot;heavy&quot;<br />\nHandle with care</p>", html);
    }

    [Fact]
    public void Html_encoding_is_WebUtility_HtmlEncode_for_every_character()
    {
        var sb = new StringBuilder();
        for (var c = 0; c <= 0xFFFF; c++)
        {
            sb.Append((char)c);
        }

        sb.Append("😀 a\uD800b\uDC00c \uD83D");
        var text = sb.ToString();
        using var writer = TemplateWriter.Rent(16, System.Globalization.CultureInfo.InvariantCulture);
        writer.WriteHtml(text);
        Assert.Equal(WebUtility.HtmlEncode(text), writer.ToString());

        // Inside an indented block the same encoding goes through the auto-indentation: the indent follows each new line.
        using var indented = TemplateWriter.Rent(16, System.Globalization.CultureInfo.InvariantCulture);
        indented.PushIndent("  ");
        indented.WriteHtml(text);
        Assert.Equal(WebUtility.HtmlEncode(text).Replace("\n", "\n  ", StringComparison.Ordinal), indented.ToString());
    }

    [Fact]
    public void Html_encoding_is_WebUtility_HtmlEncode_for_every_pair_of_ASCII_characters_and_wherever_a_character_to_encode_sits()
    {
        // Every pair of ASCII characters, starting on an even and on an odd position (the encoder reads ASCII two by two).
        var pairs = new StringBuilder();
        for (var first = 0; first < 128; first++)
        {
            for (var second = 0; second < 128; second++)
            {
                pairs.Append((char)first).Append((char)second);
            }
        }

        foreach (var text in new[] { "<" + pairs, "<x" + pairs })
        {
            using var writer = TemplateWriter.Rent(16, System.Globalization.CultureInfo.InvariantCulture);
            writer.WriteHtml(text);
            Assert.Equal(WebUtility.HtmlEncode(text), writer.ToString());
        }

        // One character to encode (or one that is not, from U+0100) at each position of texts 1 to 40 characters long,
        // in ASCII and in Cyrillic: the search for the first one and the encoding loop's blocks and tail.
        foreach (var special in new[] { "<", ">", "&", "\"", "'", "\u00A0", "\u00FF", "\u0100", "\u00E9", "😀", "\uD800", "\uDC00" })
        {
            foreach (var filler in new[] { 'x', 'ж' })
            {
                for (var length = 1; length <= 40; length++)
                {
                    for (var at = 0; at < length; at++)
                    {
                        var text = new string(filler, at) + special + new string(filler, length - at - 1);
                        using var writer = TemplateWriter.Rent(16, System.Globalization.CultureInfo.InvariantCulture);
                        writer.WriteHtml(text);
                        Assert.Equal(WebUtility.HtmlEncode(text), writer.ToString());
                    }
                }
            }
        }
    }

    [Fact]
    public void The_next_render_on_a_thread_reuses_its_writer_and_starts_clean()
    {
        // A render that fails inside an indented loop leaves its state behind: the indent, the loop count, a date format,
        // a cycle counter, the culture, and a buffer grown past what a thread keeps.
        var first = TemplateWriter.Rent(16, System.Globalization.CultureInfo.GetCultureInfo("fr-FR"));
        first.PushIndent("  ");
        first.WriteString("a\n");
        first.DateFormat = "%Y";
        first.NextCycle("row");
        first.EnterLoop();
        for (var i = 0; i < TemplateWriter.LoopLimit; i++)
        {
            first.StepLoop("loop");
        }

        first.WriteHtml(new string('<', 5000));
        first.Dispose();
        first.Dispose();

        using var next = TemplateWriter.Rent(16, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Same(first, next);
        using (var nested = TemplateWriter.Rent(16, System.Globalization.CultureInfo.InvariantCulture))
        {
            Assert.NotSame(next, nested);
        }

        next.WriteString("b\nc");
        Assert.Equal("b\nc", next.ToString());
        Assert.Equal(TemplateWriter.DefaultDateFormat, next.DateFormat);
        Assert.Equal(0, next.NextCycle("row"));
        Assert.Same(System.Globalization.CultureInfo.InvariantCulture, next.Culture);
        next.EnterLoop();
        for (var i = 0; i < TemplateWriter.LoopLimit; i++)
        {
            next.StepLoop("loop");
        }

        Assert.Throws<TemplateRuntimeException>(() => next.StepLoop("loop"));
    }

    [Fact]
    public void Layout_partials_and_auto_indentation_render_like_scriban()
    {
        var templates = new (string, string)[]
        {
            ("Mail/Receipt.subject.scriban", "Receipt for {{ customer.first_name }}\n"),
            ("Mail/Receipt.html.scriban", "<ul>\n    {{ for line in lines limit:2 }}\n    <li>{{ line.name }}</li>\n    {{ end }}\n</ul>\n{{ include \"signature\" customer.first_name team: \"Shop\" }}"),
            ("Mail/Default.layout.scriban", "<html>\n  <body>\n    {{ content }}\n  </body>\n</html>"),
            ("Partials/signature.scriban", "<p>\n  Thanks {{ $1 }},\n  {{ $team }}\n</p>"),
        };
        var rendered = RenderEmail(templates);
        Assert.Equal("Receipt for Ada", rendered.Subject);

        // The body's lines are indented by the layout's `    {{ content }}`; the loop block adds its own 4 spaces (Scriban's auto-indent).
        Assert.Equal(
            "<html>\n  <body>\n    <ul>\n        \n            <li>Tea</li>\n            \n            <li>Cup &lt;large&gt;</li>\n            \n    </ul>\n    <p>\n      Thanks Ada,\n      Shop\n    </p>\n  </body>\n</html>",
            rendered.HtmlBody);
    }

    [Theory]
    [InlineData("<ul>\n    {{ for line in lines limit:2 }}\n    <li>{{ line.name }}</li>\n    {{ end }}\n</ul>\n", "<ul>\n    \n        <li>Tea</li>\n        \n        <li>Cup <large></li>\n        \n</ul>\n")]
    [InlineData("  {{ \"a\\nb\" }}", "  a\n  b")]
    [InlineData("<ul>\n    {{~ for line in lines limit:2 ~}}\n    <li>{{ line.name }}</li>\n    {{~ end ~}}\n</ul>", "<ul>\n    <li>Tea</li>\n    <li>Cup <large></li>\n</ul>")]
    [InlineData("A {{~ x = 1 ~}}\n\n\nB", "A\n\nB")]
    [InlineData("<ul>\n{{- for t in lines limit:2 -}}\n<li>{{ t.quantity }}</li>\n{{- end -}}\n</ul>", "<ul><li>2</li><li>1</li></ul>")]
    [InlineData("    {{ include \"nav\" }}", "    <nav>\n      <a>x</a>\n    </nav>\n")]
    [InlineData("{{~ include \"nav\" ~}}", "<nav>\n  <a>x</a>\n</nav>\n")]
    [InlineData("  <p>{{ include \"line\" }}</p>\n  {{ include \"line\" }}\n", "  <p>one line</p>\n  one line\n")]
    [InlineData("{{ include \"loop\" }}-{{ include \"loop\" }}", "21-21")]
    public void Whitespace_control_and_auto_indent_match_the_subset_note(string template, string expected)
        => Assert.Equal(expected, Render(template, extra: [("Partials/nav.scriban", "<nav>\n  <a>x</a>\n</nav>\n"), ("Partials/line.scriban", "one line"), ("Partials/loop.scriban", "{{ for l in lines limit:2 }}{{ l.quantity }}{{ end }}")]));

    [Fact]
    public void Unknown_names_render_empty_when_TM2002_is_lowered_to_a_warning()
    {
        var result = GeneratorHarness.Run(Model, Templates("a{{ nope }}b{{ customer.nope }}c"), relaxed: true);
        Assert.All(result.GeneratorDiagnostics, d => Assert.Equal(DiagnosticSeverity.Warning, d.Severity));
        Assert.Equal(2, result.GeneratorDiagnostics.Count(d => d.Id == "TM2002"));
        Assert.Equal("abc", Invoke(result).TextBody);
    }

    [Fact]
    public void Member_of_a_null_value_fails_with_the_template_location()
    {
        var e = Assert.Throws<TemplateRuntimeException>(() => Render("Hello\n  {{ referrer.first_name }}"));
        Assert.Equal("Receipt.text.scriban(2,6)", e.Location);
        Assert.Equal("Receipt.text.scriban(2,6) : error : Cannot get the member referrer.first_name for a null object.", e.Message);
        Assert.Equal("none", Render("{{ referrer?.first_name ?? \"none\" }}"));
    }

    [Fact]
    public void Loops_stop_at_scribans_iteration_limit()
    {
        Assert.Equal("1000", Render("{{ n = 0; for i in 1..1000; n += 1; end; n }}"));
        var e = Assert.Throws<TemplateRuntimeException>(() => Render("{{ for i in 1..40; for j in 1..40; end; end }}"));
        Assert.Contains("Exceeding number of iteration limit `1000`", e.Message);
    }

    [Fact]
    public void Template_variables_of_changing_types_follow_scriban_at_run_time()
        => Assert.Equal("16 2.4 2 x3", Render("{{ x = 12; x += 4; x }} {{ x = 12; x /= 5; x }} {{ x = 12; x //= 5; x }} {{ x = \"x\"; x + 3 }}"));

    [Fact]
    public void Dictionaries_nullable_numbers_arrays_and_enums_compile_clean_and_render()
    {
        const string source = """
            using System.Collections.Generic;
            using TypedMail;

            namespace Shop;

            public enum Plan { Basic, Premium }

            [Email]
            public partial record Notice(IReadOnlyDictionary<string, string> Utm, int? Count, Plan Plan, string[] Tags)
            {
                public static Notice Sample() => new(new Dictionary<string, string> { ["Source"] = "mail" }, null, Plan.Premium, ["a", "b", "c"]);
            }
            """;
        var result = GeneratorHarness.Run(source, ("Mail/Notice.subject.scriban", "Notice"), ("Mail/Notice.text.scriban",
            "{{ utm.Source }}|{{ utm[\"Source\"] }}|{{ count ?? 0 }}|{{ count == null }}|{{ plan }}|{{ plan == 1 }}|{{ tags[-1] }}|{{ tags.size }}|{{ for t in tags reversed }}{{ t }}{{ end }}|{{ for p in utm }}{{ p.key }}={{ p.value }}{{ end }}"));
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationProblems);
        var type = result.Load().GetType("Shop.Notice")!;
        var rendered = (RenderedEmail)type.GetMethod("Render")!.Invoke(type.GetMethod("Sample")!.Invoke(null, null), [null])!;
        Assert.Equal("mail|mail|0|true|Premium|true|c|3|cba|Source=mail", rendered.TextBody);
    }

    private static (string, string)[] Templates(string text, string kind = "text", params (string, string)[] extra)
        => [("Mail/Receipt.subject.scriban", "Receipt"), ($"Mail/Receipt.{kind}.scriban", text), .. extra];

    private static string Render(string template, string kind = "text", (string, string)[]? extra = null)
    {
        var rendered = RenderEmail(Templates(template, kind, extra ?? []));
        return (kind == "html" ? rendered.HtmlBody : rendered.TextBody)!;
    }

    private static RenderedEmail RenderEmail((string, string)[] templates)
    {
        var result = GeneratorHarness.Run(Model, templates);
        Assert.Empty(result.GeneratorDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Empty(result.CompilationProblems);
        return Invoke(result);
    }

    private static RenderedEmail Invoke(GeneratorResult result)
    {
        var type = result.Load().GetType("Shop.Receipt")!;
        var email = type.GetMethod("Sample")!.Invoke(null, null)!;
        try
        {
            return (RenderedEmail)type.GetMethod("Render")!.Invoke(email, [null])!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }
}
