using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Data.Common;
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
/// machines share one queue without blocking each other. A batch's outcomes are one statement: arrays bound as
/// parameters, <c>unnest</c>ed into an <c>UPDATE … FROM</c> of the messages whose lease token still matches, which the
/// recipient update and the attempt-log insert join. Keys are locked with transaction-scoped advisory locks taken in
/// a fixed order; new mail is announced with <c>NOTIFY</c>.
/// </summary>
internal sealed partial class PostgreSqlOutboxProvider : OutboxProvider
{
    public static readonly PostgreSqlOutboxProvider Instance = new();

    // Advisory lock class ids ('TMm', 'TMb'): keep TypedMail's locks apart from the application's own.
    private const int MessageLockClass = 0x544D6D;
    private const int BlobLockClass = 0x544D62;

    /// <summary>
    /// Announces new mail, naming this process (<see cref="OutboxWakeups.Sender"/>, hex digits) as the payload, so that
    /// its own listener ignores it. The same text all the process's life: PostgreSQL folds a transaction's identical
    /// notifications into one, so a committing transaction notifies once however many saves it holds. <c>NOTIFY</c>,
    /// not <c>pg_notify()</c>: a utility statement with nothing to plan.
    /// </summary>
    private static readonly string Notify = $"NOTIFY {NotificationChannel}, '{OutboxWakeups.Sender}'";

    /// <remarks>
    /// One statement in autocommit: one round trip. It must walk the claim index in send order and stop after
    /// <paramref name="max"/> rows, whatever the statistics say. Written as <c>(state &lt;&gt; 1 AND due_at &lt;= now) OR
    /// (state = 1 AND lease_expires_at &lt; now)</c>, the due condition is estimated from the columns' statistics: ones that
    /// predate a burst of enqueues (autovacuum has not analyzed the table yet; the rows then were scheduled for later) put
    /// the backlog at a few rows, and the planner sorts all of it at every claim, so a burn-down of n messages costs
    /// n²/max row reads. As one <c>CASE</c> it is an expression the planner gives a fixed share of the unfinished rows:
    /// the ordered index scan that stops after a batch stays the cheapest plan. <c>LIMIT</c> is a literal, so a generic
    /// plan (a prepared statement) also knows the batch is small and joins it back by primary key, not by a hash of the
    /// whole table.
    /// </remarks>
    public override async Task<List<OutboxMessage>> ClaimAsync(DbContext context, string owner, Guid leaseToken, int max, DateTime now, DateTime leaseUntil, CancellationToken cancellationToken)
    {
        using var factory = context.Database.GetDbConnection().CreateCommand();
        return await context.Set<OutboxMessage>()
            .FromSqlRaw(ClaimSql(max), Scalar(factory, "owner", owner), Scalar(factory, "lease_token", leaseToken), Scalar(factory, "now", Utc(now)), Scalar(factory, "lease_until", Utc(leaseUntil)))
            .AsNoTracking().ToListAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The claim of up to <paramref name="max"/> rows: parameters <c>@owner</c>, <c>@lease_token</c>, <c>@now</c>, <c>@lease_until</c>.</summary>
    internal static string ClaimSql(int max)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        return $"""
            UPDATE typedmail_messages AS m
            SET attempt_count = m.attempt_count + CASE WHEN m.state = 1 THEN 1 ELSE 0 END,
                state = 1, lease_owner = @owner, lease_token = @lease_token, lease_expires_at = @lease_until
            FROM (
                SELECT id FROM typedmail_messages
                WHERE state IN (0, 1, 3) AND CASE WHEN state = 1 THEN lease_expires_at < @now ELSE due_at <= @now END
                ORDER BY priority DESC, due_at
                LIMIT {max.ToString(CultureInfo.InvariantCulture)}
                FOR UPDATE SKIP LOCKED) AS claimed
            WHERE m.id = claimed.id
            RETURNING m.*
            """;
    }

    public override async Task<HashSet<Guid>> WriteOutcomesAsync(DbContext context, Guid leaseToken, OutcomeBatch outcomes, CancellationToken cancellationToken)
    {
        // One statement, so one snapshot and one atomic write: the recipients and attempts join the message rows the
        // UPDATE actually changed, and a message whose token moved on contributes nothing.
        const string Sql = """
            WITH m AS (
                UPDATE typedmail_messages AS t
                SET state = u.state, due_at = u.due_at, attempt_count = u.attempt_count, last_error = u.last_error,
                    lease_owner = u.lease_owner, lease_expires_at = u.lease_expires_at, sent_at = u.sent_at, failed_at = u.failed_at
                FROM unnest(@m_id, @m_state, @m_due_at, @m_attempt_count, @m_last_error, @m_lease_owner, @m_lease_expires_at, @m_sent_at, @m_failed_at)
                    AS u(id, state, due_at, attempt_count, last_error, lease_owner, lease_expires_at, sent_at, failed_at)
                WHERE t.id = u.id AND t.lease_token = @lease_token
                RETURNING t.id),
            r AS (
                UPDATE typedmail_recipients AS t
                SET state = u.state, reply_code = u.reply_code, enhanced_status = u.enhanced_status, reply_text = u.reply_text
                FROM unnest(@r_id, @r_message, @r_state, @r_reply_code, @r_enhanced_status, @r_reply_text)
                    AS u(id, message, state, reply_code, enhanced_status, reply_text)
                JOIN m ON m.id = u.message
                WHERE t.id = u.id),
            a AS (
                INSERT INTO typedmail_attempts (outbox_message_id, number, started_at, duration_ms, transport, dispatcher, outcome, reply_code, enhanced_status, reply_text, error)
                SELECT u.* FROM unnest(@a_message, @a_number, @a_started_at, @a_duration_ms, @a_transport, @a_dispatcher, @a_outcome, @a_reply_code, @a_enhanced_status, @a_reply_text, @a_error)
                    AS u(message, number, started_at, duration_ms, transport, dispatcher, outcome, reply_code, enhanced_status, reply_text, error)
                JOIN m ON m.id = u.message)
            SELECT id AS "Value" FROM m
            """;
        var messages = outcomes.Messages;
        var recipients = outcomes.Recipients;
        var attempts = outcomes.Attempts;
        using var factory = context.Database.GetDbConnection().CreateCommand();
        DbParameter[] parameters =
        [
            Scalar(factory, "lease_token", leaseToken),
            Array(factory, "m_id", messages.Select(m => m.Id)),
            Array(factory, "m_state", messages.Select(m => (int)m.State)),
            Array(factory, "m_due_at", messages.Select(m => Utc(m.DueAt))),
            Array(factory, "m_attempt_count", messages.Select(m => m.AttemptCount)),
            Array(factory, "m_last_error", messages.Select(m => m.LastError)),
            Array(factory, "m_lease_owner", messages.Select(m => m.LeaseOwner)),
            Array(factory, "m_lease_expires_at", messages.Select(m => Utc(m.LeaseExpiresAt))),
            Array(factory, "m_sent_at", messages.Select(m => Utc(m.SentAt))),
            Array(factory, "m_failed_at", messages.Select(m => Utc(m.FailedAt))),
            Array(factory, "r_id", recipients.Select(r => r.Id)),
            Array(factory, "r_message", recipients.Select(r => r.OutboxMessageId)),
            Array(factory, "r_state", recipients.Select(r => (int)r.State)),
            Array(factory, "r_reply_code", recipients.Select(r => r.ReplyCode)),
            Array(factory, "r_enhanced_status", recipients.Select(r => r.EnhancedStatus)),
            Array(factory, "r_reply_text", recipients.Select(r => r.ReplyText)),
            Array(factory, "a_message", attempts.Select(a => a.OutboxMessageId)),
            Array(factory, "a_number", attempts.Select(a => a.Number)),
            Array(factory, "a_started_at", attempts.Select(a => Utc(a.StartedAt))),
            Array(factory, "a_duration_ms", attempts.Select(a => a.DurationMs)),
            Array(factory, "a_transport", attempts.Select(a => a.Transport)),
            Array(factory, "a_dispatcher", attempts.Select(a => a.Dispatcher)),
            Array(factory, "a_outcome", attempts.Select(a => (int)a.Outcome)),
            Array(factory, "a_reply_code", attempts.Select(a => a.ReplyCode)),
            Array(factory, "a_enhanced_status", attempts.Select(a => a.EnhancedStatus)),
            Array(factory, "a_reply_text", attempts.Select(a => a.ReplyText)),
            Array(factory, "a_error", attempts.Select(a => a.Error)),
        ];
        var written = await context.Database.SqlQueryRaw<Guid>(Sql, parameters).ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. written];
    }

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

    public override Dispatch.IOutboxNotificationSource CreateWakeSource(DbContext context)
    {
        // The listener lives in TypedMail.PostgreSql, so that TypedMail itself references no provider assembly.
        const string name = "TypedMail.PostgreSql.PostgreSqlNotificationWakeSource, TypedMail.PostgreSql";
        var type = Type.GetType(name, throwOnError: false)
            ?? throw new InvalidOperationException(
                "DispatcherOptions.ListenForNotifications (TypedMail:Dispatcher:ListenForNotifications) is true, but the TypedMail.PostgreSql package is not referenced: add it to the application, or set the option to false.");
        var connectionString = context.Database.GetConnectionString()
            ?? throw new InvalidOperationException("DispatcherOptions.ListenForNotifications is true, but the outbox context has no connection string to listen with.");
        return (Dispatch.IOutboxNotificationSource)Activator.CreateInstance(type, connectionString)!;
    }

    /// <summary>A parameter of the provider's own type; Npgsql infers the array type (<c>uuid[]</c>, <c>integer[]</c>, <c>timestamptz[]</c>, …) from the element type.</summary>
    private static DbParameter Array<T>(DbCommand factory, string name, IEnumerable<T> values) => Scalar(factory, name, values.ToArray());

    private static DbParameter Scalar(DbCommand factory, string name, object value)
    {
        var parameter = factory.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        return parameter;
    }

    // Times go as DateTimeOffset at offset 0: Npgsql infers timestamptz[] from the element type, where a DateTime array
    // (and one of nulls above all) is inferred from the values' Kind. The model stores every time as UTC.
    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private static DateTimeOffset? Utc(DateTime? value) => value is { } v ? Utc(v) : null;

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
