using System.Linq;
using Microsoft.CodeAnalysis;
using TypedMail.Generator.Tests.Infrastructure;

namespace TypedMail.Generator.Tests;

/// <summary>One test per TM1xxx diagnostic ID (attribute and file misuse): the ID, where it points and what it says. TM2xxx: <see cref="TemplateDiagnosticTests"/>.</summary>
public sealed class DiagnosticTests
{
    private static readonly (string, string)[] Templates =
    [
        ("Mail/Welcome.subject.scriban", "Hi {{ name }}"),
        ("Mail/Welcome.text.scriban", "Hello {{ name }}"),
    ];

    [Fact]
    public void TM1001_email_type_must_be_a_partial_record()
    {
        const string source = "using TypedMail; [Email] public record Welcome(string Name);";
        var d = Single(source, Templates);
        Assert.Equal("TM1001", d.Id);
        Assert.Equal("'Welcome' has [Email] but is not a partial record: declare it 'partial record Welcome(...)'", d.GetMessage());
        AssertSource(d, source, "Welcome");
    }

    [Fact]
    public void TM1002_email_type_must_be_top_level()
    {
        const string source = "using TypedMail; public partial class Outer { [Email] public partial record Welcome(string Name); }";
        var d = Single(source, Templates);
        Assert.Equal("TM1002", d.Id);
        Assert.Contains("nested in another type", d.GetMessage());
        AssertSource(d, source, "Welcome");
    }

    [Fact]
    public void TM1003_subject_template_not_found()
    {
        const string source = "using TypedMail; [Email] public partial record Welcome(string Name);";
        var d = Single(source, [("Mail/Welcome.text.scriban", "x")]);
        Assert.Equal("TM1003", d.Id);
        Assert.Equal("No subject template for 'Welcome': add 'Welcome.subject.scriban' to the project (as an AdditionalFiles item)", d.GetMessage());
        AssertSource(d, source, "Welcome");
    }

    [Fact]
    public void TM1004_body_template_not_found()
    {
        var d = Single("using TypedMail; [Email] public partial record Welcome(string Name);", [("Mail/Welcome.subject.scriban", "x")]);
        Assert.Equal("TM1004", d.Id);
        Assert.Contains("'Welcome.html.scriban', 'Welcome.text.scriban'", d.GetMessage());
    }

    [Fact]
    public void TM1005_duplicate_template()
    {
        var d = Single("using TypedMail; [Email] public partial record Welcome(string Name);",
            [.. Templates, ("Other/Welcome.text.scriban", "again")]);
        Assert.Equal("TM1005", d.Id);
        Assert.Equal("Template 'Welcome.text.scriban' is defined twice, in 'Mail/Welcome.text.scriban' and 'Other/Welcome.text.scriban': template file names must be unique in a project", d.GetMessage());
    }

    [Fact]
    public void Template_override_in_attribute_is_used()
    {
        var result = GeneratorHarness.Run("using TypedMail; [Email(Template = \"Welcome\")] public partial record WelcomeEmail(string Name);", Templates);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationProblems);
    }

    private static Diagnostic Single(string source, (string, string)[] templates) => Assert.Single(GeneratorHarness.Run(source, templates).GeneratorDiagnostics);

    private static void AssertSource(Diagnostic d, string source, string text)
    {
        var span = d.Location.GetLineSpan();
        Assert.Equal("Source0.cs", span.Path);
        Assert.Equal(text, source.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length));
    }
}
