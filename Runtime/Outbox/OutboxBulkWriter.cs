using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using System.Transactions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using TypedMail.Outbox.Providers;

namespace TypedMail.Outbox;

/// <summary>
/// Bulk enqueue: checks the idempotency keys against the outbox, then writes every message and recipient at once on the
/// context's connection, in the caller's transaction (or the ambient one, or one of its own when there is none), and
/// wakes the local dispatchers when that commits.
/// </summary>
internal static class OutboxBulkWriter
{
    public static async Task<int> WriteAsync(DbContext context, List<OutboxMessage> messages, Dictionary<Guid, string> keys, CancellationToken cancellationToken)
    {
        var database = context.Database;
        var provider = OutboxProvider.For(context);
        IDbContextTransaction? own = null;
        await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (database.CurrentTransaction is null && Transaction.Current is null)
            {
                own = await database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            }

            if (keys.Count > 0)
            {
                var ids = keys.Keys.ToList();
                var taken = await context.Set<OutboxMessage>().AsNoTracking().Where(m => ids.Contains(m.Id)).Select(m => m.Id)
                    .Take(1).ToListAsync(cancellationToken).ConfigureAwait(false);
                if (taken.Count > 0)
                {
                    var key = keys[taken[0]];
                    throw new DuplicateIdempotencyKeyException(key, $"The idempotency key '{key}' is already in the outbox; nothing of this EnqueueManyAsync call was written.");
                }
            }

            await provider.BulkInsertAsync(context, messages, cancellationToken).ConfigureAwait(false);
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

            await database.CloseConnectionAsync().ConfigureAwait(false);
        }

        OutboxInterceptor.Instance.WakeAfterCommit(context, messages.Count);
        return messages.Count;
    }
}
