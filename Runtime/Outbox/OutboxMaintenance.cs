using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using TypedMail.Outbox.Providers;

namespace TypedMail.Outbox;

/// <summary>What <see cref="OutboxMaintenance.PurgeAsync"/> deleted.</summary>
/// <param name="Messages">Finished messages deleted (with their recipients, attachment links and attempts).</param>
/// <param name="Attempts">Further attempt-log rows deleted, of finished messages that were kept.</param>
/// <param name="Blobs">Attachment contents deleted because no message links to them any more.</param>
public readonly record struct PurgeResult(int Messages, int Attempts, int Blobs);

/// <summary>Operations on the outbox outside dispatching: retention, the suppression list, and requeueing dead mail.</summary>
public static class OutboxMaintenance
{
    private const int ChunkSize = 5_000;

    /// <summary>
    /// The retention purge: deletes sent messages finished before <paramref name="olderThan"/> (and failed ones too when
    /// <paramref name="includeFailed"/>), the attempt-log rows older than that of finished messages that are kept, and
    /// attachment blobs nothing links to. Queued, sending and deferred mail is never touched. Works in chunks, each its
    /// own statement, so a large purge does not hold one long transaction. A purged message's idempotency key may be
    /// used again.
    /// </summary>
    /// <param name="context">A context whose model includes the outbox.</param>
    /// <param name="olderThan">The cut-off time.</param>
    /// <param name="includeFailed">Also delete failed (dead) messages.</param>
    /// <param name="cancellationToken">Stops between chunks; what was deleted stays deleted.</param>
    /// <returns>How many rows of each kind were deleted.</returns>
    /// <exception cref="System.Data.Common.DbException">The database failed.</exception>
    public static async Task<PurgeResult> PurgeAsync(DbContext context, DateTimeOffset olderThan, bool includeFailed = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var cutoff = olderThan.UtcDateTime;
        var messages = context.Set<OutboxMessage>();
        var purgeable = messages.Where(m => (m.State == OutboxMessageState.Sent && m.SentAt < cutoff)
            || (includeFailed && m.State == OutboxMessageState.Failed && m.FailedAt < cutoff));
        var deletedMessages = await DeleteInChunksAsync(
            () => messages.Where(m => purgeable.OrderBy(p => p.Id).Select(p => p.Id).Take(ChunkSize).Contains(m.Id)).ExecuteDeleteAsync(cancellationToken)).ConfigureAwait(false);

        var attempts = context.Set<OutboxAttempt>();
        var oldAttempts = attempts.Where(a => a.StartedAt < cutoff
            && messages.Any(m => m.Id == a.OutboxMessageId && (m.State == OutboxMessageState.Sent || m.State == OutboxMessageState.Failed)));
        var deletedAttempts = await DeleteInChunksAsync(
            () => attempts.Where(a => oldAttempts.OrderBy(o => o.Id).Select(o => o.Id).Take(ChunkSize).Contains(a.Id)).ExecuteDeleteAsync(cancellationToken)).ConfigureAwait(false);

        var deletedBlobs = await DeleteOrphanedBlobsAsync(context, cutoff, cancellationToken).ConfigureAwait(false);
        return new PurgeResult(deletedMessages, deletedAttempts, deletedBlobs);
    }

    /// <summary>Adds an address to the suppression list, or updates its reason. Pending recipients with it are suppressed at their next dispatch.</summary>
    /// <param name="context">A context whose model includes the outbox.</param>
    /// <param name="address">The address; the display name is ignored.</param>
    /// <param name="reason">Why, such as <c>hard bounce</c>.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <exception cref="System.Data.Common.DbException">The database failed.</exception>
    public static async Task SuppressAsync(DbContext context, EmailAddress address, string? reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(address);
        var key = OutboxSuppression.Normalize(address);
        var row = await context.Set<OutboxSuppression>().FindAsync([key], cancellationToken).ConfigureAwait(false);
        if (row is null)
        {
            context.Add(new OutboxSuppression { Address = key, Reason = reason, CreatedAt = DateTime.UtcNow });
        }
        else
        {
            row.Reason = reason;
        }

        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Unsubscribes an address from one category of mail: pending recipients with it, in messages of that category, are
    /// suppressed at their next dispatch; transactional mail still reaches it. Doing it again changes nothing.
    /// </summary>
    /// <param name="context">A context whose model includes the outbox.</param>
    /// <param name="address">The address; the display name is ignored.</param>
    /// <param name="category">The category, as in <see cref="EmailAttribute.Category"/>.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns><see langword="true"/> if the address was not yet unsubscribed from the category.</returns>
    /// <exception cref="ArgumentException"><paramref name="category"/> is not a valid category name.</exception>
    /// <exception cref="System.Data.Common.DbException">The database failed.</exception>
    public static async Task<bool> UnsubscribeAsync(DbContext context, EmailAddress address, string category, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(category);
        if (!Deliverability.DeliverabilityRules.IsCategory(category))
        {
            throw new ArgumentException($"Category '{category}' must have 1 to {EmailAttribute.MaxCategoryLength} ASCII letters, digits, '.', '-' or '_'.", nameof(category));
        }

        var key = OutboxSuppression.Normalize(address);
        var set = context.Set<OutboxUnsubscription>();
        if (await set.AnyAsync(u => u.Address == key && u.Category == category, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        var row = set.Add(new OutboxUnsubscription { Address = key, Category = category, CreatedAt = DateTime.UtcNow });
        try
        {
            await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (DbUpdateException)
        {
            // A concurrent request (a double click, a provider retrying the POST) may have written it first.
            row.State = EntityState.Detached;
            if (await set.AsNoTracking().AnyAsync(u => u.Address == key && u.Category == category, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            throw;
        }
    }

    /// <summary>Removes an address from the suppression list.</summary>
    /// <param name="context">A context whose model includes the outbox.</param>
    /// <param name="address">The address.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns><see langword="true"/> if it was on the list.</returns>
    /// <exception cref="System.Data.Common.DbException">The database failed.</exception>
    public static async Task<bool> UnsuppressAsync(DbContext context, EmailAddress address, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(address);
        var key = OutboxSuppression.Normalize(address);
        return await context.Set<OutboxSuppression>().Where(s => s.Address == key).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    /// <summary>
    /// Puts a failed or deferred message back in the queue, due now, with a fresh attempt budget: its
    /// <see cref="OutboxMessage.AttemptCount"/> is added to <see cref="OutboxMessage.AttemptsBefore"/> and set to 0, so
    /// it gets <see cref="Dispatch.DispatcherOptions.MaxAttempts"/> more attempts while the attempt log numbers on from
    /// the attempts already made. Recipients that were given up after temporary failures become pending again; those
    /// rejected with a 5xx reply, accepted or suppressed stay as they are. Sent, queued and sending messages are left alone.
    /// </summary>
    /// <param name="context">A context whose model includes the outbox.</param>
    /// <param name="id">The message's key.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns><see langword="true"/> if the message was requeued.</returns>
    /// <exception cref="System.Data.Common.DbException">The database failed.</exception>
    public static async Task<bool> RequeueAsync(DbContext context, Guid id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        await context.Set<OutboxRecipient>()
            .Where(r => r.OutboxMessageId == id && r.State == RecipientState.Rejected && (r.ReplyCode == null || r.ReplyCode < 500)
                && context.Set<OutboxMessage>().Any(m => m.Id == id && m.State == OutboxMessageState.Failed))
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.State, RecipientState.Pending), cancellationToken).ConfigureAwait(false);
        var requeued = await context.Set<OutboxMessage>()
            .Where(m => m.Id == id && (m.State == OutboxMessageState.Failed || m.State == OutboxMessageState.Deferred))
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.State, OutboxMessageState.Queued)
                .SetProperty(m => m.DueAt, DateTime.UtcNow)
                .SetProperty(m => m.AttemptsBefore, m => m.AttemptsBefore + m.AttemptCount)
                .SetProperty(m => m.AttemptCount, 0)
                .SetProperty(m => m.FailedAt, (DateTime?)null), cancellationToken).ConfigureAwait(false);
        return requeued > 0;
    }

    /// <summary>Requeues every failed (dead) message, one at a time, as <see cref="RequeueAsync"/> does.</summary>
    /// <param name="context">A context whose model includes the outbox.</param>
    /// <param name="cancellationToken">Stops between messages; those requeued stay requeued.</param>
    /// <returns>How many messages were requeued.</returns>
    /// <exception cref="System.Data.Common.DbException">The database failed.</exception>
    public static async Task<int> RequeueFailedAsync(DbContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var failed = await context.Set<OutboxMessage>().Where(m => m.State == OutboxMessageState.Failed).Select(m => m.Id)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var requeued = 0;
        foreach (var id in failed)
        {
            requeued += await RequeueAsync(context, id, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        }

        return requeued;
    }

    /// <summary>
    /// Deletes blobs older than the cut-off that no attachment links to, a chunk per transaction. Each chunk first takes
    /// the blob locks an enqueue takes before reusing a stored blob (PostgreSQL), then deletes only what is still
    /// unlinked: an enqueue that reused a blob either committed its link first (the blob stays) or waits and then
    /// finds the blob gone and stores it again. Without the locks, an enqueue could link a blob this deletes, and the
    /// application's transaction would fail on the foreign key. SQLite serializes writers, so it needs no lock.
    /// </summary>
    private static async Task<int> DeleteOrphanedBlobsAsync(DbContext context, DateTime cutoff, CancellationToken cancellationToken)
    {
        var blobs = context.Set<OutboxBlob>();
        var links = context.Set<OutboxAttachment>();
        var total = 0;
        while (true)
        {
            var candidates = await blobs.Where(b => b.CreatedAt < cutoff && !links.Any(l => l.BlobSha256 == b.Sha256))
                .OrderBy(b => b.Sha256).Select(b => b.Sha256).Take(ChunkSize)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            if (candidates.Count == 0)
            {
                return total;
            }

            var own = context.Database.CurrentTransaction is null
                ? await context.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false)
                : null;
            try
            {
                await OutboxProvider.For(context).LockBlobsAsync(context, candidates, async: true, cancellationToken).ConfigureAwait(false);
                total += await blobs.Where(b => candidates.Contains(b.Sha256) && !links.Any(l => l.BlobSha256 == b.Sha256))
                    .ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
                if (own is not null)
                {
                    await own.CommitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                if (own is not null)
                {
                    await own.DisposeAsync().ConfigureAwait(false);
                }
            }

            if (candidates.Count < ChunkSize)
            {
                return total;
            }
        }
    }

    private static async Task<int> DeleteInChunksAsync(Func<Task<int>> deleteChunk)
    {
        var total = 0;
        int deleted;
        do
        {
            deleted = await deleteChunk().ConfigureAwait(false);
            total += deleted;
        }
        while (deleted >= ChunkSize);
        return total;
    }
}
