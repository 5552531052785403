using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;

namespace TypedMail.Dispatch;

/// <summary>
/// SQLite: one <c>UPDATE … RETURNING</c> statement. SQLite serializes writers on the database file, so the
/// select-and-mark is atomic across every process that shares the file.
/// </summary>
public sealed class SqliteOutboxClaimer : IOutboxClaimer
{
    /// <summary>The shared instance; the claimer has no state.</summary>
    public static readonly SqliteOutboxClaimer Instance = new();

    /// <inheritdoc/>
    public async Task<IReadOnlyList<Guid>> ClaimAsync(DbContext context, string owner, Guid leaseToken, int max, DateTime now, DateTime leaseUntil, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return await context.Database.SqlQuery<Guid>($"""
            UPDATE typedmail_messages
            SET attempt_count = attempt_count + CASE WHEN state = 1 THEN 1 ELSE 0 END,
                state = 1, lease_owner = {owner}, lease_token = {leaseToken}, lease_expires_at = {leaseUntil}
            WHERE id IN (
                SELECT id FROM typedmail_messages
                WHERE state IN (0, 1, 3) AND ((state <> 1 AND due_at <= {now}) OR (state = 1 AND lease_expires_at < {now}))
                ORDER BY priority DESC, due_at
                LIMIT {max})
            RETURNING id AS "Value"
            """).ToListAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<DateTime> ReserveSendSlotAsync(DbContext context, string transport, DateTime now, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(transport);
        var end = await context.Database.SqlQuery<long>($"""
            INSERT INTO typedmail_throttles (transport, next_slot_ticks) VALUES ({transport}, {now.Ticks + duration.Ticks})
            ON CONFLICT (transport) DO UPDATE SET next_slot_ticks = max(next_slot_ticks, {now.Ticks}) + {duration.Ticks}
            RETURNING next_slot_ticks AS "Value"
            """).ToListAsync(cancellationToken).ConfigureAwait(false);
        return new DateTime(end.Single() - duration.Ticks, DateTimeKind.Utc);
    }
}
