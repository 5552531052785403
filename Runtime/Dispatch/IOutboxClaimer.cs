using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;

namespace TypedMail.Dispatch;

/// <summary>
/// Claims due messages for one dispatcher, atomically, so no two dispatchers hold the same message.
/// One small class per database provider holds the SQL.
/// </summary>
public interface IOutboxClaimer
{
    /// <summary>Marks up to <paramref name="max"/> due or lease-expired messages as sending under <paramref name="owner"/> and returns their keys.</summary>
    /// <param name="context">A context whose model includes the outbox.</param>
    /// <param name="owner">The claiming dispatcher's id.</param>
    /// <param name="max">The most messages to claim.</param>
    /// <param name="now">The current time (UTC).</param>
    /// <param name="leaseUntil">When the claim lapses (UTC).</param>
    /// <param name="cancellationToken">Cancels the claim.</param>
    Task<IReadOnlyList<Guid>> ClaimAsync(DbContext context, string owner, int max, DateTime now, DateTime leaseUntil, CancellationToken cancellationToken);
}

/// <summary>Picks the claimer for a context's database provider.</summary>
public static class OutboxClaimers
{
    /// <summary>The claimer for <paramref name="context"/>'s provider.</summary>
    /// <param name="context">The context.</param>
    /// <exception cref="NotSupportedException">The provider has no claimer.</exception>
    public static IOutboxClaimer For(DbContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Database.ProviderName switch
        {
            "Microsoft.EntityFrameworkCore.Sqlite" => new SqliteOutboxClaimer(),
            var name => throw new NotSupportedException(
                $"TypedMail has no outbox claimer for the database provider '{name}'. Supported: Microsoft.EntityFrameworkCore.Sqlite."),
        };
    }
}
