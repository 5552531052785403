using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using System.Transactions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Storage;
using TypedMail.Outbox.Providers;

namespace TypedMail.Outbox;

/// <summary>
/// Registered by <c>UseTypedMail</c>. Around a <c>SaveChanges</c> that adds outbox rows it:
/// <list type="number">
/// <item>writes the new messages and their recipients itself, in a few multi-row statements instead of one per row
/// through the change tracker; the message is then tracked as saved and its recipients are no longer tracked. A message
/// whose idempotency key is already stored is skipped with its recipients and attachments, and no longer tracked. The write happens inside the caller's transaction (under a savepoint, so a failed
/// save leaves the transaction as EF Core's own savepoint would), the ambient one, or one the interceptor opens around
/// <c>SaveChanges</c>; on PostgreSQL a context that tracks nothing else is written in one round trip without one;</item>
/// <item>reuses stored attachment blobs (under a per-key lock on PostgreSQL);</item>
/// <item>on PostgreSQL, sends <c>NOTIFY</c> in the same round trip, so dispatchers elsewhere wake when it commits;</item>
/// <item>wakes the local dispatchers right after the commit: at once when <c>SaveChanges</c> ran without a caller's
/// transaction, at the caller's commit otherwise, never on rollback.</item>
/// </list>
/// If the save fails, the messages are tracked as added again, so a retried <c>SaveChanges</c> writes them.
/// </summary>
internal sealed class OutboxInterceptor : ISaveChangesInterceptor, IDbTransactionInterceptor
{
    public static readonly OutboxInterceptor Instance = new();

    private const string Savepoint = "typedmail_enqueue";

    private readonly ConditionalWeakTable<DbContext, SaveState> _saves = [];
    private readonly ConditionalWeakTable<DbTransaction, PendingCommit> _pendingWakeups = [];

    private OutboxInterceptor()
    {
    }

    public InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        BeforeSaveAsync(eventData.Context!, async: false, CancellationToken.None).GetAwaiter().GetResult();
        return result;
    }

    public async ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        await BeforeSaveAsync(eventData.Context!, async: true, cancellationToken).ConfigureAwait(false);
        return result;
    }

    public int SavedChanges(SaveChangesCompletedEventData eventData, int result)
        => result + AfterSaveAsync(eventData.Context!, async: false, CancellationToken.None).GetAwaiter().GetResult();

    public async ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
        => result + await AfterSaveAsync(eventData.Context!, async: true, cancellationToken).ConfigureAwait(false);

    public void SaveChangesFailed(DbContextErrorEventData eventData) => AbandonSaveAsync(eventData.Context!, async: false).GetAwaiter().GetResult();

    public Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
        => AbandonSaveAsync(eventData.Context!, async: true);

    public void SaveChangesCanceled(DbContextEventData eventData) => AbandonSaveAsync(eventData.Context!, async: false).GetAwaiter().GetResult();

    public Task SaveChangesCanceledAsync(DbContextEventData eventData, CancellationToken cancellationToken = default)
        => AbandonSaveAsync(eventData.Context!, async: true);

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData)
    {
        if (_pendingWakeups.TryGetValue(transaction, out var pending))
        {
            _pendingWakeups.Remove(transaction);
            OutboxWakeups.Pulse(pending.ContextType, pending.Messages);
        }
    }

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        TransactionCommitted(transaction, eventData);
        return Task.CompletedTask;
    }

    public void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => _pendingWakeups.Remove(transaction);

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        _pendingWakeups.Remove(transaction);
        return Task.CompletedTask;
    }

    public void TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData) => _pendingWakeups.Remove(transaction);

    public Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        _pendingWakeups.Remove(transaction);
        return Task.CompletedTask;
    }

    private async Task BeforeSaveAsync(DbContext context, bool async, CancellationToken cancellationToken)
    {
        var state = _saves.GetOrCreateValue(context);
        await AbandonSaveAsync(context, async).ConfigureAwait(false);
        List<EntityEntry>? messages = null;
        List<EntityEntry>? blobs = null;
        var addedRecipients = 0;
        var attachments = false;
        var otherWork = false;
        var tracker = context.ChangeTracker;
        var autoDetect = tracker.AutoDetectChangesEnabled;
        tracker.AutoDetectChangesEnabled = false;
        try
        {
            // Enqueue adds outbox rows with DbContext.Add, so they are tracked as Added without DetectChanges.
            foreach (var entry in tracker.Entries())
            {
                switch (entry.Entity)
                {
                    case OutboxMessage when entry.State == EntityState.Added:
                        (messages ??= []).Add(entry);
                        break;
                    case OutboxRecipient when entry.State == EntityState.Added:
                        addedRecipients++;
                        break;
                    case OutboxBlob when entry.State == EntityState.Added:
                        (blobs ??= []).Add(entry);
                        attachments = true;
                        break;
                    case OutboxAttachment when entry.State == EntityState.Added:
                        attachments = true;
                        break;
                    default:
                        // With automatic change detection on, an unchanged entry may still hold changes EF Core will find.
                        otherWork |= entry.State != EntityState.Unchanged || autoDetect;
                        break;
                }
            }

            if (messages is null)
            {
                return;
            }

            // Recipients added to messages that are not new are EF Core's to write.
            otherWork |= addedRecipients != messages.Sum(e => ((OutboxMessage)e.Entity).Recipients.Count);
            var database = context.Database;
            var provider = OutboxProvider.For(context);
            state.AutoSavepoints = database.AutoSavepointsEnabled;
            if (database.CurrentTransaction is { } transaction)
            {
                // EF Core's own savepoint would come after these rows; this one covers them and the rest of the save.
                if (transaction.SupportsSavepoints)
                {
                    await CreateSavepointAsync(transaction, async, cancellationToken).ConfigureAwait(false);
                    state.Savepoint = transaction;
                    database.AutoSavepointsEnabled = false;
                }
            }
            else if (Transaction.Current is null && (attachments || otherWork || !provider.InsertIsAtomic))
            {
                state.OwnTransaction = async
                    ? await database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false)
                    : database.BeginTransaction();
                database.AutoSavepointsEnabled = false;
            }
            else
            {
                // One atomic statement batch with nothing else to save, or the ambient transaction: no transaction of ours.
                if (async)
                {
                    await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    database.OpenConnection();
                }

                state.OpenedConnection = true;
            }

            if (blobs is not null)
            {
                await ReuseExistingBlobsAsync(context, blobs, async, cancellationToken).ConfigureAwait(false);
            }

            var written = messages.ConvertAll(e => (OutboxMessage)e.Entity);
            var inserted = await provider.InsertMessagesAsync(context, written, async, cancellationToken).ConfigureAwait(false);
            foreach (var message in written)
            {
                // Recipient rows have store-generated keys EF Core never saw: stop tracking them (keeping copies, to track
                // them again if the save fails), and the written message counts as saved, as EF Core would leave it.
                var recipients = message.Recipients.ToList();
                var links = message.Attachments.ToList();
                state.Written.Add((message, recipients, links));
                foreach (var recipient in recipients)
                {
                    context.Entry(recipient).State = EntityState.Detached;
                }

                message.Recipients.Clear();
                if (inserted.Contains(message.Id))
                {
                    state.Messages++;
                    state.Rows += 1 + recipients.Count;
                    context.Entry(message).State = EntityState.Unchanged;
                }
                else
                {
                    // Already stored under its idempotency key: nothing of it is written.
                    foreach (var link in links)
                    {
                        context.Entry(link).State = EntityState.Detached;
                    }

                    message.Attachments.Clear();
                    context.Entry(message).State = EntityState.Detached;
                }
            }
        }
        catch
        {
            await AbandonSaveAsync(context, async).ConfigureAwait(false);
            throw;
        }
        finally
        {
            tracker.AutoDetectChangesEnabled = autoDetect;
        }
    }

    /// <summary>Marks every new blob whose content is already stored as unchanged, so only its links are written.</summary>
    private static async Task ReuseExistingBlobsAsync(DbContext context, List<EntityEntry> blobs, bool async, CancellationToken cancellationToken)
    {
        var keys = blobs.Select(e => ((OutboxBlob)e.Entity).Sha256).ToList();
        await OutboxProvider.For(context).LockBlobsAsync(context, keys, async, cancellationToken).ConfigureAwait(false);
        var query = context.Set<OutboxBlob>().AsNoTracking().Where(b => keys.Contains(b.Sha256)).Select(b => b.Sha256);
        var existing = (async ? await query.ToListAsync(cancellationToken).ConfigureAwait(false) : query.ToList()).ToHashSet(StringComparer.Ordinal);
        foreach (var entry in blobs)
        {
            if (existing.Contains(((OutboxBlob)entry.Entity).Sha256))
            {
                entry.State = EntityState.Unchanged;
            }
        }
    }

    /// <summary>Ends a save that wrote mail; returns the rows it wrote, for <c>SaveChanges</c>' count.</summary>
    private async Task<int> AfterSaveAsync(DbContext context, bool async, CancellationToken cancellationToken)
    {
        if (!_saves.TryGetValue(context, out var state) || !state.Active)
        {
            return 0;
        }

        var rows = state.Rows;
        var messages = state.Messages;
        try
        {
            if (state.Savepoint is { } transaction)
            {
                if (async)
                {
                    await transaction.ReleaseSavepointAsync(Savepoint, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    transaction.ReleaseSavepoint(Savepoint);
                }
            }

            if (state.OwnTransaction is { } own)
            {
                if (async)
                {
                    await own.CommitAsync(cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    own.Commit();
                }
            }
        }
        catch
        {
            await AbandonSaveAsync(context, async).ConfigureAwait(false);
            throw;
        }

        await EndAsync(context, state, async).ConfigureAwait(false);
        if (messages == 0)
        {
            return rows;
        }

        WakeAfterCommit(context, messages);
        return rows;
    }

    /// <summary>
    /// Wakes the local dispatchers for <paramref name="messages"/> new messages written through <paramref name="context"/>:
    /// when its transaction (or the ambient one) commits, never on rollback; at once when there is none.
    /// </summary>
    public void WakeAfterCommit(DbContext context, int messages)
    {
        var contextType = context.GetType();
        if (context.Database.CurrentTransaction is { } current)
        {
            // Several saves in one transaction: their messages count when it commits.
            var pending = _pendingWakeups.GetOrCreateValue(current.GetDbTransaction());
            pending.ContextType = contextType;
            pending.Messages += messages;
        }
        else if (Transaction.Current is { } ambient)
        {
            ambient.TransactionCompleted += (_, e) =>
            {
                if (e.Transaction?.TransactionInformation.Status == TransactionStatus.Committed)
                {
                    OutboxWakeups.Pulse(contextType, messages);
                }
            };
        }
        else
        {
            OutboxWakeups.Pulse(contextType, messages);
        }
    }

    /// <summary>
    /// Undoes a save that failed or was canceled: rolls back to the savepoint or the interceptor's own transaction, and
    /// tracks the messages as added again, so a retried <c>SaveChanges</c> writes them.
    /// </summary>
    private async Task AbandonSaveAsync(DbContext context, bool async)
    {
        if (!_saves.TryGetValue(context, out var state) || !state.Active)
        {
            return;
        }

        var written = state.Written.ToList();
        try
        {
            if (state.Savepoint is { } transaction)
            {
                try
                {
                    if (async)
                    {
                        await transaction.RollbackToSavepointAsync(Savepoint).ConfigureAwait(false);
                    }
                    else
                    {
                        transaction.RollbackToSavepoint(Savepoint);
                    }
                }
                catch (DbException)
                {
                    // The connection is gone, and the caller's transaction with it: nothing of this save is left to undo.
                }
            }
        }
        finally
        {
            await EndAsync(context, state, async).ConfigureAwait(false);
        }

        var tracker = context.ChangeTracker;
        var autoDetect = tracker.AutoDetectChangesEnabled;
        tracker.AutoDetectChangesEnabled = false;
        try
        {
            foreach (var (message, recipients, links) in written)
            {
                message.Recipients.Clear();
                message.Recipients.AddRange(recipients);
                message.Attachments.Clear();
                message.Attachments.AddRange(links);
                context.Add(message);
            }
        }
        finally
        {
            tracker.AutoDetectChangesEnabled = autoDetect;
        }
    }

    /// <summary>Disposes the interceptor's own transaction (rolling it back unless committed), closes what it opened, restores the settings.</summary>
    private static async Task EndAsync(DbContext context, SaveState state, bool async)
    {
        var own = state.OwnTransaction;
        var opened = state.OpenedConnection;
        context.Database.AutoSavepointsEnabled = state.AutoSavepoints;
        state.Reset();
        if (own is not null)
        {
            if (async)
            {
                await own.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                own.Dispose();
            }
        }

        if (opened)
        {
            if (async)
            {
                await context.Database.CloseConnectionAsync().ConfigureAwait(false);
            }
            else
            {
                context.Database.CloseConnection();
            }
        }
    }

    private static async Task CreateSavepointAsync(IDbContextTransaction transaction, bool async, CancellationToken cancellationToken)
    {
        if (async)
        {
            await transaction.CreateSavepointAsync(Savepoint, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            transaction.CreateSavepoint(Savepoint);
        }
    }

    /// <summary>What one save of one context is doing with mail, from <c>SavingChanges</c> to its end.</summary>
    private sealed class SaveState
    {
        /// <summary>Whether the save enqueued mail and is not over.</summary>
        public bool Active => Written.Count > 0 || OwnTransaction is not null || Savepoint is not null || OpenedConnection;

        /// <summary>The messages the save wrote and stopped tracking, with their recipients and attachments.</summary>
        public List<(OutboxMessage Message, List<OutboxRecipient> Recipients, List<OutboxAttachment> Attachments)> Written { get; } = [];

        /// <summary>New messages written (keyed ones already stored are not counted).</summary>
        public int Messages { get; set; }

        /// <summary>Message and recipient rows written.</summary>
        public int Rows { get; set; }

        public IDbContextTransaction? OwnTransaction { get; set; }

        /// <summary>The caller's transaction, when the save holds a savepoint in it.</summary>
        public IDbContextTransaction? Savepoint { get; set; }

        public bool OpenedConnection { get; set; }

        public bool AutoSavepoints { get; set; } = true;

        public void Reset()
        {
            Written.Clear();
            Messages = 0;
            Rows = 0;
            OwnTransaction = null;
            Savepoint = null;
            OpenedConnection = false;
        }
    }
}

/// <summary>Messages enqueued in a transaction that has not committed yet, and the context type that wrote them.</summary>
internal sealed class PendingCommit
{
    public Type ContextType { get; set; } = typeof(DbContext);

    public int Messages { get; set; }
}
