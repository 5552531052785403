using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using TypedMail.Generator.Model;
using TypedMail.Generator.Tests.Infrastructure;

namespace TypedMail.Generator.Tests;

/// <summary>
/// The pipeline with CSharpGeneratorDriver: which steps re-run after an edit (each email re-binds only when a file it uses
/// changed), that no step holds symbols or syntax, and that diagnostics are reported once and suppressible in source.
/// </summary>
public sealed class GeneratorPipelineTests
{
    private const string Source = """
        using TypedMail;

        namespace Shop;

        [Email] public partial record Welcome(string Name);
        [Email] public partial record Order(int Number);
        [Email] public partial record Notice(string Text);
        """;

    private static readonly (string Path, string Text)[] Templates =
    [
        ("Mail/Welcome.subject.scriban", "Hi {{ name }}"),
        ("Mail/Welcome.html.scriban", "<p>{{ name }}</p>"),
        ("Mail/Welcome.fr.html.scriban", "<p>Bonjour {{ name }}</p>"),
        ("Mail/Welcome.text.scriban", "{{ name }}\n{{ include \"footer\" }}"),
        ("Mail/Order.subject.scriban", "Order {{ number }}"),
        ("Mail/Order.html.scriban", "<p>{{ number }}</p>{{ 'badge' | include }}"),
        ("Mail/Notice.subject.scriban", "Notice"),
        ("Mail/Notice.text.scriban", "{{ text }}"),
        ("Mail/Default.layout.scriban", "<html>{{ content }}</html>"),
        ("Mail/footer.scriban", "-- {{ include \"signature\" }}"),
        ("Mail/signature.scriban", "The team"),
        ("Mail/badge.scriban", "<b>new</b>"),
    ];

    [Fact]
    public void Editing_an_email_template_rebinds_only_that_email()
    {
        var run = Edit("Mail/Order.html.scriban", "<p>#{{ number }}</p>{{ 'badge' | include }}");
        AssertRebound(run, "Order");
        var files = run.TrackedSteps[TrackingNames.TemplateFiles].Select(s => (((TemplateFileSpec)s.Outputs[0].Value).Path, s.Outputs[0].Reason)).ToList();
        Assert.Equal([("Mail/Order.html.scriban", IncrementalStepRunReason.Modified)], files.Where(f => f.Reason != IncrementalStepRunReason.Cached));
    }

    [Fact]
    public void Editing_a_culture_variant_rebinds_only_that_email()
    {
        var run = Edit("Mail/Welcome.fr.html.scriban", "<p>Salut {{ name }}</p>");
        AssertRebound(run, "Welcome");
        var files = run.TrackedSteps[TrackingNames.TemplateFiles].Select(s => (((TemplateFileSpec)s.Outputs[0].Value).Path, s.Outputs[0].Reason)).ToList();
        Assert.Equal([("Mail/Welcome.fr.html.scriban", IncrementalStepRunReason.Modified)], files.Where(f => f.Reason != IncrementalStepRunReason.Cached));
    }

    [Fact]
    public void Editing_a_partial_rebinds_only_the_emails_that_include_it()
    {
        AssertRebound(Edit("Mail/signature.scriban", "The Shop team"), "Welcome");
        AssertRebound(Edit("Mail/badge.scriban", "<b>hot</b>"), "Order");
    }

    [Fact]
    public void Editing_the_layout_rebinds_only_emails_with_an_html_body()
        => AssertRebound(Edit("Mail/Default.layout.scriban", "<html><body>{{ content }}</body></html>"), "Order", "Welcome");

    [Fact]
    public void Adding_an_unused_partial_rebinds_nothing()
    {
        var result = GeneratorHarness.Run(Source, Templates);
        var driver = result.Driver.AddAdditionalTexts([new InMemoryAdditionalText("Mail/unused.scriban", "{{ 1 }}")]);
        AssertRebound(driver.RunGenerators(result.Input).GetRunResult().Results.Single());
    }

    [Fact]
    public void An_edit_renders_the_new_text()
    {
        var result = GeneratorHarness.Run(Source, Templates);
        var driver = Replace(result, "Mail/signature.scriban", "The Shop team");
        driver = driver.RunGeneratorsAndUpdateCompilation(result.Input, out var output, out var diagnostics);
        Assert.Empty(diagnostics);
        var welcome = driver.GetRunResult().GeneratedTrees.Single(t => t.FilePath.EndsWith("Shop.Welcome.Email.g.cs", System.StringComparison.Ordinal));
        // The signature's text is written with the footer's around it, in one literal.
        Assert.Contains("-- The Shop team", welcome.ToString());
        Assert.DoesNotContain("The team", welcome.ToString());
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }

    [Fact]
    public void No_step_output_holds_symbols_syntax_locations_or_the_compilation()
    {
        var templates = Templates.Append(("Mail/Broken.subject.scriban", "{{ oops")).ToArray();
        var result = GeneratorHarness.Run(Source + "\n[Email] public partial record Broken(string Html);", templates);
        Assert.Contains(result.GeneratorDiagnostics, d => d.Id == "TM2001");
        var runs = new[] { result.RunResult.Results.Single(), Edit("Mail/signature.scriban", "x") };
        foreach (var run in runs)
        {
            foreach (var name in typeof(TrackingNames).GetFields().Select(f => (string)f.GetValue(null)!))
            {
                Assert.True(run.TrackedSteps.ContainsKey(name), $"step {name} did not run");
                foreach (var output in run.TrackedSteps[name].SelectMany(s => s.Outputs))
                {
                    ForbiddenTypeWalker.AssertClean(output.Value, name);
                }
            }
        }
    }

    [Fact]
    public void An_error_in_a_shared_layout_is_reported_once()
    {
        var result = Run(("Mail/Default.layout.scriban", "<html>{{ content }}{{ if }}</html>"));
        var d = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal("TM2001", d.Id);
        Assert.Equal("Mail/Default.layout.scriban", d.Location.GetLineSpan().Path);
    }

    [Fact]
    public void An_error_in_a_shared_partial_is_reported_once()
    {
        // Welcome's text and Notice's new HTML body both reach the signature (through the footer).
        var result = Run(("Mail/signature.scriban", "{{ break }}{{ nope }}"), ("Mail/Notice.html.scriban", "{{ include 'footer' }}"));
        Assert.Equal(["TM2008", "TM2002"], result.GeneratorDiagnostics.Select(d => d.Id));
        Assert.All(result.GeneratorDiagnostics, d => Assert.Equal("Mail/signature.scriban", d.Location.GetLineSpan().Path));

        // The unknown name is missing from both records; the message names the first.
        Assert.Equal("'nope' is not a member of 'Welcome'", result.GeneratorDiagnostics[1].GetMessage());
    }

    [Fact]
    public void A_diagnostic_about_a_record_is_located_in_its_source_and_pragma_suppresses_it()
    {
        const string record = "using TypedMail;\n[Email] public partial record Promo(string Regex, string Name);\n";
        (string, string)[] templates = [("Promo.subject.scriban", "{{ name }}"), ("Promo.text.scriban", "{{ name }}")];

        var reported = Assert.Single(GeneratorHarness.Run(record, templates).GeneratorDiagnostics);
        Assert.Equal("TM2015", reported.Id);
        Assert.Equal(LocationKind.SourceFile, reported.Location.Kind);
        Assert.Equal("Source0.cs", reported.Location.SourceTree!.FilePath);
        Assert.Equal("Promo", record.Substring(reported.Location.SourceSpan.Start, reported.Location.SourceSpan.Length));

        var suppressed = GeneratorHarness.Run("#pragma warning disable TM2015\n" + record + "#pragma warning restore TM2015\n", templates);
        Assert.DoesNotContain(suppressed.GeneratorDiagnostics, d => d.Id == "TM2015" && !d.IsSuppressed);
        Assert.Empty(suppressed.CompilationProblems);
    }

    /// <summary>Runs the generator over <see cref="Templates"/> with some files replaced or added.</summary>
    private static GeneratorResult Run(params (string Path, string Text)[] changes)
        => GeneratorHarness.Run(Source, [.. Templates.Where(t => !changes.Any(c => c.Path == t.Path)), .. changes]);

    private static GeneratorRunResult Edit(string path, string text)
    {
        var result = GeneratorHarness.Run(Source, Templates);
        Assert.Empty(result.GeneratorDiagnostics);
        return Replace(result, path, text).RunGenerators(result.Input).GetRunResult().Results.Single();
    }

    private static GeneratorDriver Replace(GeneratorResult result, string path, string text)
        => result.Driver.ReplaceAdditionalText(result.Templates.Single(t => t.Path == path), new InMemoryAdditionalText(path, text));

    /// <summary>Exactly <paramref name="emails"/> were bound again; every other email's binding was cached.</summary>
    private static void AssertRebound(GeneratorRunResult run, params string[] emails)
    {
        var reasons = run.TrackedSteps[TrackingNames.BoundEmails]
            .SelectMany(s => s.Outputs)
            .Select(o => (((EmailBindResult)o.Value).Model!.Email.TypeName, o.Reason))
            .ToList();
        Assert.Equal(3, reasons.Count);
        Assert.Equal(emails.Order(), reasons.Where(r => r.Reason != IncrementalStepRunReason.Cached).Select(r => r.TypeName).Order());
        Assert.All(reasons.Where(r => emails.Contains(r.TypeName)), r => Assert.Equal(IncrementalStepRunReason.Modified, r.Reason));
    }
}
