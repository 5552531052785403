using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
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
    public Task TM1001_email_type_must_be_a_partial_record() => Verify(
        "using TypedMail; [Email] public record {|#0:Welcome|}(string Name);",
        Templates,
        Error("TM1001").WithLocation(0).WithMessage("'Welcome' has [Email] but is not a partial record: declare it 'partial record Welcome(...)'"));

    [Fact]
    public Task TM1002_email_type_must_be_top_level() => Verify(
        "using TypedMail; public partial class Outer { [Email] public partial record {|#0:Welcome|}(string Name); }",
        Templates,
        Error("TM1002").WithLocation(0).WithMessage("'Welcome' has [Email] but is nested in another type: declare it as a non-generic record directly in a namespace"));

    [Fact]
    public Task TM1003_subject_template_not_found() => Verify(
        "using TypedMail; [Email] public partial record {|#0:Welcome|}(string Name);",
        [("Mail/Welcome.text.scriban", "x")],
        Error("TM1003").WithLocation(0).WithMessage("No subject template for 'Welcome': add 'Welcome.subject.scriban' to the project (as an AdditionalFiles item)"));

    [Fact]
    public Task TM1004_body_template_not_found() => Verify(
        "using TypedMail; [Email] public partial record {|#0:Welcome|}(string Name);",
        [("Mail/Welcome.subject.scriban", "x")],
        Error("TM1004").WithLocation(0).WithMessage("No body template for 'Welcome': add 'Welcome.html.scriban', 'Welcome.text.scriban' or both to the project (as AdditionalFiles items)"));

    [Fact]
    public Task TM1005_duplicate_template() => Verify(
        "using TypedMail; [Email] public partial record {|#0:Welcome|}(string Name);",
        [.. Templates, ("Other/Welcome.text.scriban", "again")],
        Error("TM1005").WithLocation(0).WithMessage("Template 'Welcome.text.scriban' is defined twice, in 'Mail/Welcome.text.scriban' and 'Other/Welcome.text.scriban': template file names must be unique in a project"));

    [Fact]
    public Task Template_override_in_attribute_is_used() => Verify(
        "using TypedMail; [Email(Template = \"Welcome\")] public partial record WelcomeEmail(string Name);",
        Templates);

    private static DiagnosticResult Error(string id) => new(id, DiagnosticSeverity.Error);

    /// <summary>Runs the generator and expects exactly <paramref name="expected"/>, and no compiler error or warning.</summary>
    private static Task Verify(string source, (string Path, string Text)[] templates, params DiagnosticResult[] expected)
    {
        var test = new GeneratorTest { TestCode = source, CompilerDiagnostics = CompilerDiagnostics.Warnings, TestBehaviors = TestBehaviors.SkipGeneratedSourcesCheck };
        foreach (var template in templates)
        {
            test.TestState.AdditionalFiles.Add(template);
        }

        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }
}
