using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using TypedMail.Generator.Tests.Infrastructure;

namespace TypedMail.Generator.Tests;

/// <summary>One test per template diagnostic (TM2xxx, and TM1006): the ID, the message, and the span in the template file.</summary>
public sealed class TemplateDiagnosticTests
{
    private const string Source = """
        using System;
        using System.Collections.Generic;
        using TypedMail;

        public sealed record Line(string Name, decimal Price);

        [Email]
        public partial record Welcome(string Name, int Seats, IReadOnlyList<Line> Lines, Line? Featured);
        """;

    private const string TextPath = "Mail/Welcome.text.scriban";

    [Fact]
    public Task TM2001_template_syntax_error() => Verify(
        "line one\nHello {{ name",
        new Expected("TM2001", "Template syntax error: The code block `{{` is not closed with `}}`", TextPath, 1, 6, "{{"));

    [Fact]
    public async Task TM2002_unknown_variable_or_member()
    {
        await Verify("Hello\n  {{ nmae }}", new Expected("TM2002", "'nmae' is not a member of 'Welcome'", TextPath, 1, 5, "nmae"));
        await Verify("{{ for line in lines }}{{ line.nme }}{{ end }}", new Expected("TM2002", "'nme' is not a member of 'Line'", TextPath, 0, 26, "line.nme"));
    }

    [Fact]
    public Task TM2003_unsupported_feature() => Verify(
        "{{ func greet }}hi{{ end }}",
        new Expected("TM2003", "Unsupported Scriban feature: `func` statements", TextPath, 0, 3, "func"));

    [Fact]
    public Task TM2004_loop_over_a_value_that_is_not_a_list() => Verify(
        "{{ for s in seats }}x{{ end }}",
        new Expected("TM2004", "Cannot loop over 'seats': a value of type 'int' is not a list", TextPath, 0, 12, "seats"));

    [Fact]
    public Task TM2005_unknown_function() => Verify(
        "{{ name | string.nope }}",
        new Expected("TM2005", "'string.nope' is not a function", TextPath, 0, 10, "string.nope"));

    [Fact]
    public Task TM2006_wrong_argument_count() => Verify(
        "{{ name | string.truncate }}",
        new Expected("TM2006", "'string.truncate' takes 2 to 3 arguments, not 1", TextPath, 0, 10, "string.truncate"));

    [Fact]
    public Task TM2007_operator_on_values_it_does_not_support() => Verify(
        "{{ name % 2 }}",
        new Expected("TM2007", "Operator '%' cannot be applied to a string and a int", TextPath, 0, 8, "%"));

    [Fact]
    public Task TM2008_loop_statement_outside_a_loop() => Verify(
        "{{ if seats > 1 }}{{ break }}{{ end }}",
        new Expected("TM2008", "'break' can only be used inside a for or while loop", TextPath, 0, 21, "break"));

    [Fact]
    public Task TM2009_partial_not_found() => Verify(
        "{{ include \"footer\" }}",
        new Expected("TM2009", "No partial named 'footer': add 'footer.scriban' to the project (as an AdditionalFiles item)", TextPath, 0, 11, "\"footer\""));

    [Fact]
    public Task TM2010_recursive_include() => Verify(
        "{{ include \"loop\" }}",
        new Expected("TM2010", "'loop' includes itself (Welcome -> loop -> loop): recursive includes are not supported", "Partials/loop.scriban", 0, 9, "include \"loop\""), extra: [("Partials/loop.scriban", "again {{ include \"loop\" }}")]);

    [Fact]
    public Task TM2011_include_name_not_a_literal() => Verify(
        "{{ include name }}",
        new Expected("TM2011", "include takes the partial's name as a string literal, so it can be compiled: include name", TextPath, 0, 3, "include name"));

    [Fact]
    public Task TM2012_member_of_a_value_that_is_always_null() => Verify(
        "{{ x = null; x.size }}",
        new Expected("TM2012", "'x' is always null here, so 'x.size' would fail", TextPath, 0, 13, "x.size"));

    [Fact]
    public Task TM2013_template_variable_with_conflicting_types() => Verify(
        "{{ x = featured; x = 1; x }}",
        new Expected("TM2013", "Template variable 'x' is given a 'Line' and a 'int': a variable that holds your model's objects must keep one type", TextPath, 0, 17, "x"));

    [Fact]
    public Task TM2014_members_with_the_same_template_name() => Verify(
        "x",
        new Expected("TM2014", "'URLPath' and 'Urlpath' of 'Welcome' are both 'urlpath' in templates: only 'URLPath' can be used", SourcePath, 0, 69, "Welcome", DiagnosticSeverity.Warning),
        source: "using TypedMail; [Email(Template = \"Welcome\")] public partial record Welcome(string URLPath, string Urlpath);");

    [Fact]
    public Task TM2015_member_hides_a_builtin_object() => Verify(
        "x",
        new Expected("TM2015", "'Date' hides the builtin object 'date' in templates: 'date.*' functions cannot be used with this email", SourcePath, 0, 61, "Welcome", DiagnosticSeverity.Warning),
        source: "using System; using TypedMail; [Email] public partial record Welcome(DateTime Date);");

    [Fact]
    public Task TM2016_writing_a_whole_list() => Verify(
        "{{ lines }}",
        new Expected("TM2016", "Writing 'lines' prints a list as text ([item, item, ...]): write one of its members instead", TextPath, 0, 3, "lines", DiagnosticSeverity.Warning));

    [Fact]
    public Task TM2017_subject_with_a_line_break() => Verify(
        "body",
        new Expected("TM2017", "A subject is one line: remove this line break from 'Welcome.subject.scriban'", "Mail/Welcome.subject.scriban", 0, 13, "\n"), subject: "Hi {{ name }}\nthere\n");

    [Fact]
    public Task TM2018_layout_without_content() => Verify(
        "body",
        new Expected("TM2018", "Layout 'Default' must write '{{ content }}' exactly once, as a statement; it does 0 times", "Layouts/Default.layout.scriban", 0, 0, ""),
        extra: [("Mail/Welcome.html.scriban", "<p>{{ name }}</p>"), ("Layouts/Default.layout.scriban", "<html></html>")]);

    [Fact]
    public Task TM2019_assignment_to_a_model_member() => Verify(
        "{{ name = \"x\" }}",
        new Expected("TM2019", "Cannot assign to 'name': it is a member of 'Welcome'; template variables need other names", TextPath, 0, 3, "name"));

    [Fact]
    public Task TM2020_index_on_a_value_that_is_not_a_list() => Verify(
        "{{ seats[0] }}",
        new Expected("TM2020", "Cannot index 'seats[0]': a int is not a list", TextPath, 0, 3, "seats[0]"));

    [Fact]
    public Task TM2021_argument_a_builtin_cannot_take() => Verify(
        "{{ lines | array.map name }}",
        new Expected("TM2021", "'array.map' cannot take a computed value for 'member': the member name must be a string literal", TextPath, 0, 21, "name"));

    [Fact]
    public Task TM1006_layout_not_found() => Verify(
        "x",
        new Expected("TM1006", "'Welcome' asks for layout 'Fancy', but there is no 'Fancy.layout.scriban' in the project (as an AdditionalFiles item)", SourcePath, -1, -1, "Welcome"),
        source: "using TypedMail; [Email(Layout = \"Fancy\")] public partial record Welcome(string Name);");

    private const string SourcePath = "/0/Test0.cs";

    /// <summary>
    /// An expected diagnostic: ID, message, severity, and where: the file, the start (0-based line and column, or -1
    /// for the first occurrence of <paramref name="Covered"/> in the file) and the text it covers.
    /// </summary>
    private sealed record Expected(string Id, string Message, string Path, int Line, int Column, string Covered, DiagnosticSeverity Severity = DiagnosticSeverity.Error);

    /// <summary>
    /// Compiles <paramref name="text"/> as the text body of <paramref name="source"/>'s email, with <paramref name="subject"/>
    /// and the <paramref name="extra"/> files, and expects exactly one diagnostic: <paramref name="expected"/>.
    /// </summary>
    private static Task Verify(string text, Expected expected, string source = Source, string subject = "Hi", params (string Path, string Text)[] extra)
    {
        var files = new Dictionary<string, string> { [SourcePath] = source };
        var test = new GeneratorTest { TestBehaviors = TestBehaviors.SkipGeneratedSourcesCheck };
        test.TestState.Sources.Add((SourcePath, source));
        foreach (var (path, content) in new[] { ("Mail/Welcome.subject.scriban", subject), (TextPath, text) }.Concat(extra))
        {
            files[path] = content;
            test.TestState.AdditionalFiles.Add((path, content));
        }

        var file = files[expected.Path];
        var start = expected.Line < 0 ? file.IndexOf(expected.Covered, System.StringComparison.Ordinal) : Offset(file, expected.Line, expected.Column);
        Assert.True(start >= 0 && string.CompareOrdinal(file, start, expected.Covered, 0, expected.Covered.Length) == 0, $"'{expected.Covered}' is not at the expected place in {expected.Path}");
        var (line, column) = Position(file, start);
        var (endLine, endColumn) = Position(file, start + expected.Covered.Length);
        test.ExpectedDiagnostics.Add(new DiagnosticResult(expected.Id, expected.Severity)
            .WithSpan(expected.Path, line + 1, column + 1, endLine + 1, endColumn + 1)
            .WithMessage(expected.Message));
        return test.RunAsync();
    }

    /// <summary>The offset of a 0-based line and column.</summary>
    private static int Offset(string text, int line, int column)
    {
        var offset = 0;
        for (var i = 0; i < line; i++)
        {
            offset = text.IndexOf('\n', offset) + 1;
        }

        return offset + column;
    }

    /// <summary>The 0-based line and column of an offset.</summary>
    private static (int Line, int Column) Position(string text, int offset)
    {
        var lineStart = offset == 0 ? 0 : text.LastIndexOf('\n', offset - 1) + 1;
        return (text.Take(offset).Count(c => c == '\n'), offset - lineStart);
    }
}
