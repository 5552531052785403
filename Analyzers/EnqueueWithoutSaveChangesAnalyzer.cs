using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using TypedMail.Analyzers.Internal;

namespace TypedMail.Analyzers;

/// <summary>
/// TM3002: an email is enqueued on a context that the method creates, and no path saves that context afterwards.
/// <c>Enqueue</c> only adds rows to the change tracker, so the email is silently dropped with the context. See
/// <see cref="UnsavedEnqueueAnalysis"/> for what counts as a save and which contexts are left alone.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class EnqueueWithoutSaveChangesAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Diagnostic property: the name of the context local.</summary>
    internal const string ContextProperty = "Context";

    private static readonly DiagnosticDescriptor Rule = new(
        DiagnosticIds.EnqueueWithoutSaveChanges,
        title: "Enqueued email is never saved",
        messageFormat: "The email enqueued here is never saved: '{0}' is created in this method and no SaveChanges on it follows, so the email is dropped with the context. Call '{0}.SaveChanges()' or '{0}.SaveChangesAsync()' after Enqueue.",
        category: "Reliability",
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "Enqueue adds the email to the context's change tracker; it is written by the context's next SaveChanges, "
            + "in the same transaction as the rest of the work. A context that is created in a method, used to enqueue, and "
            + "then dropped without SaveChanges loses the email without any error.",
        helpLinkUri: DiagnosticIds.HelpLink(DiagnosticIds.EnqueueWithoutSaveChanges));

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Rule);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var symbols = OutboxSymbols.Create(start.Compilation);
            if (symbols is null)
            {
                return;
            }

            start.RegisterOperationBlockAction(block => AnalyzeBlocks(block, symbols));
        });
    }

    private static void AnalyzeBlocks(OperationBlockAnalysisContext context, OutboxSymbols symbols)
    {
        foreach (var block in context.OperationBlocks)
        {
            if (!block.Kind.HasFlowGraph() || !Enqueues(block, symbols))
            {
                continue;
            }

            var graph = context.GetControlFlowGraph(block);
            foreach (var unsaved in UnsavedEnqueueAnalysis.Run(graph, symbols, context.CancellationToken))
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    Rule,
                    unsaved.Enqueue.Syntax.GetLocation(),
                    ImmutableDictionary<string, string?>.Empty.Add(ContextProperty, unsaved.Context.Name),
                    unsaved.Context.Name));
            }
        }
    }

    private static bool Enqueues(IOperation block, OutboxSymbols symbols)
    {
        foreach (var operation in block.Descendants())
        {
            if (operation is IInvocationOperation invocation && symbols.IsEnqueue(invocation.TargetMethod))
            {
                return true;
            }
        }

        return false;
    }
}
