using System;
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
/// TM3001: mail is sent (System.Net.Mail, MailKit, a TypedMail transport, or a well-known mail API) while a
/// database transaction or <c>TransactionScope</c> may be open. The mail goes out even if the transaction rolls
/// back, and again each time the work is retried. Found with a flow analysis over the method's control flow graph;
/// see <see cref="TransactionFlowAnalysis"/> for what opens and ends a transaction.
/// TM3003: the same, one call away: a method of the project that sends when it runs is called inside a
/// transaction. Reported at the end of the compilation (see <see cref="SendingCalls"/>).
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

    private static readonly DiagnosticDescriptor CallRule = new(
        DiagnosticIds.SendingCallInsideTransaction,
        title: "A method that sends mail is called inside a database transaction",
        messageFormat: "'{0}' sends mail (it calls '{1}') and runs here inside the transaction begun by '{2}' on line {3}: the mail goes out even if the transaction rolls back, and again each time the work is retried. Enqueue the mail through the TypedMail outbox instead (db.Emails().Enqueue(...)), or call this after the commit.",
        category: "Reliability",
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "The same problem as TM3001, one call away: a method of this project (an email service, a notifier) sends mail "
            + "directly, and it is called while a transaction is open. Found at the end of the compilation, so it shows in builds "
            + "and in full-solution analysis.",
        helpLinkUri: DiagnosticIds.HelpLink(DiagnosticIds.SendingCallInsideTransaction),
        customTags: WellKnownDiagnosticTags.CompilationEnd);

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Rule, CallRule);

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

            var calls = new SendingCalls();
            var assembly = start.Compilation.Assembly;
            bool IsOwnMethod(IMethodSymbol method) => SymbolEqualityComparer.Default.Equals(method.ContainingAssembly, assembly);
            start.RegisterOperationBlockAction(block => AnalyzeBlocks(block, symbols, IsOwnMethod, calls));
            start.RegisterSymbolAction(type => calls.AddImplementations((INamedTypeSymbol)type.Symbol), SymbolKind.NamedType);
            start.RegisterCompilationEndAction(end => ReportSendingCalls(end, calls));
        });
    }

    private static void AnalyzeBlocks(OperationBlockAnalysisContext context, TransactionSymbols symbols, Func<IMethodSymbol, bool> isOwnMethod, SendingCalls calls)
    {
        foreach (var block in context.OperationBlocks)
        {
            if (!block.Kind.HasFlowGraph() || !MayMatter(block, symbols, isOwnMethod))
            {
                continue;
            }

            var graph = context.GetControlFlowGraph(block);
            var result = TransactionFlowAnalysis.Run(graph, symbols, isOwnMethod, context.CancellationToken);
            if (result.SendWhenCalled is { } send && context.OwningSymbol is IMethodSymbol owner)
            {
                calls.AddSender(owner, send.Method, send.Site.Syntax.GetLocation());
            }

            foreach (var call in result.Calls)
            {
                calls.AddCall(call.Method, call.Site.Syntax.GetLocation(), BeginName(call.Transaction), call.Transaction.Begin.Syntax.GetLocation());
            }

            var reported = new HashSet<TextSpan>();
            foreach (var finding in result.Sends)
            {
                var found = finding.Site;
                if (!reported.Add(found.Syntax.Span))
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
                    found.Syntax.GetLocation(),
                    additionalLocations: [beginLocation],
                    properties: properties.ToImmutable(),
                    finding.Method.ContainingType.Name + "." + finding.Method.Name,
                    BeginName(site),
                    Line(beginLocation)));
            }
        }
    }

    private static void ReportSendingCalls(CompilationAnalysisContext context, SendingCalls calls)
    {
        foreach (var (call, begin, beginLocation, callee, send, sendLocation) in calls.Found())
        {
            context.ReportDiagnostic(Diagnostic.Create(
                CallRule,
                call,
                additionalLocations: [beginLocation, sendLocation],
                callee.ContainingType.Name + "." + callee.Name,
                send,
                begin,
                Line(beginLocation)));
        }
    }

    private static string BeginName(TransactionSite site) => site.Begin is IInvocationOperation begin ? begin.TargetMethod.Name : "new TransactionScope";

    private static string Line(Location location) => (location.GetLineSpan().StartLinePosition.Line + 1).ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// A cheap pass before building the graph: the block sends (it may be inside its own transaction, or be a
    /// wrapper that others call in theirs), or it begins a transaction and calls a method (or passes a method group)
    /// that one of the compilation's methods may be behind.
    /// </summary>
    private static bool MayMatter(IOperation block, TransactionSymbols symbols, Func<IMethodSymbol, bool> isOwnMethod)
    {
        bool begins = false, calls = false;
        foreach (var operation in block.Descendants())
        {
            switch (operation)
            {
                case IInvocationOperation invocation when symbols.IsSend(invocation.TargetMethod):
                case IMethodReferenceOperation reference when symbols.IsSend(reference.Method):
                    return true;
                case IInvocationOperation invocation:
                    begins |= symbols.IsDatabaseBegin(invocation) || symbols.IsScopeFactory(invocation);
                    calls |= MayReachOwnMethod(invocation.TargetMethod, isOwnMethod);
                    break;
                case IMethodReferenceOperation reference:
                    calls |= MayReachOwnMethod(reference.Method, isOwnMethod);
                    break;
                case IObjectCreationOperation creation:
                    begins |= symbols.IsScopeBegin(creation);
                    break;
            }
        }

        return begins && calls;

        static bool MayReachOwnMethod(IMethodSymbol method, Func<IMethodSymbol, bool> isOwnMethod)
            => method.MethodKind == MethodKind.Ordinary && (isOwnMethod(method) || method.IsAbstract || method.IsVirtual || method.IsOverride);
    }
}
