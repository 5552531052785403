using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using TypedMail.Analyzers;
using TypedMail.Generator.Tests.Analyzers.Infrastructure;

namespace TypedMail.Generator.Tests.Analyzers;

/// <summary>
/// Analyzer severities follow .editorconfig (<c>dotnet_diagnostic.TM3001.severity</c>) and compiler options. Run with
/// <see cref="DirectAnalysis"/>: the Roslyn testing framework's workspace does not raise a severity to <c>error</c>
/// from an .editorconfig.
/// </summary>
public sealed class SeverityConfigurationTests
{
    private static readonly string Directory = Path.Combine(Path.GetPathRoot(Path.GetTempPath())!, "typedmail", "src");

    private const string Code = """
        using System.Net.Mail;
        using Shop;
        using TypedMail;

        class C
        {
            void Place(ShopDb db, SmtpClient smtp, MailMessage mail)
            {
                using var tx = db.Database.BeginTransaction();
                smtp.Send(mail);
                tx.Commit();
            }

            void SignUp()
            {
                using var other = new ShopDb();
                other.Emails().Enqueue(new WelcomeEmail("a"), "a@example.com");
            }
        }
        """;

    [Theory]
    [InlineData("", "TM3001:Warning TM3002:Warning")]
    [InlineData("dotnet_diagnostic.TM3001.severity = error", "TM3001:Error TM3002:Warning")]
    [InlineData("dotnet_diagnostic.TM3002.severity = suggestion", "TM3001:Warning TM3002:Info")]
    [InlineData("dotnet_diagnostic.TM3001.severity = none\ndotnet_diagnostic.TM3002.severity = none", "")]
    [InlineData("dotnet_analyzer_diagnostic.category-Reliability.severity = error", "TM3001:Error TM3002:Error")]
    public async Task Editorconfig_sets_the_severity(string settings, string expected)
    {
        var editorconfig = new EditorConfig(AnalyzerConfig.Parse("root = true\n\n[*.cs]\n" + settings + "\n", Path.Combine(Directory, ".editorconfig")));
        Assert.Equal(expected, await Reported(editorconfig.Apply(DirectAnalysis.Compilation(Code, Directory)), editorconfig.AnalyzerOptions));
    }

    [Fact]
    public async Task Editorconfig_for_other_files_does_not_apply()
    {
        var editorconfig = new EditorConfig(AnalyzerConfig.Parse("root = true\n\n[Other.cs]\ndotnet_diagnostic.TM3001.severity = none\n", Path.Combine(Directory, ".editorconfig")));
        Assert.Equal("TM3001:Warning TM3002:Warning", await Reported(editorconfig.Apply(DirectAnalysis.Compilation(Code, Directory)), editorconfig.AnalyzerOptions));
    }

    [Fact]
    public async Task Compiler_options_set_the_severity_too()
    {
        var compilation = DirectAnalysis.Compilation(Code, Directory);
        compilation = compilation.WithOptions(compilation.Options
            .WithSpecificDiagnosticOptions([new("TM3001", ReportDiagnostic.Suppress), new("TM3002", ReportDiagnostic.Error)]));
        Assert.Equal("TM3002:Error", await Reported(compilation));
    }

    private static async Task<string> Reported(Compilation compilation, AnalyzerOptions? options = null)
    {
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        var diagnostics = await DirectAnalysis.AnalyzeAsync(compilation, [new SmtpSendInsideTransactionAnalyzer(), new EnqueueWithoutSaveChangesAnalyzer()], options);
        return string.Join(" ", diagnostics.Select(d => d.Id + ":" + d.Severity).Order());
    }
}
