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
/// <item>drops keyed messages whose idempotency key is already in the database, and reuses stored attachment blobs
/// (under a per-key lock on PostgreSQL, inside the caller's transaction, or one it opens around <c>SaveChanges</c>);</item>
/// <item>on PostgreSQL, sends <c>NOTIFY</c> in the same transaction, so dispatchers elsewhere wake when it commits;</item>
/// <item>wakes the local dispatchers right after the commit: at once when <c>SaveChanges</c> ran without a caller's
/// transaction, at the caller's commit otherwise, never on rollback.</item>
/// </list>
/// </summary>
internal sealed class OutboxInterceptor : ISaveChangesInterceptor, IDbTransactionInterceptor
{
    public static readonly OutboxInterceptor Instance = new();

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
    {
        AfterSaveAsync(eventData.Context!, async: false, CancellationToken.None).GetAwaiter().GetResult();
        return result;
    }

    public async ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        await AfterSaveAsync(eventData.Context!, async: true, cancellationToken).ConfigureAwait(false);
        return result;
    }

    public void SaveChangesFailed(DbContextErrorEventData eventData) => AbandonSave(eventData.Context!);

    public Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        AbandonSave(eventData.Context!);
        return Task.CompletedTask;
    }

    public void SaveChangesCanceled(DbContextEventData eventData) => AbandonSave(eventData.Context!);

    public Task SaveChangesCanceledAsync(DbContextEventData eventData, CancellationToken cancellationToken = default)
    {
        AbandonSave(eventData.Context!);
        return Task.CompletedTask;
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData)
    {
        EnqueueCapture.Ended(transaction, committed: true);
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

    public void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => Abandon(transaction);

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Abandon(transaction);
        return Task.CompletedTask;
    }

    public void TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData) => Abandon(transaction);

    public Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Abandon(transaction);
        return Task.CompletedTask;
    }

    private void Abandon(DbTransaction transaction)
    {
        _pendingWakeups.Remove(transaction);
        EnqueueCapture.Ended(transaction, committed: false);
    }

    private async Task BeforeSaveAsync(DbContext context, bool async, CancellationToken cancellationToken)
    {
        var state = _saves.GetOrCreateValue(context);
        state.MailAdded = false;
        state.MessagesAdded = 0;
        state.OwnTransaction = null;
        List<EntityEntry>? keyed = null;
        List<EntityEntry>? blobs = null;
        var tracker = context.ChangeTracker;
        var autoDetect = tracker.AutoDetectChangesEnabled;
        tracker.AutoDetectChangesEnabled = false;
        try
        {
            // Enqueue adds outbox rows with DbContext.Add, so they are tracked as Added without DetectChanges.
            foreach (var entry in tracker.Entries())
            {
                if (entry.State != EntityState.Added)
                {
                    continue;
                }

                if (entry.Entity is OutboxMessage message)
                {
                    state.MailAdded = true;
                    state.MessagesAdded++;
                    if (message.IdempotencyKey is not null)
                    {
                        (keyed ??= []).Add(entry);
                    }
                }
                else if (entry.Entity is OutboxBlob)
                {
                    (blobs ??= []).Add(entry);
                }
            }

            if (keyed is null && blobs is null)
            {
                return;
            }

            if (context.Database.CurrentTransaction is null && Transaction.Current is null)
            {
                state.OwnTransaction = async
                    ? await context.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false)
                    : context.Database.BeginTransaction();
            }

            if (keyed is not null)
            {
                state.MessagesAdded -= await DropExistingMessagesAsync(context, keyed, async, cancellationToken).ConfigureAwait(false);
            }

            if (blobs is not null)
            {
                await ReuseExistingBlobsAsync(context, blobs, async, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            AbandonSave(context);
            throw;
        }
        finally
        {
            tracker.AutoDetectChangesEnabled = autoDetect;
        }
    }

    /// <summary>Detaches every keyed message (with its recipients and attachments) whose row already exists; returns how many.</summary>
    private static async Task<int> DropExistingMessagesAsync(DbContext context, List<EntityEntry> keyed, bool async, CancellationToken cancellationToken)
    {
        var ids = keyed.Select(e => ((OutboxMessage)e.Entity).Id).ToList();
        await OutboxProvider.For(context).LockMessagesAsync(context, ids, async, cancellationToken).ConfigureAwait(false);
        var query = context.Set<OutboxMessage>().AsNoTracking().Where(m => ids.Contains(m.Id)).Select(m => m.Id);
        var existing = (async ? await query.ToListAsync(cancellationToken).ConfigureAwait(false) : query.ToList()).ToHashSet();
        var dropped = 0;
        foreach (var entry in keyed)
        {
            var message = (OutboxMessage)entry.Entity;
            if (!existing.Contains(message.Id))
            {
                continue;
            }

            // Detaching a dependent removes it from the navigation: iterate over copies.
            foreach (var recipient in message.Recipients.ToList())
            {
                context.Entry(recipient).State = EntityState.Detached;
            }

            foreach (var attachment in message.Attachments.ToList())
            {
                context.Entry(attachment).State = EntityState.Detached;
            }

            entry.State = EntityState.Detached;
            dropped++;
        }

        return dropped;
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

    private async Task AfterSaveAsync(DbContext context, bool async, CancellationToken cancellationToken)
    {
        if (!_saves.TryGetValue(context, out var state) || !state.MailAdded)
        {
            return;
        }

        state.MailAdded = false;
        var messages = state.MessagesAdded;
        state.MessagesAdded = 0;
        var own = state.OwnTransaction;
        state.OwnTransaction = null;
        try
        {
            // One notification per committing save that enqueued mail, however many rows it added. Inside a transaction it
            // is delivered when that commits and dropped if it rolls back; outside one, SaveChanges has already committed.
            await OutboxProvider.For(context).NotifyEnqueuedAsync(context, async, cancellationToken).ConfigureAwait(false);

            if (own is not null)
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
        finally
        {
            own?.Dispose();
        }

        EnqueueCapture.Saved(context);
        var contextType = context.GetType();
        if (context.Database.CurrentTransaction is { } transaction)
        {
            // Several SaveChanges in one transaction: their messages count when it commits.
            var pending = _pendingWakeups.GetOrCreateValue(transaction.GetDbTransaction());
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

    private void AbandonSave(DbContext context)
    {
        if (_saves.TryGetValue(context, out var state))
        {
            state.MailAdded = false;
            var own = state.OwnTransaction;
            state.OwnTransaction = null;
            own?.Dispose();
        }
    }

    private sealed class SaveState
    {
        public bool MailAdded { get; set; }

        /// <summary>New messages this save writes (keyed ones that already exist are not counted).</summary>
        public int MessagesAdded { get; set; }

        public IDbContextTransaction? OwnTransaction { get; set; }
    }
}

/// <summary>Messages enqueued in a transaction that has not committed yet, and the context type that wrote them.</summary>
internal sealed class PendingCommit
{
    public Type ContextType { get; set; } = typeof(DbContext);

    public int Messages { get; set; }
}
