using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;

namespace TypedMail.Outbox;

/// <summary>
/// PostgreSQL: transaction-scoped advisory locks on outbox keys, taken in a fixed order, so transactions that insert or
/// reuse the same key run one after the other and each sees the other's committed rows: two enqueues of one
/// idempotency key, two enqueues of one attachment, and an enqueue that reuses a stored attachment while the purge
/// deletes unlinked ones. SQLite needs none: EF Core's transactions there begin IMMEDIATE, which already serializes
/// writers.
/// </summary>
internal static class OutboxLocks
{
    // Advisory lock class ids ('TMm', 'TMb'): keep TypedMail's locks apart from the application's own.
    private const int MessageLockClass = 0x544D6D;
    private const int BlobLockClass = 0x544D62;

    /// <summary>Locks the message keys (derived from idempotency keys) until the current transaction ends.</summary>
    public static Task LockMessagesAsync(DbContext context, IEnumerable<Guid> ids, bool async, CancellationToken cancellationToken)
        => LockAsync(context, MessageLockClass, ids.Select(id => BinaryPrimitives.ReadInt32BigEndian(id.ToByteArray(bigEndian: true))), async, cancellationToken);

    /// <summary>Locks the blob keys (SHA-256, lower-case hex) until the current transaction ends.</summary>
    public static Task LockBlobsAsync(DbContext context, IEnumerable<string> sha256, bool async, CancellationToken cancellationToken)
        => LockAsync(context, BlobLockClass, sha256.Select(k => int.Parse(k.AsSpan(0, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture)), async, cancellationToken);

    private static async Task LockAsync(DbContext context, int lockClass, IEnumerable<int> keys, bool async, CancellationToken cancellationToken)
    {
        if (!DatabaseProviders.IsPostgreSql(context))
        {
            return;
        }

        var sql = new StringBuilder();
        foreach (var key in keys.Distinct().Order())
        {
            sql.Append(CultureInfo.InvariantCulture, $"SELECT pg_advisory_xact_lock({lockClass}, {key});");
        }

        if (sql.Length == 0)
        {
            return;
        }

        if (async)
        {
            await context.Database.ExecuteSqlRawAsync(sql.ToString(), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            context.Database.ExecuteSqlRaw(sql.ToString());
        }
    }
}
