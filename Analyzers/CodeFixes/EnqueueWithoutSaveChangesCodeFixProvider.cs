using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;

namespace TypedMail.Analyzers.CodeFixes;

/// <summary>
/// TM3002 fix: inserts <c>db.SaveChanges();</c> right after the <c>Enqueue</c> statement, or
/// <c>await db.SaveChangesAsync(cancellationToken);</c> in an async method or lambda (with the nearest
/// <c>CancellationToken</c> parameter, when there is one). Offered when the <c>Enqueue</c> is a statement of a block.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(EnqueueWithoutSaveChangesCodeFixProvider)), Shared]
public sealed class EnqueueWithoutSaveChangesCodeFixProvider : CodeFixProvider
{
    /// <summary>The title of the fix.</summary>
    public const string Title = "Save the context after Enqueue";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.EnqueueWithoutSaveChanges);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue(EnqueueWithoutSaveChangesAnalyzer.ContextProperty, out var name) || name is null
                || root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not InvocationExpressionSyntax invocation
                || invocation.FirstAncestorOrSelf<StatementSyntax>() is not { Parent: BlockSyntax } statement
                || statement is not (ExpressionStatementSyntax or LocalDeclarationStatementSyntax))
            {
                continue;
            }

            var save = SaveStatement(statement, name, model, context.CancellationToken);
            context.RegisterCodeFix(
                CodeAction.Create(Title, ct => InsertAsync(context.Document, statement, save, ct), equivalenceKey: Title),
                diagnostic);
        }
    }

    private static async Task<Document> InsertAsync(Document document, StatementSyntax after, StatementSyntax save, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        editor.InsertAfter(after, save
            .WithLeadingTrivia(after.GetLeadingTrivia().Where(t => t.IsKind(SyntaxKind.WhitespaceTrivia)))
            .WithTrailingTrivia(after.GetTrailingTrivia()));
        return editor.GetChangedDocument();
    }

    private static StatementSyntax SaveStatement(StatementSyntax enqueue, string context, SemanticModel model, CancellationToken cancellationToken)
    {
        var target = SyntaxFacts.GetKeywordKind(context) == SyntaxKind.None ? context : "@" + context;
        var function = enqueue.Ancestors().FirstOrDefault(n => n is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or BaseMethodDeclarationSyntax or AccessorDeclarationSyntax);
        var isAsync = function switch
        {
            AnonymousFunctionExpressionSyntax lambda => lambda.AsyncKeyword.IsKind(SyntaxKind.AsyncKeyword),
            LocalFunctionStatementSyntax local => local.Modifiers.Any(SyntaxKind.AsyncKeyword),
            BaseMethodDeclarationSyntax method => method.Modifiers.Any(SyntaxKind.AsyncKeyword),
            _ => false,
        };
        var text = isAsync
            ? $"await {target}.SaveChangesAsync({CancellationTokenIn(enqueue, model, cancellationToken)});"
            : $"{target}.SaveChanges();";
        return SyntaxFactory.ParseStatement(text);
    }

    /// <summary>The nearest <c>CancellationToken</c> parameter of the enclosing functions, or nothing.</summary>
    private static string CancellationTokenIn(SyntaxNode node, SemanticModel model, CancellationToken cancellationToken)
    {
        for (var symbol = model.GetEnclosingSymbol(node.SpanStart, cancellationToken); symbol is IMethodSymbol method; symbol = method.ContainingSymbol)
        {
            foreach (var parameter in method.Parameters)
            {
                if (parameter.Type is { Name: "CancellationToken", ContainingNamespace: { Name: "Threading", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } } })
                {
                    return SyntaxFacts.GetKeywordKind(parameter.Name) == SyntaxKind.None ? parameter.Name : "@" + parameter.Name;
                }
            }
        }

        return "";
    }
}
