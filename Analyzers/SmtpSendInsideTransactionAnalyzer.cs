using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;
using TypedMail.Analyzers.Internal;

namespace TypedMail.Analyzers;

/// <summary>
/// TM3001: mail is sent (System.Net.Mail, MailKit or a TypedMail transport) while a database transaction or
/// <c>TransactionScope</c> may be open. The mail goes out even if the transaction rolls back, and again each time
/// the work is retried. Found with a flow analysis over the method's control flow graph; see
/// <see cref="TransactionFlowAnalysis"/> for what opens and ends a transaction.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SmtpSendInsideTransactionAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Diagnostic property: <c>Scope</c> or <c>Database</c>.</summary>
    internal const string TransactionKindProperty = "TransactionKind";

    /// <summary>Diagnostic property: the local that holds the transaction, when a local does.</summary>
    internal const string HolderProperty = "Holder";

    private static readonly DiagnosticDescriptor Rule = new(
        DiagnosticIds.SmtpSendInsideTransaction,
        title: "Mail is sent inside a database transaction",
        messageFormat: "'{0}' sends mail inside the transaction begun by '{1}' on line {2}: the mail goes out even if the transaction rolls back, and again each time the work is retried. Enqueue it through the TypedMail outbox instead (db.Emails().Enqueue(...)), which sends it only once the transaction has committed.",
        category: "Reliability",
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "An SMTP server cannot take part in a database transaction. A mail sent before the transaction commits is "
            + "delivered even when the transaction rolls back, and sent again when the work is retried (an execution strategy, "
            + "a message handler, a user pressing the button twice). Enqueue the mail in the same transaction through the "
            + "TypedMail outbox, or send it after the transaction has committed.",
        helpLinkUri: DiagnosticIds.HelpLink(DiagnosticIds.SmtpSendInsideTransaction));

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Rule);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var symbols = TransactionSymbols.Create(start.Compilation);
            if (symbols is null)
            {
                return;
            }

            start.RegisterOperationBlockAction(block => AnalyzeBlocks(block, symbols));
        });
    }

    private static void AnalyzeBlocks(OperationBlockAnalysisContext context, TransactionSymbols symbols)
    {
        foreach (var block in context.OperationBlocks)
        {
            if (!block.Kind.HasFlowGraph() || !MaySendInsideTransaction(block, symbols))
            {
                continue;
            }

            var graph = context.GetControlFlowGraph(block);
            var reported = new HashSet<TextSpan>();
            foreach (var finding in TransactionFlowAnalysis.Run(graph, symbols, context.CancellationToken))
            {
                var send = finding.Send;
                if (!reported.Add(send.Syntax.Span))
                {
                    continue;
                }

                var site = finding.Transaction;
                var properties = ImmutableDictionary.CreateBuilder<string, string?>();
                properties.Add(TransactionKindProperty, site.Kind.ToString());
                if (site.Holder?.Local is { } local)
                {
                    properties.Add(HolderProperty, local.Name);
                }

                var beginLocation = site.Begin.Syntax.GetLocation();
                context.ReportDiagnostic(Diagnostic.Create(
                    Rule,
                    send.Syntax.GetLocation(),
                    additionalLocations: [beginLocation],
                    properties: properties.ToImmutable(),
                    send.TargetMethod.ContainingType.Name + "." + send.TargetMethod.Name,
                    site.Begin is IInvocationOperation begin ? begin.TargetMethod.Name : "new TransactionScope",
                    (beginLocation.GetLineSpan().StartLinePosition.Line + 1).ToString(CultureInfo.InvariantCulture)));
            }
        }
    }

    /// <summary>A cheap pass before building the graph: the block must both send and begin a transaction.</summary>
    private static bool MaySendInsideTransaction(IOperation block, TransactionSymbols symbols)
    {
        bool sends = false, begins = false;
        foreach (var operation in block.Descendants())
        {
            switch (operation)
            {
                case IInvocationOperation invocation:
                    sends |= symbols.IsSend(invocation.TargetMethod);
                    begins |= symbols.IsDatabaseBegin(invocation) || symbols.IsScopeFactory(invocation);
                    break;
                case IObjectCreationOperation creation:
                    begins |= symbols.IsScopeBegin(creation);
                    break;
            }

            if (sends && begins)
            {
                return true;
            }
        }

        return false;
    }
}
