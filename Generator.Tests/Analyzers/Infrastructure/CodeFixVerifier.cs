using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using TypedMail.Generator.Tests.Infrastructure;

namespace TypedMail.Generator.Tests.Analyzers.Infrastructure;

/// <summary>Applies a code fix in an <see cref="AdhocWorkspace"/>, as the IDE does, and returns the fixed source.</summary>
public static class CodeFixVerifier
{
    /// <summary>
    /// Runs the analyzer over <paramref name="markup"/> (which must report exactly at its marked spans), asks the
    /// fix for actions on the diagnostic at the first span, applies the one action, and returns the new test file;
    /// <see langword="null"/> when the fix offers nothing.
    /// </summary>
    public static async Task<string?> ApplyAsync(DiagnosticAnalyzer analyzer, CodeFixProvider fix, string markup)
    {
        var (code, spans) = Markup.Parse(markup);
        using var workspace = new AdhocWorkspace();
        var project = workspace.CurrentSolution
            .AddProject("AnalyzerTests", "AnalyzerTests", LanguageNames.CSharp)
            .WithCompilationOptions(AnalyzerVerifier.Compilation("").Options)
            .WithParseOptions(AnalyzerVerifier.ParseOptions)
            .AddMetadataReferences(TestReferences.All);
        var document = project.AddDocument("Test.cs", SourceText.From(code));
        project = document.Project
            .AddDocument("MailKit.cs", SourceText.From(AnalyzerSources.MailKit)).Project
            .AddDocument("OtherMailApis.cs", SourceText.From(AnalyzerSources.OtherMailApis)).Project
            .AddDocument("App.cs", SourceText.From(AnalyzerSources.App)).Project;
        document = project.GetDocument(document.Id)!;

        var compilation = (await project.GetCompilationAsync())!;
        var diagnostics = await AnalyzerVerifier.AnalyzeAsync(compilation, analyzer);
        Assert.Equal(spans, diagnostics.Select(d => d.Location.SourceSpan));
        var diagnostic = diagnostics.First();
        Assert.Contains(diagnostic.Id, fix.FixableDiagnosticIds);

        var actions = new List<CodeAction>();
        await fix.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None));
        if (actions.Count == 0)
        {
            return null;
        }

        var operations = await Assert.Single(actions).GetOperationsAsync(CancellationToken.None);
        var changed = Assert.Single(operations.OfType<ApplyChangesOperation>()).ChangedSolution;
        var fixedText = (await changed.GetDocument(document.Id)!.GetTextAsync()).ToString();

        // The fixed code still compiles.
        var fixedCompilation = (await changed.GetProject(project.Id)!.GetCompilationAsync())!;
        Assert.Empty(fixedCompilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        return fixedText;
    }
}
