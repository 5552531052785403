using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using TypedMail.Outbox;

namespace TypedMail.Dispatch;

/// <summary>
/// Claims due messages for one dispatcher, atomically, so no two dispatchers hold the same message at once, and books
/// send time on throttled transports, atomically, so every dispatcher on the database shares one rate.
/// One small class per database provider holds the SQL.
/// </summary>
public interface IOutboxClaimer
{
    /// <summary>
    /// Marks up to <paramref name="max"/> messages that are due (queued or deferred, <c>due_at</c> reached) or whose lease
    /// expired as <see cref="OutboxMessageState.Sending"/> under <paramref name="owner"/> and <paramref name="leaseToken"/>,
    /// highest priority first, then oldest due, and returns their keys. Claiming a message whose lease expired counts
    /// the lapsed send as an attempt (<c>attempt_count + 1</c>), so a message that stops its dispatcher every time is
    /// bounded by <see cref="DispatcherOptions.MaxAttempts"/> like any other failure.
    /// </summary>
    /// <param name="context">A context whose model includes the outbox.</param>
    /// <param name="owner">The claiming dispatcher's id.</param>
    /// <param name="leaseToken">A new token for this claim; results are recorded only while it is still the message's token.</param>
    /// <param name="max">The most messages to claim.</param>
    /// <param name="now">The current time (UTC).</param>
    /// <param name="leaseUntil">When the claim lapses (UTC).</param>
    /// <param name="cancellationToken">Cancels the claim.</param>
    /// <exception cref="System.Data.Common.DbException">The database failed the statement.</exception>
    Task<IReadOnlyList<Guid>> ClaimAsync(DbContext context, string owner, Guid leaseToken, int max, DateTime now, DateTime leaseUntil, CancellationToken cancellationToken);

    /// <summary>
    /// Books <paramref name="duration"/> of <paramref name="transport"/>'s send schedule (<see cref="OutboxThrottle"/>):
    /// the slot starts at the schedule's next free time, or at <paramref name="now"/> if that is later, and the schedule
    /// moves to the slot's end. One statement, so concurrent dispatchers always get slots that do not overlap.
    /// </summary>
    /// <param name="context">A context whose model includes the outbox.</param>
    /// <param name="transport">The transport's name.</param>
    /// <param name="now">The current time (UTC).</param>
    /// <param name="duration">How long the slot lasts: the messages to send divided by the transport's rate.</param>
    /// <param name="cancellationToken">Cancels the booking.</param>
    /// <returns>When the slot starts (UTC); the caller waits until then before sending.</returns>
    /// <exception cref="System.Data.Common.DbException">The database failed the statement.</exception>
    Task<DateTime> ReserveSendSlotAsync(DbContext context, string transport, DateTime now, TimeSpan duration, CancellationToken cancellationToken);
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
            DatabaseProviders.Sqlite => SqliteOutboxClaimer.Instance,
            DatabaseProviders.PostgreSql => PostgreSqlOutboxClaimer.Instance,
            var name => throw DatabaseProviders.Unsupported(name),
        };
    }
}
