using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Testing;
using TypedMail.Generator.Tests.Infrastructure;

namespace TypedMail.Generator.Tests;

public sealed class EmailGeneratorTests
{
    private const string WelcomeSource = """
        using TypedMail;

        namespace Shop.Mail;

        [Email]
        public partial record WelcomeEmail(string FirstName, string ProductName, int Seats, bool Trial);
        """;

    private static readonly (string, string)[] WelcomeTemplates =
    [
        ("Mail/WelcomeEmail.subject.scriban", "Welcome to {{ product_name }}, {{ first_name }}"),
        ("Mail/WelcomeEmail.html.scriban", "<h1>Hi {{ first_name }}</h1><p>{{ seats }} seats, trial: {{ trial }}</p>"),
        ("Mail/WelcomeEmail.text.scriban", "Hi {{ first_name }}\n{{ seats }} seats, trial: {{ trial }}\n"),
    ];

    /// <summary>The email's source and the catalog match their snapshots, with no diagnostic and no compiler warning under nullable.</summary>
    [Fact]
    public Task Generated_source_matches_snapshot() => VerifySnapshot(WelcomeSource, WelcomeTemplates);

    private const string NewsletterSource = """
        using TypedMail;

        namespace Shop.Mail;

        [Email(Category = "newsletter", OneClickUnsubscribe = true, Headers = ["X-Campaign: spring \"24\"", "X-Team:  growth "], Tags = ["news", "spring:2030", "news"])]
        public partial record NewsletterEmail(string FirstName);
        """;

    private static readonly (string, string)[] NewsletterTemplates =
    [
        ("Mail/NewsletterEmail.subject.scriban", "News for {{ first_name }}"),
        ("Mail/NewsletterEmail.text.scriban", "Hi {{ first_name }}"),
    ];

    /// <summary>The [Email] settings, read at build time, become a constant settings object the generated Enqueue hands over: no reflection.</summary>
    [Fact]
    public Task Generated_source_with_deliverability_settings_matches_snapshot() => VerifySnapshot(NewsletterSource, NewsletterTemplates);

    [Fact]
    public void Generated_renderer_renders_and_escapes_html_only()
    {
        var result = GeneratorHarness.Run(WelcomeSource, WelcomeTemplates);
        var assembly = result.Load();
        var type = assembly.GetType("Shop.Mail.WelcomeEmail")!;
        var email = Activator.CreateInstance(type, "<Ada & Co>", "Acme", 3, true)!;
        var rendered = (RenderedEmail)type.GetMethod("Render")!.Invoke(email, [null])!;
        Assert.Equal("Welcome to Acme, <Ada & Co>", rendered.Subject);
        Assert.Equal("<h1>Hi &lt;Ada &amp; Co&gt;</h1><p>3 seats, trial: true</p>", rendered.HtmlBody);
        Assert.Equal("Hi <Ada & Co>\n3 seats, trial: true\n", rendered.TextBody);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Unrelated_edit_leaves_every_step_cached(bool withSettings)
    {
        var result = withSettings ? GeneratorHarness.Run(NewsletterSource, NewsletterTemplates) : GeneratorHarness.Run(WelcomeSource, WelcomeTemplates);
        var next = result.Input.AddSyntaxTrees(CSharpSyntaxTree.ParseText("struct Unrelated { }", new CSharpParseOptions(LanguageVersion.Latest)));
        var driver = result.Driver.RunGenerators(next);
        var run = driver.GetRunResult().Results.Single();
        foreach (var step in new[] { TrackingNames.EmailTypes, TrackingNames.TemplateFiles, TrackingNames.BoundEmails, TrackingNames.EmailModels })
        {
            var reasons = run.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
            Assert.NotEmpty(reasons);
            Assert.All(reasons, r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {r}"));
        }

        // The diagnostics output (no sources) takes the compilation to put locations on syntax trees, so it re-runs; source outputs do not.
        Assert.All(run.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).Where(o => o.Value is not (System.Collections.ICollection { Count: 0 }, _)),
            o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void Editing_one_template_reparses_only_that_template()
    {
        var result = GeneratorHarness.Run(WelcomeSource, WelcomeTemplates);
        var driver = result.Driver.ReplaceAdditionalText(
            result.Templates.Single(t => t.Path == "Mail/WelcomeEmail.text.scriban"),
            new InMemoryAdditionalText("Mail/WelcomeEmail.text.scriban", "Hello {{ first_name }}\n"));
        driver = driver.RunGenerators(result.Input);
        var run = driver.GetRunResult().Results.Single();
        var templateReasons = run.TrackedSteps[TrackingNames.TemplateFiles]
            .Select(s => (((Model.TemplateFileSpec)s.Outputs[0].Value).Path, s.Outputs[0].Reason))
            .ToList();
        Assert.Contains(templateReasons, t => t.Path == "Mail/WelcomeEmail.text.scriban" && t.Reason == IncrementalStepRunReason.Modified);
        Assert.All(templateReasons.Where(t => t.Path != "Mail/WelcomeEmail.text.scriban"),
            t => Assert.True(t.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{t.Path}: {t.Reason}"));
        Assert.Equal(IncrementalStepRunReason.Modified, run.TrackedSteps[TrackingNames.EmailModels].Single().Outputs.Single().Reason);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void No_step_output_holds_symbols_syntax_or_compilation(bool withSettings)
    {
        var result = withSettings ? GeneratorHarness.Run(NewsletterSource, NewsletterTemplates) : GeneratorHarness.Run(WelcomeSource, WelcomeTemplates);
        var run = result.RunResult.Results.Single();
        foreach (var (name, steps) in run.TrackedSteps.Where(s => typeof(TrackingNames).GetField(s.Key) is not null))
        {
            foreach (var output in steps.SelectMany(s => s.Outputs))
            {
                ForbiddenTypeWalker.AssertClean(output.Value, name);
            }
        }
    }

    private const string TwoEmailsSource = """
        using System.Collections.Generic;
        using TypedMail;

        namespace Shop.Mail;

        public sealed record Line(string Name, int Quantity, decimal Price);

        [Email]
        public partial record OrderEmail(string CustomerName, IReadOnlyList<Line> Lines, decimal Total, string? Coupon);

        [Email]
        public partial record WelcomeEmail(string FirstName, string ProductName, int Seats, bool Trial);
        """;

    private static readonly (string, string)[] TwoEmailsTemplates =
    [
        .. WelcomeTemplates,
        ("Mail/OrderEmail.subject.scriban", "Order for {{ customer_name }}"),
        ("Mail/OrderEmail.html.scriban", """
            <h1>Thanks, {{ customer_name }}</h1>
            <table>
              {{~ for line in lines ~}}
              <tr class="{{ for.even ? "even" : "odd" }}"><td>{{ line.name | string.capitalize }}</td><td>{{ line.quantity }}</td><td>{{ line.price * line.quantity | math.format "0.00" }}</td></tr>
              {{~ end ~}}
            </table>
            {{ if coupon }}<p>Coupon: {{ coupon }}</p>{{ else }}<p>No coupon</p>{{ end }}
            <p>Total: {{ total }}</p>
            {{ include "footer" }}
            """),
        ("Mail/OrderEmail.text.scriban", "{{ customer_name }}: {{ lines.size }} lines, {{ total }}\n{{ include \"footer\" }}"),
        ("Mail/Default.layout.scriban", "<html><body>\n  {{ content }}\n</body></html>"),
        ("Mail/footer.scriban", "The Shop team\n"),
    ];

    [Fact]
    public Task Generated_source_of_loops_conditions_partials_and_layout_matches_snapshot() => VerifySnapshot(TwoEmailsSource, TwoEmailsTemplates);

    [Fact]
    public void Editing_one_template_leaves_other_emails_unchanged()
    {
        var result = GeneratorHarness.Run(TwoEmailsSource, TwoEmailsTemplates);
        var driver = result.Driver.ReplaceAdditionalText(
            result.Templates.Single(t => t.Path == "Mail/WelcomeEmail.html.scriban"),
            new InMemoryAdditionalText("Mail/WelcomeEmail.html.scriban", "<p>Hello {{ first_name }}</p>"));
        var run = driver.RunGenerators(result.Input).GetRunResult().Results.Single();

        var files = run.TrackedSteps[TrackingNames.TemplateFiles].Select(s => (((Model.TemplateFileSpec)s.Outputs[0].Value).Path, s.Outputs[0].Reason)).ToList();
        Assert.Equal(IncrementalStepRunReason.Modified, files.Single(f => f.Path == "Mail/WelcomeEmail.html.scriban").Reason);
        Assert.All(files.Where(f => f.Path != "Mail/WelcomeEmail.html.scriban"), f => Assert.True(f.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{f.Path}: {f.Reason}"));

        var models = ModelReasons(run);
        Assert.Equal(IncrementalStepRunReason.Modified, models["WelcomeEmail"]);
        Assert.True(models["OrderEmail"] is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"OrderEmail: {models["OrderEmail"]}");
    }

    [Fact]
    public void Editing_a_partial_recompiles_only_the_emails_that_include_it()
    {
        var result = GeneratorHarness.Run(TwoEmailsSource, TwoEmailsTemplates);
        var driver = result.Driver.ReplaceAdditionalText(
            result.Templates.Single(t => t.Path == "Mail/footer.scriban"),
            new InMemoryAdditionalText("Mail/footer.scriban", "The Shop team, with love\n"));
        var run = driver.RunGenerators(result.Input).GetRunResult().Results.Single();
        var models = ModelReasons(run);
        Assert.Equal(IncrementalStepRunReason.Modified, models["OrderEmail"]);
        Assert.True(models["WelcomeEmail"] is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"WelcomeEmail: {models["WelcomeEmail"]}");
    }

    [Fact]
    public void Unrelated_edit_leaves_every_step_of_several_emails_cached()
    {
        var result = GeneratorHarness.Run(TwoEmailsSource, TwoEmailsTemplates);
        var next = result.Input.AddSyntaxTrees(CSharpSyntaxTree.ParseText("struct Unrelated { }", new CSharpParseOptions(LanguageVersion.Latest)));
        var run = result.Driver.RunGenerators(next).GetRunResult().Results.Single();
        foreach (var step in new[] { TrackingNames.EmailTypes, TrackingNames.TemplateFiles, TrackingNames.BoundEmails, TrackingNames.EmailModels })
        {
            Assert.All(run.TrackedSteps[step].SelectMany(s => s.Outputs), o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {o.Reason}"));
        }

        foreach (var (name, steps) in run.TrackedSteps.Where(s => typeof(TrackingNames).GetField(s.Key) is not null))
        {
            foreach (var output in steps.SelectMany(s => s.Outputs))
            {
                ForbiddenTypeWalker.AssertClean(output.Value, name);
            }
        }
    }

    /// <summary>Every generated source matches its snapshot; no generator diagnostic, no compiler warning.</summary>
    private static Task VerifySnapshot(string source, (string Path, string Text)[] templates, [CallerMemberName] string testName = "")
    {
        var test = new GeneratorTest { CompilerDiagnostics = CompilerDiagnostics.Warnings };
        test.TestState.Sources.Add(source);
        foreach (var template in templates)
        {
            test.TestState.AdditionalFiles.Add(template);
        }

        Snapshot.Expect(test, testName: testName);
        return test.RunAsync();
    }

    private static Dictionary<string, IncrementalStepRunReason> ModelReasons(GeneratorRunResult run)
        => run.TrackedSteps[TrackingNames.EmailModels]
            .SelectMany(s => s.Outputs)
            .ToDictionary(o => ((Model.EmailModel)o.Value).Email.TypeName, o => o.Reason);
}
