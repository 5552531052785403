using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;

namespace TypedMail.Outbox.Providers;

/// <summary>
/// PostgreSQL enqueue: one round trip. Messages without idempotency keys are two plain multi-row inserts (messages, then
/// recipients). With keys, each statement inserts messages (<c>ON CONFLICT DO NOTHING</c>, which waits for a concurrent
/// transaction inserting the same key and skips the row if that one commits) and, in a data-modifying <c>WITH</c>, the
/// recipients of the messages it inserted. <c>NOTIFY</c> follows in the same command.
/// </summary>
internal sealed partial class PostgreSqlOutboxProvider
{
    // The protocol allows 65,535 parameters in one statement.
    private const int MaxParameters = 65_000;

    // Binary COPY lives in TypedMail.PostgreSql, so that TypedMail itself references no provider assembly.
    private static readonly Lazy<OutboxBulkCopy?> BulkCopy = new(() =>
        Type.GetType("TypedMail.PostgreSql.PostgreSqlBulkCopy, TypedMail.PostgreSql", throwOnError: false) is { } type
            ? (OutboxBulkCopy)Activator.CreateInstance(type, nonPublic: true)!
            : null);

    public override bool InsertIsAtomic => true;

    /// <summary>Bulk enqueue: binary <c>COPY</c> of the messages, then of their recipients, then <c>NOTIFY</c>.</summary>
    /// <exception cref="InvalidOperationException">The TypedMail.PostgreSql package is not referenced.</exception>
    public override async Task BulkInsertAsync(DbContext context, IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken)
    {
        var copy = BulkCopy.Value
            ?? throw new InvalidOperationException(
                "EnqueueManyAsync on PostgreSQL writes with binary COPY, which is in the TypedMail.PostgreSql package: add it to the application.");
        await copy.CopyAsync(context.Database.GetDbConnection(), OutboxRowMapping.For(context), messages, cancellationToken).ConfigureAwait(false);
        await NotifyEnqueuedAsync(context, async: true, cancellationToken).ConfigureAwait(false);
    }

    public override async Task<HashSet<Guid>> InsertMessagesAsync(DbContext context, IReadOnlyList<OutboxMessage> messages, DbTransaction? transaction, bool async, CancellationToken cancellationToken)
    {
        var mapping = OutboxRowMapping.For(context);
        var key = "\"" + mapping.MessageKey + "\"";
        var recipientKey = "\"" + mapping.Recipients.Column(nameof(OutboxRecipient.OutboxMessageId)) + "\"";
        var recipientColumns = string.Join(", ", mapping.Recipients.Columns.Select(c => "\"" + c.Name + "\""));
        await using var command = CreateCommand(context, transaction);
        var sql = new StringBuilder();
        var inserted = new HashSet<Guid>();
        var next = 0;
        while (next < messages.Count)
        {
            // As many messages as the statement's parameter limit allows, each with its recipients.
            var take = 0;
            var parameters = 0;
            while (next + take < messages.Count)
            {
                var cost = mapping.Messages.Columns.Length + (messages[next + take].Recipients.Count * mapping.Recipients.Columns.Length);
                if (take > 0 && parameters + cost > MaxParameters)
                {
                    break;
                }

                parameters += cost;
                take++;
            }

            var chunk = messages.Skip(next).Take(take).ToList();
            if (chunk.TrueForAll(m => m.IdempotencyKey is null))
            {
                // No key can be taken: two plain inserts, nothing to skip.
                AppendInsert(sql, command, mapping.Messages, chunk);
                AppendInsert(sql, command, mapping.Recipients, chunk.SelectMany(m => m.Recipients));
                inserted.UnionWith(chunk.Select(m => m.Id));
            }
            else
            {
                sql.Append("WITH m AS (INSERT INTO ").Append(mapping.Messages.InsertTarget).Append(" VALUES ");
                AppendRows(sql, command, mapping.Messages, chunk);
                sql.Append(" ON CONFLICT (").Append(key).Append(") DO NOTHING RETURNING ").Append(key).Append("), r AS (INSERT INTO ")
                    .Append(mapping.Recipients.InsertTarget).Append(" SELECT * FROM (VALUES ");
                AppendRows(sql, command, mapping.Recipients, chunk.SelectMany(m => m.Recipients));
                sql.Append(") AS v (").Append(recipientColumns).Append(") WHERE v.").Append(recipientKey).Append(" IN (SELECT ").Append(key)
                    .Append(" FROM m)) SELECT ").Append(key).Append(" FROM m;\n");
            }

            next += take;
        }

        command.CommandText = sql.Append(Notify).ToString();
        await using var reader = await ExecuteReaderAsync(command, async, cancellationToken).ConfigureAwait(false);
        do
        {
            while (reader.FieldCount > 0 && reader.GetFieldType(0) == typeof(Guid) && await ReadAsync(reader, async, cancellationToken).ConfigureAwait(false))
            {
                inserted.Add(reader.GetGuid(0));
            }
        }
        while (async ? await reader.NextResultAsync(cancellationToken).ConfigureAwait(false) : reader.NextResult());

        return inserted;
    }

    private static void AppendInsert(StringBuilder sql, DbCommand command, OutboxTableMapping table, IEnumerable<object> rows)
        => AppendRows(sql.Append("INSERT INTO ").Append(table.InsertTarget).Append(" VALUES "), command, table, rows).Append(";\n");

    private static StringBuilder AppendRows(StringBuilder sql, DbCommand command, OutboxTableMapping table, IEnumerable<object> rows)
    {
        var first = true;
        foreach (var row in rows)
        {
            AppendRow(sql.Append(first ? "" : ", "), command, table, row);
            first = false;
        }

        return sql;
    }
}
