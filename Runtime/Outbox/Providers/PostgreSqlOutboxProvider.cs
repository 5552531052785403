using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;

namespace TypedMail.Outbox.Providers;

/// <summary>
/// PostgreSQL: the claim is <c>SELECT … FOR UPDATE SKIP LOCKED</c> inside an <c>UPDATE … RETURNING</c>; rows another
/// dispatcher is claiming at this moment are skipped, not waited for, so any number of dispatchers on any number of
/// machines share one queue without blocking each other. Keys are locked with transaction-scoped advisory locks taken in
/// a fixed order; new mail is announced with <c>pg_notify</c>.
/// </summary>
internal sealed partial class PostgreSqlOutboxProvider : OutboxProvider
{
    public static readonly PostgreSqlOutboxProvider Instance = new();

    // Advisory lock class ids ('TMm', 'TMb'): keep TypedMail's locks apart from the application's own.
    private const int MessageLockClass = 0x544D6D;
    private const int BlobLockClass = 0x544D62;

    private const string Notify = "SELECT pg_notify('" + NotificationChannel + "', '')";

    public override Task<List<OutboxMessage>> ClaimAsync(DbContext context, string owner, Guid leaseToken, int max, DateTime now, DateTime leaseUntil, CancellationToken cancellationToken)
        => context.Set<OutboxMessage>().FromSql($"""
            UPDATE typedmail_messages AS m
            SET attempt_count = m.attempt_count + CASE WHEN m.state = 1 THEN 1 ELSE 0 END,
                state = 1, lease_owner = {owner}, lease_token = {leaseToken}, lease_expires_at = {leaseUntil}
            FROM (
                SELECT id FROM typedmail_messages
                WHERE state IN (0, 1, 3) AND ((state <> 1 AND due_at <= {now}) OR (state = 1 AND lease_expires_at < {now}))
                ORDER BY priority DESC, due_at
                LIMIT {max}
                FOR UPDATE SKIP LOCKED) AS claimed
            WHERE m.id = claimed.id
            RETURNING m.*
            """).ToListAsync(cancellationToken);

    public override async Task<DateTime> ReserveSendSlotAsync(DbContext context, string transport, DateTime now, TimeSpan duration, CancellationToken cancellationToken)
    {
        var end = await context.Database.SqlQuery<long>($"""
            INSERT INTO typedmail_throttles AS t (transport, next_slot_ticks) VALUES ({transport}, {now.Ticks + duration.Ticks})
            ON CONFLICT (transport) DO UPDATE SET next_slot_ticks = GREATEST(t.next_slot_ticks, {now.Ticks}) + {duration.Ticks}
            RETURNING next_slot_ticks AS "Value"
            """).ToListAsync(cancellationToken).ConfigureAwait(false);
        return new DateTime(end.Single() - duration.Ticks, DateTimeKind.Utc);
    }

    public override Task LockBlobsAsync(DbContext context, IEnumerable<string> sha256, bool async, CancellationToken cancellationToken)
        => LockAsync(context, BlobLockClass, sha256.Select(k => int.Parse(k.AsSpan(0, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture)), async, cancellationToken);

    public override Task NotifyEnqueuedAsync(DbContext context, bool async, CancellationToken cancellationToken)
        => ExecuteAsync(context, Notify, async, cancellationToken);

    public override Dispatch.IOutboxWakeSource CreateWakeSource(DbContext context)
    {
        // The listener lives in TypedMail.PostgreSql, so that TypedMail itself references no provider assembly.
        const string name = "TypedMail.PostgreSql.PostgreSqlNotificationWakeSource, TypedMail.PostgreSql";
        var type = Type.GetType(name, throwOnError: false)
            ?? throw new InvalidOperationException(
                "DispatcherOptions.ListenForNotifications (TypedMail:Dispatcher:ListenForNotifications) is true, but the TypedMail.PostgreSql package is not referenced: add it to the application, or set the option to false.");
        var connectionString = context.Database.GetConnectionString()
            ?? throw new InvalidOperationException("DispatcherOptions.ListenForNotifications is true, but the outbox context has no connection string to listen with.");
        return (Dispatch.IOutboxWakeSource)Activator.CreateInstance(type, connectionString)!;
    }

    private static Task LockAsync(DbContext context, int lockClass, IEnumerable<int> keys, bool async, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder();
        foreach (var key in keys.Distinct().Order())
        {
            sql.Append(CultureInfo.InvariantCulture, $"SELECT pg_advisory_xact_lock({lockClass}, {key});");
        }

        return sql.Length == 0 ? Task.CompletedTask : ExecuteAsync(context, sql.ToString(), async, cancellationToken);
    }

    private static async Task ExecuteAsync(DbContext context, string sql, bool async, CancellationToken cancellationToken)
    {
        if (async)
        {
            await context.Database.ExecuteSqlRawAsync(sql, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            context.Database.ExecuteSqlRaw(sql);
        }
    }
}
