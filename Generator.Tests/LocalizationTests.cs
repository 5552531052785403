using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using TypedMail.Generator.Tests.Infrastructure;

namespace TypedMail.Generator.Tests;

/// <summary>
/// Culture variants of templates: each part and the layout chosen by culture with .NET's fallback (fr-CA, fr, neutral),
/// every variant checked against the model with diagnostics in its own file, the variant diagnostics (TM1007-TM1009),
/// and the localized formatting builtins in fr-FR, de-DE, ja-JP and ar-SA.
/// </summary>
public sealed class LocalizationTests
{
    private const string Source = """
        using System;
        using TypedMail;

        namespace Shop;

        [Email] public partial record Welcome(string Name, decimal Total, DateTime Day);
        """;

    private static readonly (string Path, string Text)[] Templates =
    [
        ("Mail/Welcome.subject.scriban", "Welcome {{ name }}"),
        ("Mail/Welcome.fr.subject.scriban", "Bienvenue {{ name }}"),
        ("Mail/Welcome.fr-CA.subject.scriban", "Bienvenue au Canada {{ name }}"),
        ("Mail/Welcome.html.scriban", "<p>Hello {{ name }}</p>"),
        ("Mail/Welcome.fr.html.scriban", "<p>Bonjour {{ name }}</p>"),
        ("Mail/Welcome.text.scriban", "{{ total | math.format_currency \"EUR\" }}|{{ total | math.format_local }}|{{ day | date.format_local }}|{{ day | date.format_local \"d\" }}|{{ total }}"),
        ("Mail/Default.layout.scriban", "<html>{{ content }}</html>"),
        ("Mail/Default.de.layout.scriban", "<html lang=\"de\">{{ content }}</html>"),
    ];

    private static readonly Lazy<Type> Welcome = new(() =>
    {
        var result = GeneratorHarness.Run(Source, Templates);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationProblems);
        return result.Load().GetType("Shop.Welcome")!;
    });

    [Fact]
    public Task Generated_source_with_variants_matches_snapshot()
    {
        var test = new GeneratorTest();
        test.TestState.Sources.Add(("Welcome.cs", Source));
        foreach (var file in Templates)
        {
            test.TestState.AdditionalFiles.Add(file);
        }

        Snapshot.Expect(test);
        return test.RunAsync();
    }

    [Theory]
    [InlineData("fr-CA", "Bienvenue au Canada Ada", "<html><p>Bonjour Ada</p></html>")]
    [InlineData("fr-FR", "Bienvenue Ada", "<html><p>Bonjour Ada</p></html>")]
    [InlineData("fr", "Bienvenue Ada", "<html><p>Bonjour Ada</p></html>")]
    [InlineData("de-AT", "Welcome Ada", "<html lang=\"de\"><p>Hello Ada</p></html>")]
    [InlineData("ja-JP", "Welcome Ada", "<html><p>Hello Ada</p></html>")]
    [InlineData("", "Welcome Ada", "<html><p>Hello Ada</p></html>")]
    public void Each_part_and_the_layout_fall_back_from_specific_to_neutral_culture_to_neutral_template(string culture, string subject, string html)
    {
        var rendered = Render(culture);
        Assert.Equal(subject, rendered.Subject);
        Assert.Equal(html, rendered.HtmlBody);
        Assert.Equal(culture, rendered.Culture);
    }

    [Fact]
    public void The_preview_catalog_lists_the_cultures_of_subject_and_body_variants()
    {
        var email = Assert.Single(Previews.EmailCatalog.Read(Welcome.Value.Assembly));
        Assert.Equal(["fr", "fr-CA"], email.Cultures);
    }

    [Fact]
    public void Render_without_a_culture_uses_the_neutral_templates_and_formats_invariantly()
    {
        var email = Activator.CreateInstance(Welcome.Value, "Ada", 1234.5m, new DateTime(2026, 12, 5))!;
        var rendered = (RenderedEmail)Welcome.Value.GetMethod("Render")!.Invoke(email, [null])!;
        Assert.Equal("Welcome Ada", rendered.Subject);
        Assert.Equal("€1,234.50|1,234.50|Saturday, 05 December 2026|12/05/2026|1234.5", rendered.TextBody);
        Assert.Equal("", rendered.Culture);
    }

    /// <summary>The localized builtins follow the email's culture (.NET's ICU data); plain output stays invariant (<c>1234.5</c>), as in Scriban.</summary>
    [Theory]
    [InlineData("fr-FR", "1\u202F234,50 €|1\u202F234,50|samedi 5 décembre 2026|05/12/2026|1234.5")]
    [InlineData("de-DE", "1.234,50 €|1.234,50|Samstag, 5. Dezember 2026|05.12.2026|1234.5")]
    [InlineData("ja-JP", "€1,234.50|1,234.50|2026年12月5日土曜日|2026/12/05|1234.5")]
    // ar-SA: Arabic separators (.NET keeps Latin digits) and the Umm al-Qura calendar: 5 December 2026 is 25 Jumada al-Akhirah 1448.
    [InlineData("ar-SA", "1\u066C234\u066B50 €|1\u066C234\u066B50|السبت، 25 جمادى الآخرة 1448 بعد الهجرة|25\u200F\u200F/6\u200F\u200F/1448 بعد الهجرة|1234.5")]
    public void Localized_builtins_format_money_numbers_and_dates_in_the_email_culture(string culture, string text)
        => Assert.Equal(text, Render(culture).TextBody);

    [Fact]
    public void A_currency_keeps_its_own_digits_and_symbol_in_another_culture()
    {
        Assert.Equal("￥1,235", Rendering.LocalFormatting.FormatCurrency(1234.5m, "JPY", "t", CultureInfo.GetCultureInfo("en-US")));
        Assert.Equal("1\u202F235 ￥", Rendering.LocalFormatting.FormatCurrency(1234.5m, "jpy", "t", CultureInfo.GetCultureInfo("fr-FR")));
    }

    [Fact]
    public void A_bad_currency_code_or_a_value_that_is_not_a_number_fails_naming_it()
    {
        var fr = CultureInfo.GetCultureInfo("fr-FR");
        var bad = Assert.Throws<Rendering.TemplateRuntimeException>(() => Rendering.LocalFormatting.FormatCurrency(1m, "EURO", "Welcome.text.scriban(1,4)", fr));
        Assert.Contains("'EURO'", bad.Message);
        Assert.Contains("Welcome.text.scriban(1,4)", bad.Message);
        Assert.Throws<Rendering.TemplateRuntimeException>(() => Rendering.LocalFormatting.FormatNumber("12", "t", fr));
        Assert.Throws<Rendering.TemplateRuntimeException>(() => Rendering.LocalFormatting.FormatDate(12, "t", fr));
        Assert.Null(Rendering.LocalFormatting.FormatDate(null, "t", fr));
    }

    [Fact]
    public Task A_typo_in_a_variant_is_reported_in_the_variant_file() => Verify(
        [("Mail/Welcome.fr.html.scriban", "<p>Bonjour\n{{ nmae }}</p>")],
        Diagnostic("TM2002", "'nmae' is not a member of 'Welcome'", "Mail/Welcome.fr.html.scriban", 2, 4, 2, 8));

    [Fact]
    public Task TM1007_variant_for_a_culture_dotnet_does_not_know() => Verify(
        [("Mail/Welcome.xx.html.scriban", "<p>?</p>")],
        Diagnostic("TM1007", "'Welcome.xx.html.scriban' is a variant for culture 'xx', which .NET does not know: name the culture as .NET does, such as 'fr' or 'fr-CA'", "Mail/Welcome.xx.html.scriban", 1, 1, 1, 1));

    [Fact]
    public Task TM1008_variant_without_a_neutral_template() => Verify(
        [("Mail/Welcome.fr.text.scriban", "Bonjour"), ("Mail/Branded.de.layout.scriban", "<b>{{ content }}</b>")],
        Diagnostic("TM1008", "'Welcome.fr.text.scriban' is a 'fr' variant of email 'Welcome', which has no neutral 'Welcome.text.scriban' to fall back to for other cultures: add it", "Mail/Welcome.fr.text.scriban", 1, 1, 1, 1));

    [Fact]
    public Task TM1009_two_files_for_the_same_culture_and_part() => Verify(
        [("Mail/Welcome.fr-CA.html.scriban", "<p>A</p>"), ("Other/Welcome.fr-ca.html.scriban", "<p>B</p>")],
        Diagnostic("TM1009", "'Mail/Welcome.fr-CA.html.scriban' and 'Other/Welcome.fr-ca.html.scriban' are both the 'fr-CA' html of 'Welcome': keep one", "Other/Welcome.fr-ca.html.scriban", 1, 1, 1, 1));

    private static RenderedEmail Render(string culture)
    {
        var email = Activator.CreateInstance(Welcome.Value, "Ada", 1234.5m, new DateTime(2026, 12, 5))!;
        return (RenderedEmail)Welcome.Value.GetMethod("Render")!.Invoke(email, [CultureInfo.GetCultureInfo(culture)])!;
    }

    private static DiagnosticResult Diagnostic(string id, string message, string path, int line, int column, int endLine, int endColumn)
        => new DiagnosticResult(id, DiagnosticSeverity.Error).WithSpan(path, line, column, endLine, endColumn).WithMessage(message);

    /// <summary>The email with a subject and HTML body plus <paramref name="files"/>: exactly <paramref name="expected"/> is reported.</summary>
    private static Task Verify((string Path, string Text)[] files, DiagnosticResult expected)
    {
        var test = new GeneratorTest { TestBehaviors = TestBehaviors.SkipGeneratedSourcesCheck };
        test.TestState.Sources.Add(("Welcome.cs", Source));
        foreach (var file in new[] { ("Mail/Welcome.subject.scriban", "Hi"), ("Mail/Welcome.html.scriban", "<p>Hi</p>") }.Concat(files))
        {
            test.TestState.AdditionalFiles.Add(file);
        }

        test.ExpectedDiagnostics.Add(expected);
        return test.RunAsync();
    }
}
