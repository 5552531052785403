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

    public DbTransaction TransactionStarted(DbConnection connection, TransactionEndEventData eventData, DbTransaction result)
    {
        if (eventData.Context is { } context && _saves.TryGetValue(context, out var state) && state.WriteAtTransactionStart)
        {
            WriteAsync(context, state, result, async: false, CancellationToken.None).GetAwaiter().GetResult();
        }

        return result;
    }

    public async ValueTask<DbTransaction> TransactionStartedAsync(DbConnection connection, TransactionEndEventData eventData, DbTransaction result, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is { } context && _saves.TryGetValue(context, out var state) && state.WriteAtTransactionStart)
        {
            await WriteAsync(context, state, result, async: true, cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData)
    {
        EnqueueCapture.Ended(transaction, committed: true);
        if (_pendingWakeups.TryGetValue(transaction, out var pending))
        {
            _pendingWakeups.Remove(transaction);
            OutboxWakeups.Pulse(pending.ContextType, pending.Database, pending.Messages);
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
            state.AutoTransactions = database.AutoTransactionBehavior;
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
            else if (Transaction.Current is null && attachments)
            {
                // Blob reuse and attachment links must be settled before EF Core plans its commands: a transaction now.
                state.OwnTransaction = async
                    ? await database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false)
                    : database.BeginTransaction();
                database.AutoSavepointsEnabled = false;
            }
            else if (Transaction.Current is null && otherWork)
            {
                // EF Core has rows of its own to write: the mail goes into the transaction EF Core begins for them (inside
                // its execution strategy, so a retrying strategy retries the mail too), or after, if it writes nothing.
                state.WriteAtTransactionStart = true;
                database.AutoTransactionBehavior = AutoTransactionBehavior.Always;
            }
            else if (Transaction.Current is null && !provider.InsertIsAtomic)
            {
                state.OwnTransaction = async
                    ? await database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false)
                    : database.BeginTransaction();
            }
            else
            {
                // One atomic statement batch with nothing else to save, or the ambient transaction: no transaction of ours.
                await OpenConnectionAsync(context, state, async, cancellationToken).ConfigureAwait(false);
            }

            if (blobs is not null)
            {
                await ReuseExistingBlobsAsync(context, blobs, async, cancellationToken).ConfigureAwait(false);
            }

            foreach (var entry in messages)
            {
                var message = (OutboxMessage)entry.Entity;
                state.Written.Add((message, message.Recipients.ToList(), message.Attachments.ToList()));
            }

            var inserted = state.WriteAtTransactionStart ? null : await WriteAsync(context, state, transaction: null, async, cancellationToken).ConfigureAwait(false);
            foreach (var (message, recipients, links) in state.Written)
            {
                // Recipient rows have store-generated keys EF Core never saw: stop tracking them (the copies in the state
                // track them again if the save fails), and the written message counts as saved, as EF Core would leave it.
                foreach (var recipient in recipients)
                {
                    context.Entry(recipient).State = EntityState.Detached;
                }

                message.Recipients.Clear();
                if (inserted is null || inserted.Contains(message.Id))
                {
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

    /// <summary>
    /// Inserts the save's messages with their recipients in <paramref name="transaction"/> (or the context's current or
    /// ambient one) and counts what was written; returns the keys of the messages inserted.
    /// </summary>
    private static async Task<HashSet<Guid>> WriteAsync(DbContext context, SaveState state, DbTransaction? transaction, bool async, CancellationToken cancellationToken)
    {
        var messages = new List<OutboxMessage>(state.Written.Count);
        foreach (var (message, recipients, _) in state.Written)
        {
            // The recipients travel with the message to the insert; the tracked message keeps none.
            message.Recipients.Clear();
            message.Recipients.AddRange(recipients);
            messages.Add(message);
        }

        HashSet<Guid> inserted;
        try
        {
            inserted = await OutboxProvider.For(context).InsertMessagesAsync(context, messages, transaction, async, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            messages.ForEach(m => m.Recipients.Clear());
        }

        state.Messages = 0;
        state.Rows = 0;
        foreach (var (message, recipients, _) in state.Written)
        {
            if (inserted.Contains(message.Id))
            {
                state.Messages++;
                state.Rows += 1 + recipients.Count;
            }
        }

        state.WrittenOnce = true;
        return inserted;
    }

    private static async Task OpenConnectionAsync(DbContext context, SaveState state, bool async, CancellationToken cancellationToken)
    {
        if (async)
        {
            await context.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            context.Database.OpenConnection();
        }

        state.OpenedConnection = true;
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

        try
        {
            if (state.WriteAtTransactionStart && !state.WrittenOnce)
            {
                // EF Core found nothing of its own to write after all, so it began no transaction: write the mail now.
                state.WriteAtTransactionStart = false;
                if (OutboxProvider.For(context).InsertIsAtomic)
                {
                    await OpenConnectionAsync(context, state, async, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    state.OwnTransaction = async
                        ? await context.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false)
                        : context.Database.BeginTransaction();
                }

                await WriteAsync(context, state, transaction: null, async, cancellationToken).ConfigureAwait(false);
            }

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

        var rows = state.Rows;
        var messages = state.Messages;
        await EndAsync(context, state, async).ConfigureAwait(false);
        EnqueueCapture.Saved(context);
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
        var database = OutboxWakeups.DatabaseOf(context);
        if (context.Database.CurrentTransaction is { } current)
        {
            // Several saves in one transaction: their messages count when it commits.
            var pending = _pendingWakeups.GetOrCreateValue(current.GetDbTransaction());
            pending.ContextType = contextType;
            pending.Database = database;
            pending.Messages += messages;
        }
        else if (Transaction.Current is { } ambient)
        {
            ambient.TransactionCompleted += (_, e) =>
            {
                if (e.Transaction?.TransactionInformation.Status == TransactionStatus.Committed)
                {
                    OutboxWakeups.Pulse(contextType, database, messages);
                }
            };
        }
        else
        {
            OutboxWakeups.Pulse(contextType, database, messages);
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
        context.Database.AutoTransactionBehavior = state.AutoTransactions;
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
        public bool Active => Written.Count > 0 || OwnTransaction is not null || Savepoint is not null || OpenedConnection || WriteAtTransactionStart;

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

        public AutoTransactionBehavior AutoTransactions { get; set; }

        /// <summary>Whether the mail is written when EF Core begins its transaction for the save (<see cref="TransactionStarted"/>).</summary>
        public bool WriteAtTransactionStart { get; set; }

        /// <summary>Whether the mail was written (at least once: a retrying execution strategy writes it again in its new transaction).</summary>
        public bool WrittenOnce { get; set; }

        public void Reset()
        {
            WriteAtTransactionStart = false;
            WrittenOnce = false;
            Written.Clear();
            Messages = 0;
            Rows = 0;
            OwnTransaction = null;
            Savepoint = null;
            OpenedConnection = false;
        }
    }
}

/// <summary>Messages enqueued in a transaction that has not committed yet, and the context type and database that wrote them.</summary>
internal sealed class PendingCommit
{
    public Type ContextType { get; set; } = typeof(DbContext);

    public string Database { get; set; } = "";

    public int Messages { get; set; }
}
