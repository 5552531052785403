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
            SET state = 1, lease_owner = {owner}, lease_token = {leaseToken}, lease_expires_at = {leaseUntil}
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
}
