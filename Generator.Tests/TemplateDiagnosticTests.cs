using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
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
    public void TM2001_template_syntax_error()
    {
        var d = Single("line one\nHello {{ name", "TM2001");
        Assert.Equal("Template syntax error: The code block `{{` is not closed with `}}`", d.GetMessage());
        AssertAt(d, TextPath, 1, 6, "{{");
    }

    [Fact]
    public void TM2002_unknown_variable_or_member()
    {
        var variable = Single("Hello\n  {{ nmae }}", "TM2002");
        Assert.Equal("'nmae' is not a member of 'Welcome'", variable.GetMessage());
        AssertAt(variable, TextPath, 1, 5, "nmae");

        var member = Single("{{ for line in lines }}{{ line.nme }}{{ end }}", "TM2002");
        Assert.Equal("'nme' is not a member of 'Line'", member.GetMessage());
        AssertAt(member, TextPath, 0, 26, "line.nme");
    }

    [Fact]
    public void TM2003_unsupported_feature()
    {
        var d = Single("{{ func greet }}hi{{ end }}", "TM2003");
        Assert.Equal("Unsupported Scriban feature: `func` statements", d.GetMessage());
        AssertAt(d, TextPath, 0, 3, "func");
    }

    [Fact]
    public void TM2004_loop_over_a_value_that_is_not_a_list()
    {
        var d = Single("{{ for s in seats }}x{{ end }}", "TM2004");
        Assert.Equal("Cannot loop over 'seats': a value of type 'int' is not a list", d.GetMessage());
        AssertAt(d, TextPath, 0, 12, "seats");
    }

    [Fact]
    public void TM2005_unknown_function()
    {
        var d = Single("{{ name | string.nope }}", "TM2005");
        Assert.Equal("'string.nope' is not a function", d.GetMessage());
        AssertAt(d, TextPath, 0, 10, "string.nope");
    }

    [Fact]
    public void TM2006_wrong_argument_count()
    {
        var d = Single("{{ name | string.truncate }}", "TM2006");
        Assert.Equal("'string.truncate' takes 2 to 3 arguments, not 1", d.GetMessage());
        AssertAt(d, TextPath, 0, 10, "string.truncate");
    }

    [Fact]
    public void TM2007_operator_on_values_it_does_not_support()
    {
        var d = Single("{{ name % 2 }}", "TM2007");
        Assert.Equal("Operator '%' cannot be applied to a string and a int", d.GetMessage());
        AssertAt(d, TextPath, 0, 8, "%");
    }

    [Fact]
    public void TM2008_loop_statement_outside_a_loop()
    {
        var d = Single("{{ if seats > 1 }}{{ break }}{{ end }}", "TM2008");
        Assert.Equal("'break' can only be used inside a for or while loop", d.GetMessage());
        AssertAt(d, TextPath, 0, 21, "break");
    }

    [Fact]
    public void TM2009_partial_not_found()
    {
        var d = Single("{{ include \"footer\" }}", "TM2009");
        Assert.Equal("No partial named 'footer': add 'footer.scriban' to the project (as an AdditionalFiles item)", d.GetMessage());
        AssertAt(d, TextPath, 0, 11, "\"footer\"");
    }

    [Fact]
    public void TM2010_recursive_include()
    {
        var d = Single("{{ include \"loop\" }}", "TM2010", ("Partials/loop.scriban", "again {{ include \"loop\" }}"));
        Assert.Equal("'loop' includes itself (Welcome -> loop -> loop): recursive includes are not supported", d.GetMessage());
        AssertAt(d, "Partials/loop.scriban", 0, 9, "include \"loop\"");
    }

    [Fact]
    public void TM2011_include_name_not_a_literal()
    {
        var d = Single("{{ include name }}", "TM2011");
        Assert.Equal("include takes the partial's name as a string literal, so it can be compiled: include name", d.GetMessage());
        AssertAt(d, TextPath, 0, 3, "include name");
    }

    [Fact]
    public void TM2012_member_of_a_value_that_is_always_null()
    {
        var d = Single("{{ x = null; x.size }}", "TM2012");
        Assert.Equal("'x' is always null here, so 'x.size' would fail", d.GetMessage());
        AssertAt(d, TextPath, 0, 13, "x.size");
    }

    [Fact]
    public void TM2013_template_variable_with_conflicting_types()
    {
        var d = Single("{{ x = featured; x = 1; x }}", "TM2013");
        Assert.Equal("Template variable 'x' is given a 'Line' and a 'int': a variable that holds your model's objects must keep one type", d.GetMessage());
        AssertAt(d, TextPath, 0, 17, "x");
    }

    [Fact]
    public void TM2014_members_with_the_same_template_name()
    {
        var d = Single("x", "TM2014", source: "using TypedMail; [Email(Template = \"Welcome\")] public partial record Welcome(string URLPath, string Urlpath);");
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Equal("'URLPath' and 'Urlpath' of 'Welcome' are both 'urlpath' in templates: only 'URLPath' can be used", d.GetMessage());
        Assert.Equal("Source0.cs", d.Location.GetLineSpan().Path);
    }

    [Fact]
    public void TM2015_member_hides_a_builtin_object()
    {
        var d = Single("x", "TM2015", source: "using System; using TypedMail; [Email] public partial record Welcome(DateTime Date);");
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Equal("'Date' hides the builtin object 'date' in templates: 'date.*' functions cannot be used with this email", d.GetMessage());
        Assert.Equal("Source0.cs", d.Location.GetLineSpan().Path);
    }

    [Fact]
    public void TM2016_writing_a_whole_list()
    {
        var d = Single("{{ lines }}", "TM2016");
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Equal("Writing 'lines' prints a list as text ([item, item, ...]): write one of its members instead", d.GetMessage());
        AssertAt(d, TextPath, 0, 3, "lines");
    }

    [Fact]
    public void TM2017_subject_with_a_line_break()
    {
        var d = Single("body", "TM2017", subject: "Hi {{ name }}\nthere\n");
        Assert.Equal("A subject is one line: remove this line break from 'Welcome.subject.scriban'", d.GetMessage());
        AssertAt(d, "Mail/Welcome.subject.scriban", 0, 13, "\n");
    }

    [Fact]
    public void TM2018_layout_without_content()
    {
        var d = Single("body", "TM2018", ("Mail/Welcome.html.scriban", "<p>{{ name }}</p>"), ("Layouts/Default.layout.scriban", "<html></html>"));
        Assert.Equal("Layout 'Default' must write '{{ content }}' exactly once, as a statement; it does 0 times", d.GetMessage());
        Assert.Equal("Layouts/Default.layout.scriban", d.Location.GetLineSpan().Path);
    }

    [Fact]
    public void TM2019_assignment_to_a_model_member()
    {
        var d = Single("{{ name = \"x\" }}", "TM2019");
        Assert.Equal("Cannot assign to 'name': it is a member of 'Welcome'; template variables need other names", d.GetMessage());
        AssertAt(d, TextPath, 0, 3, "name");
    }

    [Fact]
    public void TM2020_index_on_a_value_that_is_not_a_list()
    {
        var d = Single("{{ seats[0] }}", "TM2020");
        Assert.Equal("Cannot index 'seats[0]': a int is not a list", d.GetMessage());
        AssertAt(d, TextPath, 0, 3, "seats[0]");
    }

    [Fact]
    public void TM2021_argument_a_builtin_cannot_take()
    {
        var d = Single("{{ lines | array.map name }}", "TM2021");
        Assert.Equal("'array.map' cannot take a computed value for 'member': the member name must be a string literal", d.GetMessage());
        AssertAt(d, TextPath, 0, 21, "name");
    }

    [Fact]
    public void TM1006_layout_not_found()
    {
        const string source = "using TypedMail; [Email(Layout = \"Fancy\")] public partial record Welcome(string Name);";
        var d = Single("x", "TM1006", source: source);
        Assert.Equal("'Welcome' asks for layout 'Fancy', but there is no 'Fancy.layout.scriban' in the project (as an AdditionalFiles item)", d.GetMessage());
        Assert.Equal("Welcome", source.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length));
    }

    /// <summary>Compiles <paramref name="text"/> as the text body and returns the one diagnostic with <paramref name="id"/>.</summary>
    private Diagnostic Single(string text, string id, params (string Path, string Text)[] extra)
        => Single(text, id, Source, "Hi", extra);

    private Diagnostic Single(string text, string id, string source = Source, string subject = "Hi", params (string Path, string Text)[] extra)
    {
        var templates = new List<(string, string)> { ("Mail/Welcome.subject.scriban", subject), (TextPath, text) };
        templates.AddRange(extra);
        _files.Clear();
        foreach (var (path, content) in templates)
        {
            _files[path] = content;
        }

        var result = GeneratorHarness.Run(source, [.. templates]);
        var matching = result.GeneratorDiagnostics.Where(d => d.Id == id).ToList();
        Assert.True(matching.Count == 1, $"Expected one {id}, got: {string.Join(" | ", result.GeneratorDiagnostics)}");
        return matching[0];
    }

    /// <summary>Asserts the file, the start (0-based line and column) and the template text the diagnostic covers.</summary>
    private void AssertAt(Diagnostic d, string path, int line, int column, string text)
    {
        var span = d.Location.GetLineSpan();
        Assert.Equal(path, span.Path);
        Assert.Equal((line, column), (span.StartLinePosition.Line, span.StartLinePosition.Character));
        Assert.Equal(text, _files[path].Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length));
    }

    private readonly Dictionary<string, string> _files = [];
}
