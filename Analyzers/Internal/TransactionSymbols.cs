using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace TypedMail.Analyzers.Internal;

/// <summary>How a transaction was begun, which decides what ends it.</summary>
internal enum TransactionKind
{
    /// <summary><c>new TransactionScope(...)</c>: ends when the scope is disposed.</summary>
    Scope,

    /// <summary>EF Core or ADO.NET <c>BeginTransaction[Async]</c>: ends at Commit, Rollback or Dispose.</summary>
    Database,
}

/// <summary>
/// The mail-sending and transaction types of one compilation, resolved once in a compilation start action.
/// Everything is matched by metadata name, so no reference to MailKit is needed, and a user type that happens
/// to be called <c>SmtpClient</c> or <c>Transaction</c> never matches.
/// </summary>
internal sealed class TransactionSymbols
{
    private const int SuppressOption = 2; // System.Transactions.TransactionScopeOption.Suppress

    private readonly INamedTypeSymbol? _netSmtpClient;
    private readonly INamedTypeSymbol? _mailKitTransportInterface;
    private readonly INamedTypeSymbol? _mailKitTransport;
    private readonly INamedTypeSymbol? _mailKitSmtpClient;
    private readonly INamedTypeSymbol? _emailTransport;
    private readonly (INamedTypeSymbol Type, string[] Methods)[] _otherSenders;
    private readonly IMethodSymbol? _emailTransportSendAsync;
    private readonly INamedTypeSymbol? _transactionScope;
    private readonly INamedTypeSymbol? _transactionScopeOption;
    private readonly INamedTypeSymbol? _systemTransaction;
    private readonly INamedTypeSymbol? _databaseFacade;
    private readonly INamedTypeSymbol? _dbContextTransaction;
    private readonly INamedTypeSymbol? _dbTransaction;

    private TransactionSymbols(Compilation compilation)
    {
        _netSmtpClient = compilation.GetBestTypeByMetadataName("System.Net.Mail.SmtpClient");
        _mailKitTransportInterface = compilation.GetBestTypeByMetadataName("MailKit.IMailTransport");
        _mailKitTransport = compilation.GetBestTypeByMetadataName("MailKit.MailTransport");
        _mailKitSmtpClient = compilation.GetBestTypeByMetadataName("MailKit.Net.Smtp.SmtpClient");
        _emailTransport = compilation.GetBestTypeByMetadataName("TypedMail.Transports.IEmailTransport");
        if (_emailTransport is not null)
        {
            foreach (var member in _emailTransport.GetMembers("SendAsync"))
            {
                _emailTransportSendAsync = member as IMethodSymbol;
            }
        }

        _otherSenders = OtherSenders(compilation);
        _transactionScope = compilation.GetBestTypeByMetadataName("System.Transactions.TransactionScope");
        _transactionScopeOption = compilation.GetBestTypeByMetadataName("System.Transactions.TransactionScopeOption");
        _systemTransaction = compilation.GetBestTypeByMetadataName("System.Transactions.Transaction");
        _databaseFacade = compilation.GetBestTypeByMetadataName("Microsoft.EntityFrameworkCore.Infrastructure.DatabaseFacade");
        _dbContextTransaction = compilation.GetBestTypeByMetadataName("Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction");
        _dbTransaction = compilation.GetBestTypeByMetadataName("System.Data.IDbTransaction");
    }

    /// <summary>The symbols of a compilation, or <see langword="null"/> when it has no send or no transaction type to look for.</summary>
    public static TransactionSymbols? Create(Compilation compilation)
    {
        var symbols = new TransactionSymbols(compilation);
        var canSend = symbols._netSmtpClient is not null || symbols._mailKitTransportInterface is not null
            || symbols._mailKitTransport is not null || symbols._mailKitSmtpClient is not null || symbols._emailTransportSendAsync is not null
            || symbols._otherSenders.Length > 0;
        var canBegin = symbols._transactionScope is not null || symbols._dbContextTransaction is not null || symbols._dbTransaction is not null;
        return canSend && canBegin ? symbols : null;
    }

    /// <summary>
    /// Whether a call sends mail: <c>System.Net.Mail.SmtpClient</c> Send/SendAsync/SendMailAsync, MailKit's
    /// <c>IMailTransport</c>/<c>MailTransport</c>/<c>SmtpClient</c> Send/SendAsync (and their subclasses), or
    /// <c>TypedMail.Transports.IEmailTransport.SendAsync</c> and its implementations; and the well-known mail APIs of
    /// <see cref="OtherSenders"/>.
    /// </summary>
    public bool IsSend(IMethodSymbol method)
    {
        var type = method.ContainingType;
        switch (method.Name)
        {
            case "Send" or "SendAsync" or "SendMailAsync" when SymbolEqualityComparer.Default.Equals(type, _netSmtpClient):
                return true;
            case "Send" or "SendAsync" when type.IsOrInheritsFrom(_mailKitTransportInterface)
                || type.IsOrInheritsFrom(_mailKitTransport) || type.IsOrInheritsFrom(_mailKitSmtpClient):
                return true;
            case "SendAsync" when _emailTransportSendAsync is not null && type.IsOrInheritsFrom(_emailTransport):
                return SymbolEqualityComparer.Default.Equals(method.OriginalDefinition, _emailTransportSendAsync)
                    || SymbolEqualityComparer.Default.Equals(
                        type.FindImplementationForInterfaceMember(_emailTransportSendAsync)?.OriginalDefinition, method.OriginalDefinition);
            default:
                foreach (var (sender, methods) in _otherSenders)
                {
                    if (System.Array.IndexOf(methods, method.Name) >= 0 && ImplementsInterfaceMethod(type, method, sender))
                    {
                        return true;
                    }
                }

                return false;
        }
    }

    /// <summary>Whether <paramref name="method"/> is a method of <paramref name="sender"/> (an interface) or implements one.</summary>
    private static bool ImplementsInterfaceMethod(INamedTypeSymbol type, IMethodSymbol method, INamedTypeSymbol sender)
    {
        var candidates = SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, sender)
            ? new[] { type }
            : type.AllInterfaces.Where(i => SymbolEqualityComparer.Default.Equals(i.OriginalDefinition, sender)).ToArray();
        foreach (var implemented in candidates)
        {
            foreach (var member in implemented.GetMembers(method.Name))
            {
                if (SymbolEqualityComparer.Default.Equals(member.OriginalDefinition, method.OriginalDefinition)
                    || SymbolEqualityComparer.Default.Equals(type.FindImplementationForInterfaceMember(member)?.OriginalDefinition, method.OriginalDefinition))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// Well-known mail APIs that applications put in front of SMTP, matched like the others by metadata name:
    /// ASP.NET Core Identity's <c>IEmailSender</c> (and <c>IEmailSender&lt;TUser&gt;</c>), FluentEmail's
    /// <c>IFluentEmail</c>, and SendGrid's <c>ISendGridClient</c>, with their implementations.
    /// </summary>
    private static (INamedTypeSymbol Type, string[] Methods)[] OtherSenders(Compilation compilation)
    {
        var known = new (string Type, string[] Methods)[]
        {
            ("Microsoft.AspNetCore.Identity.UI.Services.IEmailSender", ["SendEmailAsync"]),
            ("Microsoft.AspNetCore.Identity.IEmailSender`1", ["SendConfirmationLinkAsync", "SendPasswordResetLinkAsync", "SendPasswordResetCodeAsync"]),
            ("FluentEmail.Core.IFluentEmail", ["Send", "SendAsync"]),
            ("SendGrid.ISendGridClient", ["SendEmailAsync"]),
        };
        var found = new System.Collections.Generic.List<(INamedTypeSymbol, string[])>();
        foreach (var (name, methods) in known)
        {
            if (compilation.GetBestTypeByMetadataName(name) is { } type)
            {
                found.Add((type, methods));
            }
        }

        return found.ToArray();
    }

    /// <summary>
    /// Whether <c>new TransactionScope(...)</c> starts (or joins) a transaction. A scope with
    /// <c>TransactionScopeOption.Suppress</c> does not, and neither does one whose option is not a constant:
    /// it may be Suppress, and a warning that may be wrong is worse than none.
    /// </summary>
    public bool IsScopeBegin(IObjectCreationOperation creation)
    {
        if (_transactionScope is null || !creation.Type.IsOrInheritsFrom(_transactionScope))
        {
            return false;
        }

        foreach (var argument in creation.Arguments)
        {
            if (SymbolEqualityComparer.Default.Equals(argument.Parameter?.Type, _transactionScopeOption))
            {
                var value = argument.Value.ConstantValue;
                return value.HasValue && value.Value is int option && option != SuppressOption;
            }
        }

        return true;
    }

    /// <summary>
    /// Whether a call begins a database transaction: a method named <c>Begin…Transaction…</c> that returns (a task
    /// of) an EF Core <c>IDbContextTransaction</c> or an ADO.NET <c>IDbTransaction</c>. That covers
    /// <c>Database.BeginTransaction[Async]</c>, <c>DbConnection.BeginTransaction[Async]</c> and the providers'
    /// overloads, and unit-of-work wrappers that hand out the same transaction types.
    /// </summary>
    public bool IsDatabaseBegin(IInvocationOperation invocation)
    {
        var name = invocation.TargetMethod.Name;
        return name.StartsWithWord("Begin")
            && name.Contains("Transaction")
            && IsDatabaseTransaction(invocation.TargetMethod.ReturnType.UnwrapTask());
    }

    /// <summary>
    /// Whether a call hands out a new <c>TransactionScope</c>: a helper such as <c>TransactionUtils.CreateScope()</c>
    /// that returns one (not one whose name says it suppresses the ambient transaction).
    /// </summary>
    public bool IsScopeFactory(IInvocationOperation invocation)
        => IsTransactionScope(invocation.TargetMethod.ReturnType)
            && invocation.TargetMethod.Name.IndexOf("Suppress", System.StringComparison.OrdinalIgnoreCase) < 0;

    /// <summary>Whether a value is an EF Core or ADO.NET transaction.</summary>
    public bool IsDatabaseTransaction(ITypeSymbol? type)
        => type.IsOrInheritsFrom(_dbContextTransaction) || type.IsOrInheritsFrom(_dbTransaction);

    /// <summary>Whether a value is a <c>TransactionScope</c>.</summary>
    public bool IsTransactionScope(ITypeSymbol? type) => type.IsOrInheritsFrom(_transactionScope);

    /// <summary>Whether a value is a <c>System.Transactions.Transaction</c> (the ambient transaction of a scope).</summary>
    public bool IsSystemTransaction(ITypeSymbol? type) => type.IsOrInheritsFrom(_systemTransaction);

    /// <summary>Whether a value is EF Core's <c>DatabaseFacade</c> (<c>db.Database</c>).</summary>
    public bool IsDatabaseFacade(ITypeSymbol? type) => type.IsOrInheritsFrom(_databaseFacade);
}
