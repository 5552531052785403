using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Testing;
using TypedMail.Generator.Tests.Infrastructure;
using TypedMail.Previews;

namespace TypedMail.Generator.Tests;

/// <summary>The preview catalog: every [Email] type and its [EmailSample] members, listed by one generated class per assembly.</summary>
public sealed class EmailCatalogTests
{
    private const string Source = """
        using TypedMail;

        namespace Shop.Mail
        {
            [Email]
            public partial record WelcomeEmail(string FirstName)
            {
                [EmailSample]
                public static WelcomeEmail NewCustomer => new("Ada");

                [EmailSample(ReplyTo = "Support <support@shop.test>", Attachments = new[] { "terms.pdf", "logo.png" })]
                internal static WelcomeEmail LongName() => new("Maximiliana Wolfeschlegelsteinhausen");
            }

            [Email]
            internal partial record ReceiptEmail(string FirstName);
        }

        [Email(Template = "WelcomeEmail")]
        public partial record GlobalEmail(string FirstName);
        """;

    private static readonly (string, string)[] Templates =
    [
        ("Mail/WelcomeEmail.subject.scriban", "Welcome, {{ first_name }}"),
        ("Mail/WelcomeEmail.html.scriban", "<p>Hi {{ first_name }}</p>"),
        ("Mail/ReceiptEmail.subject.scriban", "Receipt for {{ first_name }}"),
        ("Mail/ReceiptEmail.text.scriban", "Thanks"),
    ];

    /// <summary>The catalog (and each email's source) match their snapshots, with no diagnostic and no compiler warning.</summary>
    [Fact]
    public Task Catalog_matches_snapshot()
    {
        var test = new GeneratorTest { CompilerDiagnostics = CompilerDiagnostics.Warnings };
        test.TestState.Sources.Add(Source);
        foreach (var template in Templates)
        {
            test.TestState.AdditionalFiles.Add(template);
        }

        Snapshot.Expect(test);
        return test.RunAsync();
    }

    [Fact]
    public void Catalog_lists_every_email_and_renders_each_sample()
    {
        var assembly = GeneratorHarness.Run(Source, Templates).Load();
        var emails = EmailCatalog.Read(assembly);

        Assert.Equal(["GlobalEmail", "Shop.Mail.ReceiptEmail", "Shop.Mail.WelcomeEmail"], emails.Select(e => e.EmailType));
        Assert.Equal(assembly.GetType("Shop.Mail.ReceiptEmail"), emails[1].Type);
        Assert.Empty(emails[0].Samples);
        Assert.Empty(emails[1].Samples);
        var welcome = emails[2];
        Assert.Equal(["NewCustomer", "LongName"], welcome.Samples.Select(s => s.Name));
        Assert.Empty(welcome.Cultures);
        var rendered = welcome.Samples[0].Render(null);
        Assert.Equal("Welcome, Ada", rendered.Subject);
        Assert.Equal("<p>Hi Ada</p>", rendered.HtmlBody);
        Assert.Null(rendered.TextBody);
        Assert.Equal("Welcome, Maximiliana Wolfeschlegelsteinhausen", welcome.Samples[1].Render(null).Subject);
        Assert.Null(welcome.Samples[0].ReplyTo);
        Assert.Empty(welcome.Samples[0].Attachments);
        Assert.Equal("Support <support@shop.test>", welcome.Samples[1].ReplyTo);
        Assert.Equal(["terms.pdf", "logo.png"], welcome.Samples[1].Attachments);
    }

    [Fact]
    public void No_catalog_without_emails()
    {
        var result = GeneratorHarness.Run("namespace Shop; public record NotAnEmail(string Name);");
        Assert.Empty(result.Sources);
        Assert.Empty(EmailCatalog.Read(result.Load()));
    }

    [Theory]
    [InlineData("public WelcomeEmail Sample => new(\"Ada\");", "not static")]
    [InlineData("public static WelcomeEmail Sample(string name) => new(name);", "not a property or a parameterless, non-generic method")]
    [InlineData("private static WelcomeEmail Sample => new(\"Ada\");", "not visible to generated code (make it public or internal)")]
    [InlineData("public static string Sample => \"Ada\";", "returning 'string'")]
    public async Task TM1101_invalid_email_sample(string member, string problem)
    {
        var source = "using TypedMail; [Email] public partial record WelcomeEmail(string FirstName) { [EmailSample] " + member + " }";
        var test = new GeneratorTest
        {
            TestCode = source.Replace(" Sample", " {|#0:Sample|}"),
            TestBehaviors = TestBehaviors.SkipGeneratedSourcesCheck,
            ExpectedDiagnostics =
            {
                new DiagnosticResult("TM1101", DiagnosticSeverity.Error).WithLocation(0).WithMessage(
                    $"'WelcomeEmail.Sample' is marked [EmailSample] but is {problem}: a sample is a static property or parameterless static method of 'WelcomeEmail' that returns a 'WelcomeEmail'"),
            },
        };
        foreach (var template in Templates)
        {
            test.TestState.AdditionalFiles.Add(template);
        }

        await test.RunAsync();

        // The invalid sample is left out; the email is still listed, without samples. (One line of the catalog: the
        // framework compares whole files, which the snapshot test does.)
        var catalog = GeneratorHarness.Run(source, Templates).Sources[EmailGenerator.Catalog.HintName];
        Assert.Matches(@"typeof\(global::WelcomeEmail\),\s+global::System\.Array\.Empty<global::TypedMail\.Previews\.EmailSample>\(\),", catalog);
    }

    [Fact]
    public void Unrelated_edit_leaves_the_catalog_cached_and_a_new_sample_changes_it()
    {
        var result = GeneratorHarness.Run(Source, Templates);
        var options = new CSharpParseOptions(LanguageVersion.Latest);
        var driver = result.Driver.RunGenerators(result.Input.AddSyntaxTrees(CSharpSyntaxTree.ParseText("struct Unrelated { }", options)));
        var run = driver.GetRunResult().Results.Single();
        foreach (var step in new[] { TrackingNames.CatalogEntries, TrackingNames.Catalog })
        {
            var reasons = run.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
            Assert.NotEmpty(reasons);
            Assert.All(reasons, r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {r}"));
        }

        var withSample = result.Input.AddSyntaxTrees(CSharpSyntaxTree.ParseText(
            "namespace Shop.Mail { partial record ReceiptEmail { [TypedMail.EmailSample] public static ReceiptEmail Paid => new(\"Bo\"); } }", options));
        run = result.Driver.RunGenerators(withSample).GetRunResult().Results.Single();
        Assert.Equal(IncrementalStepRunReason.Modified, run.TrackedSteps[TrackingNames.Catalog].Single().Outputs.Single().Reason);
        Assert.Contains("new global::TypedMail.Previews.EmailSample(\"Paid\", static culture => global::Shop.Mail.ReceiptEmail.Paid.Render(culture)),",
            run.GeneratedSources.Single(s => s.HintName == EmailGenerator.Catalog.HintName).SourceText.ToString());
    }
}
