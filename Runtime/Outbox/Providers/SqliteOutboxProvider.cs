using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;

namespace TypedMail.Outbox.Providers;

/// <summary>
/// SQLite: the claim is one <c>UPDATE … RETURNING</c> statement. SQLite serializes writers on the database file, so the
/// select-and-mark is atomic across every process that shares the file, and EF Core's transactions there begin
/// IMMEDIATE, which already serializes enqueues: no key locks are needed. Other processes learn of new mail by polling.
/// </summary>
internal sealed partial class SqliteOutboxProvider : OutboxProvider
{
    public static readonly SqliteOutboxProvider Instance = new();

    public override Task<List<OutboxMessage>> ClaimAsync(DbContext context, string owner, Guid leaseToken, int max, DateTime now, DateTime leaseUntil, CancellationToken cancellationToken)
        => context.Set<OutboxMessage>().FromSql($"""
            UPDATE typedmail_messages
            SET attempt_count = attempt_count + CASE WHEN state = 1 THEN 1 ELSE 0 END,
                state = 1, lease_owner = {owner}, lease_token = {leaseToken}, lease_expires_at = {leaseUntil}
            WHERE id IN (
                SELECT id FROM typedmail_messages
                WHERE state IN (0, 1, 3) AND ((state <> 1 AND due_at <= {now}) OR (state = 1 AND lease_expires_at < {now}))
                ORDER BY priority DESC, due_at
                LIMIT {max})
            RETURNING *
            """).ToListAsync(cancellationToken);

    public override async Task<DateTime> ReserveSendSlotAsync(DbContext context, string transport, DateTime now, TimeSpan duration, CancellationToken cancellationToken)
    {
        var end = await context.Database.SqlQuery<long>($"""
            INSERT INTO typedmail_throttles (transport, next_slot_ticks) VALUES ({transport}, {now.Ticks + duration.Ticks})
            ON CONFLICT (transport) DO UPDATE SET next_slot_ticks = max(next_slot_ticks, {now.Ticks}) + {duration.Ticks}
            RETURNING next_slot_ticks AS "Value"
            """).ToListAsync(cancellationToken).ConfigureAwait(false);
        return new DateTime(end.Single() - duration.Ticks, DateTimeKind.Utc);
    }

    public override Task LockBlobsAsync(DbContext context, IEnumerable<string> sha256, bool async, CancellationToken cancellationToken) => Task.CompletedTask;

    public override Task NotifyEnqueuedAsync(DbContext context, bool async, CancellationToken cancellationToken) => Task.CompletedTask;
}
