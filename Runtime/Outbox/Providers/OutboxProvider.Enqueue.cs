using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace TypedMail.Outbox.Providers;

/// <summary>The enqueue writes: message and recipient rows inserted in few statements, without the change tracker.</summary>
internal abstract partial class OutboxProvider
{
    /// <summary>
    /// Whether <see cref="InsertMessagesAsync"/> commits all or nothing without a transaction around it (PostgreSQL runs
    /// the statements of one command as one implicit transaction); where not, the caller opens one.
    /// </summary>
    public abstract bool InsertIsAtomic { get; }

    /// <summary>
    /// Inserts <paramref name="messages"/> and their recipients on the context's connection, in <paramref name="transaction"/>
    /// (by default the context's current one, or the ambient one). A message whose key is already stored (the same idempotency key) is skipped with its
    /// recipients; one a concurrent transaction is inserting is waited for, then skipped if that commits. Where the
    /// provider has notifications, announces new mail in the same round trip.
    /// </summary>
    /// <returns>The keys of the messages inserted.</returns>
    /// <exception cref="DbException">The database failed a statement.</exception>
    public abstract Task<HashSet<Guid>> InsertMessagesAsync(DbContext context, IReadOnlyList<OutboxMessage> messages, DbTransaction? transaction, bool async, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the messages of a bulk enqueue with their recipients, on the context's connection in its current
    /// transaction; by default it builds them all, refuses a stored idempotency key, then writes with the inserts of
    /// <see cref="InsertMessagesAsync"/>. A provider may write while it builds; it then refuses a stored key with the
    /// database's unique violation, and the caller undoes the write.
    /// </summary>
    /// <param name="context">The context.</param>
    /// <param name="messages">The messages, built (and checked) as they are enumerated.</param>
    /// <param name="keys">The idempotency keys of the messages built so far, by message key; filled as they are enumerated.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>How many messages were written.</returns>
    /// <exception cref="DuplicateIdempotencyKeyException">An idempotency key is already stored.</exception>
    /// <exception cref="DbException">The database failed a statement.</exception>
    public virtual async Task<int> BulkInsertAsync(DbContext context, IEnumerable<OutboxMessage> messages, Dictionary<Guid, string> keys, CancellationToken cancellationToken)
    {
        var all = messages.ToList();
        await OutboxBulkWriter.RefuseStoredKeysAsync(context, keys, cancellationToken).ConfigureAwait(false);
        if (all.Count > 0)
        {
            await InsertMessagesAsync(context, all, transaction: null, async: true, cancellationToken).ConfigureAwait(false);
        }

        return all.Count;
    }

    /// <summary>A command on the context's connection, in <paramref name="transaction"/> or its current one, with its command timeout.</summary>
    protected static DbCommand CreateCommand(DbContext context, DbTransaction? transaction = null)
    {
        var command = context.Database.GetDbConnection().CreateCommand();
        command.Transaction = transaction ?? context.Database.CurrentTransaction?.GetDbTransaction();
        if (context.Database.GetCommandTimeout() is { } timeout)
        {
            command.CommandTimeout = timeout;
        }

        return command;
    }

    protected static async Task<int> ExecuteNonQueryAsync(DbCommand command, bool async, CancellationToken cancellationToken)
        => async ? await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) : command.ExecuteNonQuery();

    protected static async Task<DbDataReader> ExecuteReaderAsync(DbCommand command, bool async, CancellationToken cancellationToken)
        => async ? await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false) : command.ExecuteReader();

    protected static async Task<bool> ReadAsync(DbDataReader reader, bool async, CancellationToken cancellationToken)
        => async ? await reader.ReadAsync(cancellationToken).ConfigureAwait(false) : reader.Read();
}
