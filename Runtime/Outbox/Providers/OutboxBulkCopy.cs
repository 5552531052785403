using System.Collections.Generic;
using System.Data.Common;
using System.Threading;
using System.Threading.Tasks;

namespace TypedMail.Outbox.Providers;

/// <summary>
/// A provider's bulk-load protocol for bulk enqueue, implemented where the provider's ADO.NET driver is referenced
/// (PostgreSQL's binary <c>COPY</c>, in TypedMail.PostgreSql) and found by name.
/// </summary>
internal abstract class OutboxBulkCopy
{
    /// <summary>
    /// Copies the messages as they are enumerated (built), then their recipients, on <paramref name="connection"/> in its
    /// current transaction; returns how many messages it copied. If enumerating fails, the copy is canceled and the
    /// exception thrown; the transaction is then failed, for the caller to roll back.
    /// </summary>
    /// <exception cref="DbException">The database failed the copy (a stored key: a unique violation); the transaction is failed.</exception>
    public abstract Task<int> CopyAsync(DbConnection connection, OutboxRowMapping mapping, IEnumerable<OutboxMessage> messages, CancellationToken cancellationToken);
}
