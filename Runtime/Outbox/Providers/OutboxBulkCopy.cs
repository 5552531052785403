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
    /// <summary>Copies the messages, then their recipients, on <paramref name="connection"/> in its current transaction.</summary>
    /// <exception cref="DbException">The database failed the copy; nothing of it is written.</exception>
    public abstract Task CopyAsync(DbConnection connection, OutboxRowMapping mapping, IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken);
}
