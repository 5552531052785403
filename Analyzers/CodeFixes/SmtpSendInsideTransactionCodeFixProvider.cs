using System.Collections.Generic;
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
using Microsoft.CodeAnalysis.Formatting;
using TypedMail.Analyzers.Internal;

namespace TypedMail.Analyzers.CodeFixes;

/// <summary>
/// TM3001 fix: moves the send to just after the commit (<c>tx.Commit();</c> / <c>await tx.CommitAsync();</c>) or after
/// the <c>using (new TransactionScope())</c> block. Offered only when that is clearly the same code, sent later:
/// the send is a statement of its own; the commit is a later statement of the same block (or the block is the
/// body of the scope's <c>using</c> statement); and no statement it is moved across touches a variable,
/// parameter, field or property the send uses, nor does the send use a local that would go out of scope.
/// The real fix, enqueueing through the outbox, needs an <c>[Email]</c> type and templates, so it is not automated.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SmtpSendInsideTransactionCodeFixProvider)), Shared]
public sealed class SmtpSendInsideTransactionCodeFixProvider : CodeFixProvider
{
    /// <summary>The title of the fix.</summary>
    public const string Title = "Send after the transaction commits";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.SmtpSendInsideTransaction);

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
            if (FindMove(root, model, diagnostic, context.CancellationToken) is not var (send, after))
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(Title, ct => MoveAsync(context.Document, send, after, ct), equivalenceKey: Title),
                diagnostic);
        }
    }

    private static async Task<Document> MoveAsync(Document document, StatementSyntax send, StatementSyntax after, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        editor.RemoveNode(send, SyntaxRemoveOptions.KeepNoTrivia);
        editor.InsertAfter(after, send.WithoutLeadingTrivia().WithLeadingTrivia(send.GetLeadingTrivia().Where(t => !t.IsKind(SyntaxKind.WhitespaceTrivia)))
            .WithAdditionalAnnotations(Formatter.Annotation));
        return editor.GetChangedDocument();
    }

    /// <summary>The send statement and the statement to put it after, when moving it is clearly right.</summary>
    private static (StatementSyntax Send, StatementSyntax After)? FindMove(SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not InvocationExpressionSyntax invocation
            || StatementOf(invocation) is not { Parent: BlockSyntax block } send
            || send.DescendantNodes().Any(n => n is DeclarationExpressionSyntax or SingleVariableDesignationSyntax)
            || diagnostic.AdditionalLocations.Count != 1
            || !diagnostic.Properties.TryGetValue(SmtpSendInsideTransactionAnalyzer.TransactionKindProperty, out var kind))
        {
            return null;
        }

        var begin = diagnostic.AdditionalLocations[0].SourceSpan;
        var index = block.Statements.IndexOf(send);
        StatementSyntax after;
        IEnumerable<StatementSyntax> crossed;
        if (kind == nameof(TransactionKind.Database))
        {
            if (!diagnostic.Properties.TryGetValue(SmtpSendInsideTransactionAnalyzer.HolderProperty, out var holder) || holder is null)
            {
                return null;
            }

            var commit = block.Statements.Skip(index + 1).FirstOrDefault(s => IsCommitOf(s, holder));
            if (commit is null)
            {
                return null;
            }

            after = commit;
            crossed = block.Statements.Skip(index + 1).TakeWhile(s => s != commit).Append(commit);
        }
        else if (block.Parent is UsingStatementSyntax { Parent: BlockSyntax } @using
            && ((SyntaxNode?)@using.Declaration ?? @using.Expression) is { } resource && resource.Span.Contains(begin))
        {
            after = @using;
            crossed = block.Statements.Skip(index + 1);
            if (UsesLocalDeclaredIn(send, @using, model, cancellationToken))
            {
                return null;
            }
        }
        else
        {
            return null;
        }

        return Independent(send, crossed.ToList(), model, cancellationToken) ? (send, after) : null;
    }

    /// <summary>The statement a send is: <c>smtp.Send(m);</c>, <c>await smtp.SendMailAsync(m);</c>, <c>await x.SendAsync(m).ConfigureAwait(false);</c>.</summary>
    private static StatementSyntax? StatementOf(InvocationExpressionSyntax invocation)
    {
        SyntaxNode current = invocation;
        while (true)
        {
            switch (current.Parent)
            {
                case AwaitExpressionSyntax or ParenthesizedExpressionSyntax:
                    current = current.Parent;
                    break;
                case MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait", Parent: InvocationExpressionSyntax configure } access
                    when access.Expression == current:
                    current = configure;
                    break;
                case ExpressionStatementSyntax statement:
                    return statement;
                default:
                    return null;
            }
        }
    }

    /// <summary>Whether a statement is <c>holder.Commit(...)</c> or <c>await holder.CommitAsync(...)</c>.</summary>
    private static bool IsCommitOf(StatementSyntax statement, string holder)
    {
        if (statement is not ExpressionStatementSyntax { Expression: var expression })
        {
            return false;
        }

        if (expression is AwaitExpressionSyntax { Expression: var awaited })
        {
            expression = awaited is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait", Expression: var inner } }
                ? inner
                : awaited;
        }

        return expression is InvocationExpressionSyntax
        {
            Expression: MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax target, Name.Identifier.ValueText: "Commit" or "CommitAsync" },
        } && target.Identifier.ValueText == holder;
    }

    /// <summary>
    /// Whether the statements the send moves across leave alone everything it uses: they write none of it, and
    /// they do not even mention a reference-type variable, field or property it uses (a call on the message could
    /// change what is sent). Reading a value-type one, such as the <c>CancellationToken</c>, is fine.
    /// </summary>
    private static bool Independent(StatementSyntax send, List<StatementSyntax> crossed, SemanticModel model, CancellationToken cancellationToken)
    {
        if (crossed.Count == 0)
        {
            return true;
        }

        var used = SymbolsUsedBy(send, model, cancellationToken);
        var flow = model.AnalyzeDataFlow(crossed[0], crossed[crossed.Count - 1]);
        if (flow is null || !flow.Succeeded || flow.WrittenInside.Any(used.Contains))
        {
            return false;
        }

        foreach (var statement in crossed)
        {
            foreach (var name in statement.DescendantNodesAndSelf().OfType<SimpleNameSyntax>())
            {
                if (model.GetSymbolInfo(name, cancellationToken).Symbol is { } symbol && used.Contains(symbol) && TypeOf(symbol) is not { IsValueType: true })
                {
                    return false;
                }
            }
        }

        return true;

        static ITypeSymbol? TypeOf(ISymbol symbol) => symbol switch
        {
            ILocalSymbol local => local.Type,
            IParameterSymbol parameter => parameter.RefKind == RefKind.None ? parameter.Type : null,
            IFieldSymbol field => field.Type,
            IPropertySymbol property => property.Type,
            _ => null,
        };
    }

    private static HashSet<ISymbol> SymbolsUsedBy(SyntaxNode send, SemanticModel model, CancellationToken cancellationToken)
    {
        var used = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        foreach (var name in send.DescendantNodesAndSelf().OfType<SimpleNameSyntax>())
        {
            if (model.GetSymbolInfo(name, cancellationToken).Symbol is { Kind: SymbolKind.Local or SymbolKind.Parameter or SymbolKind.Field or SymbolKind.Property } symbol)
            {
                used.Add(symbol);
            }
        }

        return used;
    }

    private static bool UsesLocalDeclaredIn(SyntaxNode send, SyntaxNode scope, SemanticModel model, CancellationToken cancellationToken)
    {
        foreach (var name in send.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>())
        {
            if (model.GetSymbolInfo(name, cancellationToken).Symbol is ILocalSymbol local
                && local.DeclaringSyntaxReferences.Any(r => scope.Span.Contains(r.Span)))
            {
                return true;
            }
        }

        return false;
    }
}
