using System.Linq;
using TypedMail.Generator.Model;
using TypedMail.Generator.Templates;
using TypedMail.Generator.Tests.Infrastructure;

namespace TypedMail.Generator.Tests;

/// <summary>The binder's output, read from the pipeline: what each template is as a bound tree, before any C# is written.</summary>
public sealed class BoundTreeTests
{
    private const string Source = "using TypedMail; [Email] public partial record Welcome(string Name, int Seats, bool Trial);";

    [Fact]
    public void A_template_of_text_only_is_its_text()
    {
        var subject = Bind(("Welcome.subject.scriban", "Hello {%{there}%}"), ("Welcome.text.scriban", "x")).Single(t => t.Kind == TemplateKind.Subject).Body;
        Assert.Equal("Hello there", subject.ConstantText);
        Assert.Empty(subject.Statements);
    }

    [Fact]
    public void Values_are_written_by_kind_and_blocks_are_nodes()
    {
        var html = Bind(
            ("Welcome.subject.scriban", "Hi"),
            ("Welcome.html.scriban", "<p>{{ name }}</p>{{ if trial }}{{ seats }}{{ else }}{{ name | html.escape }}{{ end }}")).Single(t => t.Kind == TemplateKind.Html).Body;
        Assert.Null(html.ConstantText);
        var statements = html.Statements.Where(s => s is not BoundComment).ToList();
        Assert.Equal(new BoundText("<p>"), statements[0]);
        Assert.Equal(BoundWriteKind.EncodedText, Assert.IsType<BoundWrite>(statements[1]).Kind);
        Assert.Equal(new BoundText("</p>"), statements[2]);
        var @if = Assert.IsType<BoundIf>(statements[3]);
        Assert.Equal(BoundWriteKind.Text, Assert.IsType<BoundWrite>(@if.Then.Single(s => s is not BoundComment)).Kind);

        // An escaped value is HTML already: written as is, not encoded twice.
        var escaped = Assert.IsType<BoundWrite>(@if.Else.Single(s => s is not BoundComment));
        Assert.Equal(BoundWriteKind.Text, escaped.Kind);
        Assert.Equal(BoundKind.Html, escaped.Value.Type.Kind);
    }

    private static System.Collections.Generic.List<BoundTemplateSpec> Bind(params (string Path, string Text)[] templates)
    {
        var result = GeneratorHarness.Run(Source, templates);
        Assert.Empty(result.GeneratorDiagnostics);
        var model = (EmailModel)result.RunResult.Results.Single().TrackedSteps[TrackingNames.EmailModels].Single().Outputs.Single().Value;
        return model.Templates.ToList();
    }
}
