using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using System.Transactions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using TypedMail.Outbox.Providers;

namespace TypedMail.Outbox;

/// <summary>
/// Bulk enqueue: writes every message and recipient at once on the context's connection, in the caller's transaction (or
/// the ambient one, or one of its own when there is none), and wakes the local dispatchers when that commits. The
/// messages are built while they are written; if one cannot be built, or an idempotency key is already stored, the
/// write is undone (to a savepoint in the caller's transaction, which stays usable) and nothing of the call is left.
/// </summary>
internal static class OutboxBulkWriter
{
    private const string Savepoint = "typedmail_bulk_enqueue";

    // SQLSTATE unique_violation: a stored key, met by a provider that writes without checking the keys first.
    private const string UniqueViolation = "23505";

    public static async Task<int> WriteAsync(DbContext context, IEnumerable<OutboxMessage> messages, Dictionary<Guid, string> keys, CancellationToken cancellationToken)
    {
        var database = context.Database;
        var provider = OutboxProvider.For(context);
        IDbContextTransaction? own = null;
        var written = 0;
        await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (database.CurrentTransaction is null && Transaction.Current is null)
            {
                own = await database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await database.ExecuteSqlRawAsync("SAVEPOINT " + Savepoint, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                written = await provider.BulkInsertAsync(context, messages, keys, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception failure)
            {
                if (own is null)
                {
                    await RollBackToSavepointAsync(context).ConfigureAwait(false);
                }
                else
                {
                    await own.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
                }

                if (failure is DbException { SqlState: UniqueViolation })
                {
                    await RefuseStoredKeysAsync(context, keys, cancellationToken).ConfigureAwait(false);
                }

                throw;
            }

            if (own is null)
            {
                await database.ExecuteSqlRawAsync("RELEASE SAVEPOINT " + Savepoint, cancellationToken).ConfigureAwait(false);
            }
            else
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

            await database.CloseConnectionAsync().ConfigureAwait(false);
        }

        if (written > 0)
        {
            OutboxInterceptor.Instance.WakeAfterCommit(context, written);
        }

        return written;
    }

    /// <summary>Throws <see cref="DuplicateIdempotencyKeyException"/> naming a key of <paramref name="keys"/> that is already stored, if any.</summary>
    /// <exception cref="DuplicateIdempotencyKeyException">A key is already stored.</exception>
    public static async Task RefuseStoredKeysAsync(DbContext context, Dictionary<Guid, string> keys, CancellationToken cancellationToken)
    {
        if (keys.Count == 0)
        {
            return;
        }

        var ids = keys.Keys.ToList();
        var taken = await context.Set<OutboxMessage>().AsNoTracking().Where(m => ids.Contains(m.Id)).Select(m => m.Id)
            .Take(1).ToListAsync(cancellationToken).ConfigureAwait(false);
        if (taken.Count > 0)
        {
            var key = keys[taken[0]];
            throw new DuplicateIdempotencyKeyException(key, $"The idempotency key '{key}' is already in the outbox; nothing of this EnqueueManyAsync call was written.");
        }
    }

    private static async Task RollBackToSavepointAsync(DbContext context)
    {
        try
        {
            await context.Database.ExecuteSqlRawAsync("ROLLBACK TO SAVEPOINT " + Savepoint).ConfigureAwait(false);
            await context.Database.ExecuteSqlRawAsync("RELEASE SAVEPOINT " + Savepoint).ConfigureAwait(false);
        }
        catch (DbException)
        {
            // The connection is gone, and the caller's transaction with it: nothing of this call is left to undo.
        }
    }
}
