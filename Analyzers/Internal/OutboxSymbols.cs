using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace TypedMail.Analyzers.Internal;

/// <summary>The TypedMail outbox and EF Core types of one compilation, resolved once in a compilation start action.</summary>
internal sealed class OutboxSymbols
{
    private readonly INamedTypeSymbol _emailOutbox;
    private readonly INamedTypeSymbol _emailsExtensions;
    private readonly INamedTypeSymbol _dbContext;

    private OutboxSymbols(INamedTypeSymbol emailOutbox, INamedTypeSymbol emailsExtensions, INamedTypeSymbol dbContext)
    {
        _emailOutbox = emailOutbox;
        _emailsExtensions = emailsExtensions;
        _dbContext = dbContext;
    }

    /// <summary>The symbols, or <see langword="null"/> when the compilation does not use TypedMail and EF Core.</summary>
    public static OutboxSymbols? Create(Compilation compilation)
    {
        var emailOutbox = compilation.GetBestTypeByMetadataName("TypedMail.EmailOutbox");
        var emailsExtensions = compilation.GetBestTypeByMetadataName("TypedMail.DbContextEmailExtensions");
        var dbContext = compilation.GetBestTypeByMetadataName("Microsoft.EntityFrameworkCore.DbContext");
        return emailOutbox is null || emailsExtensions is null || dbContext is null
            ? null
            : new OutboxSymbols(emailOutbox, emailsExtensions, dbContext);
    }

    /// <summary>
    /// Whether a call adds an email to an outbox: a generated <c>Enqueue</c> extension method on
    /// <c>EmailOutbox</c>, or <c>EmailOutbox.EnqueueRendered</c>.
    /// </summary>
    public bool IsEnqueue(IMethodSymbol method)
        => method.Name switch
        {
            "Enqueue" => method.IsExtensionMethod && method.Parameters.Length > 0
                && SymbolEqualityComparer.Default.Equals(method.Parameters[0].Type, _emailOutbox),
            "EnqueueRendered" => SymbolEqualityComparer.Default.Equals(method.ContainingType, _emailOutbox),
            _ => false,
        };

    /// <summary>Whether a call is <c>db.Emails()</c>.</summary>
    public bool IsEmails(IMethodSymbol method)
        => method.Name == "Emails" && SymbolEqualityComparer.Default.Equals(method.ContainingType, _emailsExtensions);

    /// <summary>Whether a type is an EF Core context.</summary>
    public bool IsDbContext(ITypeSymbol? type) => type.IsOrInheritsFrom(_dbContext);

    /// <summary>Whether a type is <c>EmailOutbox</c>.</summary>
    public bool IsEmailOutbox(ITypeSymbol? type) => SymbolEqualityComparer.Default.Equals(type, _emailOutbox);

    /// <summary>
    /// Whether a value is a context made right here: <c>new AppDb(...)</c>,
    /// <c>factory.CreateDbContext()</c> / <c>await factory.CreateDbContextAsync()</c>, or
    /// <c>scope.ServiceProvider.GetRequiredService&lt;AppDb&gt;()</c> from a DI scope the method creates
    /// (<c>using var scope = scopeFactory.CreateScope();</c>), as background services do.
    /// </summary>
    public bool IsContextCreation(IOperation value)
        => value.WalkDownAwait() switch
        {
            IObjectCreationOperation creation => IsDbContext(creation.Type),
            IInvocationOperation { TargetMethod.Name: "CreateDbContext" or "CreateDbContextAsync" } invocation
                => IsDbContext(invocation.TargetMethod.ReturnType.UnwrapTask()),
            IInvocationOperation { TargetMethod.Name: "GetRequiredService" or "GetService" } resolve
                => IsDbContext(resolve.TargetMethod.ReturnType)
                    && resolve.Receiver() is IPropertyReferenceOperation { Property.Name: "ServiceProvider", Instance: ILocalReferenceOperation scope }
                    && IsScopeCreatedHere(scope),
            _ => false,
        };

    /// <summary>Whether a local is declared with <c>CreateScope()</c> or <c>CreateAsyncScope()</c>.</summary>
    private static bool IsScopeCreatedHere(ILocalReferenceOperation scope)
    {
        foreach (var reference in scope.Local.DeclaringSyntaxReferences)
        {
            if (reference.SyntaxTree == scope.Syntax.SyntaxTree
                && scope.SemanticModel?.GetOperation(reference.GetSyntax()) is IVariableDeclaratorOperation declarator
                && (declarator.Initializer ?? (declarator.Parent as IVariableDeclarationOperation)?.Initializer)?.Value.WalkDownAwait()
                    is IInvocationOperation { TargetMethod.Name: "CreateScope" or "CreateAsyncScope" })
            {
                return true;
            }
        }

        return false;
    }
}
