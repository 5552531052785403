using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Globalization;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;

namespace TypedMail.Outbox.Providers;

/// <summary>
/// PostgreSQL enqueue: one round trip, whatever the number of messages. Each column travels as one array parameter,
/// <c>unnest</c>ed into the insert, so the statements' text depends only on the model (the server parses a short
/// statement, not thousands of placeholders) and the driver binds a few arrays instead of a parameter per value.
/// Messages without idempotency keys are two plain inserts (messages, then recipients). With keys, the messages are
/// inserted with <c>ON CONFLICT DO NOTHING</c> (which waits for a concurrent transaction inserting the same key and
/// skips the row if that one commits) and, in a data-modifying <c>WITH</c>, the recipients of the messages it inserted.
/// <c>NOTIFY</c> follows in the same command.
/// </summary>
internal sealed partial class PostgreSqlOutboxProvider
{
    // Binary COPY lives in TypedMail.PostgreSql, so that TypedMail itself references no provider assembly.
    private static readonly Lazy<OutboxBulkCopy?> BulkCopy = new(() =>
        Type.GetType("TypedMail.PostgreSql.PostgreSqlBulkCopy, TypedMail.PostgreSql", throwOnError: false) is { } type
            ? (OutboxBulkCopy)Activator.CreateInstance(type, nonPublic: true)!
            : null);

    private static readonly ConditionalWeakTable<OutboxRowMapping, InsertStatement> Inserts = [];

    public override bool InsertIsAtomic => true;

    /// <summary>
    /// Bulk enqueue: binary <c>COPY</c> of the messages as they are built (the server inserts the first while the next
    /// are rendered), then of their recipients, then <c>NOTIFY</c>. A stored idempotency key fails the copy with a unique
    /// violation, which the caller undoes.
    /// </summary>
    /// <exception cref="InvalidOperationException">The TypedMail.PostgreSql package is not referenced.</exception>
    public override async Task<int> BulkInsertAsync(DbContext context, IEnumerable<OutboxMessage> messages, Dictionary<Guid, string> keys, CancellationToken cancellationToken)
    {
        var copy = BulkCopy.Value
            ?? throw new InvalidOperationException(
                "EnqueueManyAsync on PostgreSQL writes with binary COPY, which is in the TypedMail.PostgreSql package: add it to the application.");
        var written = await copy.CopyAsync(context.Database.GetDbConnection(), OutboxRowMapping.For(context), messages, cancellationToken).ConfigureAwait(false);
        if (written > 0)
        {
            await NotifyEnqueuedAsync(context, async: true, cancellationToken).ConfigureAwait(false);
        }

        return written;
    }

    public override async Task<HashSet<Guid>> InsertMessagesAsync(DbContext context, IReadOnlyList<OutboxMessage> messages, DbTransaction? transaction, bool async, CancellationToken cancellationToken)
    {
        var mapping = OutboxRowMapping.For(context);
        var recipients = new List<OutboxRecipient>(messages.Count);
        foreach (var message in messages)
        {
            recipients.AddRange(message.Recipients);
        }

        var insert = Inserts.GetValue(mapping, static m => new InsertStatement(m));
        await using var command = CreateCommand(context, transaction);
        var keyed = false;
        foreach (var message in messages)
        {
            keyed |= message.IdempotencyKey is not null;
        }

        command.CommandText = keyed ? insert.Keyed : insert.Plain;
        AddColumnArrays(command, "m", insert.Messages, messages);
        AddColumnArrays(command, "r", insert.Recipients, recipients);
        var inserted = new HashSet<Guid>();
        if (!keyed)
        {
            // No key can be taken: nothing to skip.
            await ExecuteNonQueryAsync(command, async, cancellationToken).ConfigureAwait(false);
            inserted.UnionWith(messages.Select(m => m.Id));
            return inserted;
        }

        await using var reader = await ExecuteReaderAsync(command, async, cancellationToken).ConfigureAwait(false);
        while (await ReadAsync(reader, async, cancellationToken).ConfigureAwait(false))
        {
            inserted.Add(reader.GetGuid(0));
        }

        return inserted;
    }

    /// <summary>Adds one array parameter per column, holding that column's provider values for <paramref name="rows"/>.</summary>
    private static void AddColumnArrays<TRow>(DbCommand command, string prefix, ArrayColumn[] columns, IReadOnlyList<TRow> rows)
        where TRow : class
    {
        for (var i = 0; i < columns.Length; i++)
        {
            var column = columns[i];
            var values = System.Array.CreateInstance(column.Element, rows.Count);
            for (var row = 0; row < rows.Count; row++)
            {
                var value = column.Column.ProviderValue(rows[row]);
                values.SetValue(column.Timestamptz && value is DateTime time ? Utc(time) : value, row);
            }

            command.Parameters.Add(Scalar(command, prefix + i.ToString(CultureInfo.InvariantCulture), values));
        }
    }

    /// <summary>
    /// The inserts of a model's outbox tables, each followed by <c>NOTIFY</c>, and their array parameters, <c>@m0…</c> and
    /// <c>@r0…</c>: two plain inserts when no message has an idempotency key (the cheapest to plan, which counts at one
    /// message per transaction), and the keyed form that skips stored keys and returns the messages it inserted.
    /// </summary>
    private sealed class InsertStatement
    {
        public InsertStatement(OutboxRowMapping mapping)
        {
            Messages = System.Array.ConvertAll(mapping.Messages.Columns, ArrayColumn.Of);
            Recipients = System.Array.ConvertAll(mapping.Recipients.Columns, ArrayColumn.Of);
            var key = Quote(mapping.MessageKey);
            var recipientKey = Quote(mapping.Recipients.Column(nameof(OutboxRecipient.OutboxMessageId)));
            var messageTable = mapping.Messages.InsertTarget;
            var recipientTable = mapping.Recipients.InsertTarget;
            Plain = $"""
                INSERT INTO {messageTable} SELECT * FROM unnest({Parameters("m", Messages)});
                INSERT INTO {recipientTable} SELECT * FROM unnest({Parameters("r", Recipients)});
                {Notify}
                """;
            Keyed = $"""
                WITH m AS (
                    INSERT INTO {messageTable}
                    SELECT * FROM unnest({Parameters("m", Messages)})
                    ON CONFLICT ({key}) DO NOTHING RETURNING {key}),
                r AS (
                    INSERT INTO {recipientTable}
                    SELECT v.* FROM unnest({Parameters("r", Recipients)}) AS v ({string.Join(", ", mapping.Recipients.Columns.Select(c => Quote(c.Name)))})
                    WHERE v.{recipientKey} IN (SELECT {key} FROM m))
                SELECT {key} FROM m;
                {Notify}
                """;
        }

        /// <summary>For messages without idempotency keys.</summary>
        public string Plain { get; }

        /// <summary>For a save with at least one idempotency key; returns the keys of the messages inserted.</summary>
        public string Keyed { get; }

        public ArrayColumn[] Messages { get; }

        public ArrayColumn[] Recipients { get; }

        private static string Quote(string name) => "\"" + name + "\"";

        private static string Parameters(string prefix, ArrayColumn[] columns)
            => string.Join(", ", columns.Select((_, i) => "@" + prefix + i.ToString(CultureInfo.InvariantCulture)));
    }

    /// <summary>
    /// A column as an array parameter: the array's element type, from which Npgsql infers the array type (<c>uuid[]</c>,
    /// <c>integer[]</c>, …). Times of <c>timestamp with time zone</c> columns go as <see cref="DateTimeOffset"/>, as in
    /// the outcome batch: a <see cref="DateTime"/> array, one of nulls above all, is inferred from the values' Kind.
    /// </summary>
    private sealed record ArrayColumn(OutboxColumn Column, Type Element, bool Timestamptz)
    {
        public static ArrayColumn Of(OutboxColumn column)
        {
            var type = column.Mapping.Converter?.ProviderClrType ?? column.Mapping.ClrType;
            type = Nullable.GetUnderlyingType(type) ?? type;
            type = type.IsEnum ? Enum.GetUnderlyingType(type) : type;
            var timestamptz = type == typeof(DateTime) && column.Mapping.StoreType.StartsWith("timestamp with", StringComparison.Ordinal);
            var element = timestamptz ? typeof(DateTimeOffset) : type;
            element = element.IsValueType && column.Property.IsNullable ? typeof(Nullable<>).MakeGenericType(element) : element;
            return new ArrayColumn(column, element, timestamptz);
        }
    }
}
