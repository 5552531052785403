using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;

namespace TypedMail.Dispatch;

/// <summary>
/// PostgreSQL: <c>SELECT … FOR UPDATE SKIP LOCKED</c> inside an <c>UPDATE … RETURNING</c>. Rows another dispatcher is
/// claiming at this moment are skipped, not waited for, so any number of dispatchers on any number of machines share
/// one queue without blocking each other.
/// </summary>
public sealed class PostgreSqlOutboxClaimer : IOutboxClaimer
{
    /// <summary>The shared instance; the claimer has no state.</summary>
    public static readonly PostgreSqlOutboxClaimer Instance = new();

    /// <inheritdoc/>
    public async Task<IReadOnlyList<Guid>> ClaimAsync(DbContext context, string owner, Guid leaseToken, int max, DateTime now, DateTime leaseUntil, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return await context.Database.SqlQuery<Guid>($"""
            UPDATE typedmail_messages AS m
            SET attempt_count = attempt_count + CASE WHEN state = 1 THEN 1 ELSE 0 END,
                state = 1, lease_owner = {owner}, lease_token = {leaseToken}, lease_expires_at = {leaseUntil}
            FROM (
                SELECT id FROM typedmail_messages
                WHERE state IN (0, 1, 3) AND ((state <> 1 AND due_at <= {now}) OR (state = 1 AND lease_expires_at < {now}))
                ORDER BY priority DESC, due_at
                LIMIT {max}
                FOR UPDATE SKIP LOCKED) AS claimed
            WHERE m.id = claimed.id
            RETURNING m.id AS "Value"
            """).ToListAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<DateTime> ReserveSendSlotAsync(DbContext context, string transport, DateTime now, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(transport);
        var end = await context.Database.SqlQuery<long>($"""
            INSERT INTO typedmail_throttles AS t (transport, next_slot_ticks) VALUES ({transport}, {now.Ticks + duration.Ticks})
            ON CONFLICT (transport) DO UPDATE SET next_slot_ticks = GREATEST(t.next_slot_ticks, {now.Ticks}) + {duration.Ticks}
            RETURNING next_slot_ticks AS "Value"
            """).ToListAsync(cancellationToken).ConfigureAwait(false);
        return new DateTime(end.Single() - duration.Ticks, DateTimeKind.Utc);
    }
}
