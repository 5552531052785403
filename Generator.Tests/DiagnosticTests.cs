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

    [Fact]
    public Task Valid_deliverability_settings_have_no_diagnostic() => Verify(
        """using TypedMail; [Email(Category = "product-updates", OneClickUnsubscribe = true, Headers = new[] { "X-Campaign: spring", "X-Empty:" }, Tags = ["a:b", "c.d"])] public partial record Welcome(string Name);""",
        Templates);

    [Fact]
    public Task TM1201_category_that_is_not_valid() => Verify(
        """using TypedMail; [Email(Category = {|#0:"news letter"|})] public partial record Welcome(string Name);""",
        Templates,
        Error("TM1201").WithLocation(0).WithMessage("Category 'news letter' of 'Welcome' is not valid: use 1 to 100 ASCII letters, digits, '.', '-' or '_'"));

    [Fact]
    public Task TM1202_one_click_unsubscribe_without_category() => Verify(
        "using TypedMail; [Email(OneClickUnsubscribe = {|#0:true|})] public partial record Welcome(string Name);",
        Templates,
        Error("TM1202").WithLocation(0).WithMessage("'Welcome' has OneClickUnsubscribe = true but no Category: one-click unsubscribe needs a Category to unsubscribe from"));

    [Fact]
    public Task TM1203_header_not_written_name_colon_value() => Verify(
        """using TypedMail; [Email(Headers = ["X-Ok: 1", {|#0:"X-Campaign spring"|}, {|#1:": no name"|}])] public partial record Welcome(string Name);""",
        Templates,
        Error("TM1203").WithLocation(0).WithMessage("Header 'X-Campaign spring' of 'Welcome' is not written \"Name: value\", such as \"X-Campaign: spring\""),
        Error("TM1203").WithLocation(1).WithMessage("Header ': no name' of 'Welcome' is not written \"Name: value\", such as \"X-Campaign: spring\""));

    [Fact]
    public Task TM1204_header_that_cannot_be_set() => Verify(
        """using TypedMail; [Email(Headers = [{|#0:"From: x@example.com"|}, {|#1:"List-Unsubscribe: <https://evil.example>"|}, {|#2:"X Bad: v"|}, {|#3:"X-Campaign: a\r\nBcc: victim@example.com"|}, {|#4:"Content-Type: text/plain"|}])] public partial record Welcome(string Name);""",
        Templates,
        Error("TM1204").WithLocation(0).WithMessage("Header 'From: x@example.com' of 'Welcome' cannot be set: the name 'From': this field is written from the message's own properties"),
        Error("TM1204").WithLocation(1).WithMessage("Header 'List-Unsubscribe: <https://evil.example>' of 'Welcome' cannot be set: the name 'List-Unsubscribe': TypedMail writes this field itself"),
        Error("TM1204").WithLocation(2).WithMessage("Header 'X Bad: v' of 'Welcome' cannot be set: the name 'X Bad': it must be printable ASCII without spaces or ':'"),
        Error("TM1204").WithLocation(3).WithMessage("Header 'X-Campaign: a\\r\\nBcc: victim@example.com' of 'Welcome' cannot be set: the value 'a\\r\\nBcc: victim@example.com': it contains CR or LF, which would inject header lines"),
        Error("TM1204").WithLocation(4).WithMessage("Header 'Content-Type: text/plain' of 'Welcome' cannot be set: the name 'Content-Type': this field is written from the message's own properties"));

    [Fact]
    public Task TM1205_tag_that_is_not_valid() => Verify(
        """using TypedMail; [Email(Tags = ["ok", {|#0:"has space"|}, {|#1:""|}])] public partial record Welcome(string Name);""",
        Templates,
        Error("TM1205").WithLocation(0).WithMessage("Tags 'has space' of 'Welcome' are not valid: use 1 to 64 ASCII letters, digits, '.', '-', '_' or ':'"),
        Error("TM1205").WithLocation(1).WithMessage("Tags '' of 'Welcome' are not valid: use 1 to 64 ASCII letters, digits, '.', '-', '_' or ':'"));

    [Fact]
    public Task TM1205_more_tags_than_a_message_carries() => Verify(
        """using TypedMail; [Email(Tags = {|#0:["t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9", "t10", "t11"]|})] public partial record Welcome(string Name);""",
        Templates,
        Error("TM1205").WithLocation(0).WithMessage("Tags 't1,t2,t3,t4,t5,t6,t7,t8,t9,t10,t11' of 'Welcome' are not valid: a message carries at most 10 tags, and these are 11"));

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
