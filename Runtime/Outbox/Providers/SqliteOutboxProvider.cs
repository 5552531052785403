using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace TypedMail.Outbox.Providers;

/// <summary>
/// SQLite: the claim is one <c>UPDATE … RETURNING</c> statement. SQLite serializes writers on the database file, so the
/// select-and-mark is atomic across every process that shares the file, and EF Core's transactions there begin
/// IMMEDIATE, which already serializes enqueues: no key locks are needed. Other processes learn of new mail by polling.
/// A batch's outcomes are written in one transaction by three prepared statements, each reused row after row (SQLite
/// runs a prepared statement in microseconds; it is the per-statement work of the change tracker that costs).
/// </summary>
internal sealed partial class SqliteOutboxProvider : OutboxProvider
{
    public static readonly SqliteOutboxProvider Instance = new();

    /// <remarks>
    /// <para>
    /// The claim names its index (<c>INDEXED BY</c>): SQLite's planner, without statistics, otherwise reads
    /// <c>state IN (0, 1, 3)</c> through an index that leads with the state column (the dashboard's and the purge's) and
    /// sorts every due row at every claim, so a burn-down of n messages costs n²/batch row reads. The claim index
    /// holds only unfinished rows, in send order: the claim reads a batch and stops, however many rows are finished.
    /// </para>
    /// <para>
    /// In WAL mode the claim commits at <c>synchronous = NORMAL</c> (the connection's own level is put back after it):
    /// its commit reaches the WAL, which survives the process dying, but is not flushed to the disk by itself. That
    /// loses nothing: the outcome write that follows commits at the connection's level and flushes the WAL up to its
    /// own frames, the claim's included; and a claim lost to a power failure before that only hands its messages
    /// back to the queue, as a lapsed lease would, with the same at-least-once bound. Other journal modes are left
    /// alone: there <c>NORMAL</c> can corrupt the file on a power failure.
    /// </para>
    /// </remarks>
    public override async Task<List<OutboxMessage>> ClaimAsync(DbContext context, string owner, Guid leaseToken, int max, DateTime now, DateTime leaseUntil, CancellationToken cancellationToken)
    {
        var database = context.Database;
        await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = database.GetDbConnection();
            var level = await RelaxSynchronousAsync(connection, cancellationToken).ConfigureAwait(false);
            try
            {
                return await context.Set<OutboxMessage>().FromSql($"""
                    UPDATE typedmail_messages
                    SET attempt_count = attempt_count + CASE WHEN state = 1 THEN 1 ELSE 0 END,
                        state = 1, lease_owner = {owner}, lease_token = {leaseToken}, lease_expires_at = {leaseUntil}
                    WHERE id IN (
                        SELECT id FROM typedmail_messages INDEXED BY ix_typedmail_messages_claim
                        WHERE state IN (0, 1, 3) AND ((state <> 1 AND due_at <= {now}) OR (state = 1 AND lease_expires_at < {now}))
                        ORDER BY priority DESC, due_at
                        LIMIT {max})
                    RETURNING *
                    """).AsNoTracking().ToListAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                if (level is { } previous)
                {
                    await ExecutePragmaAsync(connection, "PRAGMA synchronous = " + previous.ToString(CultureInfo.InvariantCulture), CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            await database.CloseConnectionAsync().ConfigureAwait(false);
        }
    }

    public override async Task<HashSet<Guid>> WriteOutcomesAsync(DbContext context, Guid leaseToken, OutcomeBatch outcomes, CancellationToken cancellationToken)
    {
        var model = context.Model;
        var message = model.FindEntityType(typeof(OutboxMessage))!;
        var recipient = model.FindEntityType(typeof(OutboxRecipient))!;
        var attempt = model.FindEntityType(typeof(OutboxAttempt))!;
        var database = context.Database;
        var own = database.CurrentTransaction is null ? await database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false) : null;
        try
        {
            var transaction = database.CurrentTransaction!.GetDbTransaction();
            var connection = database.GetDbConnection();
            var written = new HashSet<Guid>();
            await using (var update = new Statement(connection, transaction, message, """
                UPDATE typedmail_messages
                SET state = @State, due_at = @DueAt, attempt_count = @AttemptCount, last_error = @LastError,
                    lease_owner = @LeaseOwner, lease_expires_at = @LeaseExpiresAt, sent_at = @SentAt, failed_at = @FailedAt
                WHERE id = @Id AND lease_token = @LeaseToken
                """))
            {
                foreach (var m in outcomes.Messages)
                {
                    update.Bind(nameof(OutboxMessage.State), m.State).Bind(nameof(OutboxMessage.DueAt), m.DueAt)
                        .Bind(nameof(OutboxMessage.AttemptCount), m.AttemptCount).Bind(nameof(OutboxMessage.LastError), m.LastError)
                        .Bind(nameof(OutboxMessage.LeaseOwner), m.LeaseOwner).Bind(nameof(OutboxMessage.LeaseExpiresAt), m.LeaseExpiresAt)
                        .Bind(nameof(OutboxMessage.SentAt), m.SentAt).Bind(nameof(OutboxMessage.FailedAt), m.FailedAt)
                        .Bind(nameof(OutboxMessage.Id), m.Id).Bind(nameof(OutboxMessage.LeaseToken), (Guid?)leaseToken);
                    if (await update.ExecuteAsync(cancellationToken).ConfigureAwait(false) == 1)
                    {
                        written.Add(m.Id);
                    }
                }
            }

            await using (var update = new Statement(connection, transaction, recipient, """
                UPDATE typedmail_recipients
                SET state = @State, reply_code = @ReplyCode, enhanced_status = @EnhancedStatus, reply_text = @ReplyText
                WHERE id = @Id
                """))
            {
                foreach (var r in outcomes.Recipients.Where(r => written.Contains(r.OutboxMessageId)))
                {
                    update.Bind(nameof(OutboxRecipient.State), r.State).Bind(nameof(OutboxRecipient.ReplyCode), r.ReplyCode)
                        .Bind(nameof(OutboxRecipient.EnhancedStatus), r.EnhancedStatus).Bind(nameof(OutboxRecipient.ReplyText), r.ReplyText)
                        .Bind(nameof(OutboxRecipient.Id), r.Id);
                    await update.ExecuteAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            await using (var insert = new Statement(connection, transaction, attempt, """
                INSERT INTO typedmail_attempts (outbox_message_id, number, started_at, duration_ms, transport, dispatcher, outcome, reply_code, enhanced_status, reply_text, error)
                VALUES (@OutboxMessageId, @Number, @StartedAt, @DurationMs, @Transport, @Dispatcher, @Outcome, @ReplyCode, @EnhancedStatus, @ReplyText, @Error)
                """))
            {
                foreach (var a in outcomes.Attempts.Where(a => written.Contains(a.OutboxMessageId)))
                {
                    insert.Bind(nameof(OutboxAttempt.OutboxMessageId), a.OutboxMessageId).Bind(nameof(OutboxAttempt.Number), a.Number)
                        .Bind(nameof(OutboxAttempt.StartedAt), a.StartedAt).Bind(nameof(OutboxAttempt.DurationMs), a.DurationMs)
                        .Bind(nameof(OutboxAttempt.Transport), a.Transport).Bind(nameof(OutboxAttempt.Dispatcher), a.Dispatcher)
                        .Bind(nameof(OutboxAttempt.Outcome), a.Outcome).Bind(nameof(OutboxAttempt.ReplyCode), a.ReplyCode)
                        .Bind(nameof(OutboxAttempt.EnhancedStatus), a.EnhancedStatus).Bind(nameof(OutboxAttempt.ReplyText), a.ReplyText)
                        .Bind(nameof(OutboxAttempt.Error), a.Error);
                    await insert.ExecuteAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            if (own is not null)
            {
                await own.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            return written;
        }
        finally
        {
            if (own is not null)
            {
                await own.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

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

    /// <summary>
    /// In WAL mode with a level above <c>NORMAL</c> (1), sets <c>NORMAL</c> and returns the level to put back; otherwise
    /// changes nothing and returns <see langword="null"/>.
    /// </summary>
    private static async Task<long?> RelaxSynchronousAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        var journal = (string?)await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        if (!string.Equals(journal, "wal", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        command.CommandText = "PRAGMA synchronous";
        var level = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        if (level <= 1)
        {
            return null;
        }

        await ExecutePragmaAsync(connection, "PRAGMA synchronous = NORMAL", cancellationToken).ConfigureAwait(false);
        return level;
    }

    private static async Task ExecutePragmaAsync(DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public override Task NotifyEnqueuedAsync(DbContext context, bool async, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// One prepared statement, executed once per row: its parameters are named after the entity's properties and take
    /// values through the model's own type mappings (GUIDs and times stored as EF Core stores them).
    /// </summary>
    private sealed partial class Statement : IAsyncDisposable
    {
        private readonly DbCommand _command;
        private readonly Dictionary<string, (DbParameter Parameter, RelationalTypeMapping Mapping)> _parameters = [];

        public Statement(DbConnection connection, DbTransaction transaction, IEntityType entity, string sql)
        {
            _command = connection.CreateCommand();
            _command.Transaction = transaction;
            _command.CommandText = sql;
            foreach (var name in Placeholder().Matches(sql).Select(m => m.Groups[1].Value).Distinct())
            {
                var property = entity.FindProperty(name) ?? throw new InvalidOperationException($"{entity.DisplayName()} has no property {name}.");
                var mapping = property.GetRelationalTypeMapping();
                var parameter = mapping.CreateParameter(_command, "@" + name, null, property.IsNullable);
                _command.Parameters.Add(parameter);
                _parameters[name] = (parameter, mapping);
            }
        }

        public Statement Bind(string property, object? value)
        {
            var (parameter, mapping) = _parameters[property];
            var converted = value is null ? null : mapping.Converter is { } converter ? converter.ConvertToProvider(value) : value;
            parameter.Value = converted ?? DBNull.Value;
            return this;
        }

        public Task<int> ExecuteAsync(CancellationToken cancellationToken) => _command.ExecuteNonQueryAsync(cancellationToken);

        public ValueTask DisposeAsync() => _command.DisposeAsync();

        [GeneratedRegex(@"@(\w+)")]
        private static partial Regex Placeholder();
    }
}
