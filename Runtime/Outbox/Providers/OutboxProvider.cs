using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;

namespace TypedMail.Outbox.Providers;

/// <summary>
/// The database-provider layer: every statement of the outbox that is written in a provider's own SQL, one subclass
/// per provider, chosen by EF Core's provider name (no provider assembly is referenced). Claims (no two dispatchers hold
/// one message at once), outcomes written set-based under the claim's lease token, the shared send schedule of throttled transports, key locks for enqueue and purge, and the
/// wake-up notification of a commit that enqueued mail.
/// </summary>
internal abstract partial class OutboxProvider
{
    public const string SqliteName = "Microsoft.EntityFrameworkCore.Sqlite";

    public const string PostgreSqlName = "Npgsql.EntityFrameworkCore.PostgreSQL";

    /// <summary>The PostgreSQL channel a commit that enqueued mail notifies, and dispatchers listen on.</summary>
    public const string NotificationChannel = "typedmail_outbox";

    /// <summary>The provider for <paramref name="context"/>'s database.</summary>
    /// <exception cref="NotSupportedException">The outbox does not support the context's provider.</exception>
    public static OutboxProvider For(DbContext context) => context.Database.ProviderName switch
    {
        SqliteName => SqliteOutboxProvider.Instance,
        PostgreSqlName => PostgreSqlOutboxProvider.Instance,
        var name => throw new NotSupportedException(
            $"TypedMail's outbox does not support the database provider '{name}'. Supported: {SqliteName}, {PostgreSqlName}."),
    };

    /// <summary>
    /// Marks up to <paramref name="max"/> messages that are due (queued or deferred, <c>due_at</c> reached) or whose lease
    /// expired as <see cref="OutboxMessageState.Sending"/> under <paramref name="owner"/> and <paramref name="leaseToken"/>,
    /// highest priority first, then oldest due, and returns them, not tracked (outcomes go back through
    /// <see cref="WriteOutcomesAsync"/>, not the change tracker): claim and load are one statement (<c>UPDATE … RETURNING</c>), not composable, in no particular order. Claiming a message whose lease expired counts
    /// the lapsed send as an attempt (<c>attempt_count + 1</c>), so a message that stops its dispatcher every time is
    /// bounded by <c>DispatcherOptions.MaxAttempts</c> like any other failure.
    /// </summary>
    /// <exception cref="System.Data.Common.DbException">The database failed the statement.</exception>
    public abstract Task<List<OutboxMessage>> ClaimAsync(DbContext context, string owner, Guid leaseToken, int max, DateTime now, DateTime leaseUntil, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the outcomes of one claim in one transaction, a few statements whatever the batch size: the messages'
    /// state columns, the changed recipients and the new attempt-log rows, only for messages whose lease token is still
    /// <paramref name="leaseToken"/>. A message another dispatcher took over (its lease lapsed and was claimed again)
    /// keeps the new owner's state: none of its rows are written here.
    /// </summary>
    /// <returns>The ids of the messages whose outcomes were written.</returns>
    /// <exception cref="System.Data.Common.DbException">The database failed the statement; nothing was written.</exception>
    public abstract Task<HashSet<Guid>> WriteOutcomesAsync(DbContext context, Guid leaseToken, OutcomeBatch outcomes, CancellationToken cancellationToken);

    /// <summary>
    /// Books <paramref name="duration"/> of <paramref name="transport"/>'s send schedule (<see cref="OutboxThrottle"/>):
    /// the slot starts at the schedule's next free time, or at <paramref name="now"/> if that is later, and the schedule
    /// moves to the slot's end. One statement, so concurrent dispatchers always get slots that do not overlap.
    /// </summary>
    /// <returns>When the slot starts (UTC); the caller waits until then before sending.</returns>
    /// <exception cref="System.Data.Common.DbException">The database failed the statement.</exception>
    public abstract Task<DateTime> ReserveSendSlotAsync(DbContext context, string transport, DateTime now, TimeSpan duration, CancellationToken cancellationToken);

    /// <summary>
    /// Locks blob keys (SHA-256, lower-case hex) until the current transaction ends: two enqueues of one attachment, and
    /// an enqueue that reuses a stored attachment while the purge deletes unlinked ones.
    /// </summary>
    public abstract Task LockBlobsAsync(DbContext context, IEnumerable<string> sha256, bool async, CancellationToken cancellationToken);

    /// <summary>
    /// Tells dispatchers in other processes that mail was enqueued, delivered when the current transaction commits and
    /// dropped if it rolls back, naming this process (<see cref="OutboxWakeups.Sender"/>) so that its own listener
    /// ignores it. Called once per committing save that enqueued mail, however many rows it added.
    /// </summary>
    public abstract Task NotifyEnqueuedAsync(DbContext context, bool async, CancellationToken cancellationToken);

    /// <summary>
    /// The source that hears <see cref="NotifyEnqueuedAsync"/> with its sender, for
    /// <c>DispatcherOptions.ListenForNotifications</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The provider has no notifications, or its package is not referenced; the message says which.</exception>
    public virtual Dispatch.IOutboxNotificationSource CreateWakeSource(DbContext context)
        => throw new InvalidOperationException(
            $"DispatcherOptions.ListenForNotifications (TypedMail:Dispatcher:ListenForNotifications) is true, but the database provider '{context.Database.ProviderName}' has no notifications; only PostgreSQL does. Set it to false: dispatchers find other processes' mail at each poll.");
}
