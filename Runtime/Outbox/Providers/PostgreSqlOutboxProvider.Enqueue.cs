using System;
using System.Collections.Concurrent;
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
/// statement, not thousands of placeholders) and the driver binds a few arrays instead of a parameter per value. A few
/// messages (one per transaction above all) are cheaper as a <c>VALUES</c> list with a parameter per value.
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

        if (messages.Count is > 0 and <= InsertStatement.MaxValuesMessages && recipients.Count <= InsertStatement.MaxValuesRecipients)
        {
            command.CommandText = insert.Values(keyed, messages.Count, recipients.Count);
            AddRows(command, mapping.Messages, messages);
            AddRows(command, mapping.Recipients, recipients);
        }
        else
        {
            command.CommandText = keyed ? insert.Keyed : insert.Plain;
            AddColumnArrays(command, "m", insert.Messages, messages);
            AddColumnArrays(command, "r", insert.Recipients, recipients);
        }

        await PrepareAsync(context, command, async, cancellationToken).ConfigureAwait(false);
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

    /// <summary>
    /// Prepares the insert where the context prepares statements (<see cref="TypedMailDbContextOptions.PrepareStatements"/>).
    /// Npgsql keeps a prepared statement on the physical connection, across its returns to the pool, and finds it again
    /// by its text and parameter types: only the first preparation of a text on a connection goes to the server, which
    /// then parses and plans it no more. The texts are few: the two array forms and the <c>VALUES</c> forms, bounded by
    /// <see cref="InsertStatement.MaxValuesMessages"/> and <see cref="InsertStatement.MaxValuesRecipients"/>.
    /// </summary>
    private static async Task PrepareAsync(DbContext context, DbCommand command, bool async, CancellationToken cancellationToken)
    {
        if (TypedMailOptionsExtension.Of(context)?.PrepareStatements is false)
        {
            return;
        }

        if (async)
        {
            await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            command.Prepare();
        }
    }

    /// <summary>Adds one parameter per value of <paramref name="rows"/>, row by row, numbered on from the command's parameters: <c>@p0…</c>.</summary>
    private static void AddRows<TRow>(DbCommand command, OutboxTableMapping table, IReadOnlyList<TRow> rows)
        where TRow : class
    {
        foreach (var row in rows)
        {
            foreach (var column in table.Columns)
            {
                column.AddParameter(command, "@p" + command.Parameters.Count.ToString(CultureInfo.InvariantCulture), row);
            }
        }
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
    /// The inserts of a model's outbox tables, each followed by <c>NOTIFY</c>: two plain inserts when no message has an
    /// idempotency key (the cheapest to plan, which counts at one message per transaction), and the keyed form that skips
    /// stored keys and returns the messages it inserted. Each reads its rows either from array parameters, <c>@m0…</c>
    /// and <c>@r0…</c>, <c>unnest</c>ed (one text whatever the count), or, for a few messages, from a <c>VALUES</c> list
    /// with a parameter per value, <c>@p0…</c> (one text per count, kept): at one message per transaction the server
    /// parses and plans that faster than the <c>unnest</c> of about 30 arrays.
    /// </summary>
    private sealed class InsertStatement
    {
        /// <summary>The most messages, and recipients, written from a <c>VALUES</c> list rather than arrays.</summary>
        public const int MaxValuesMessages = 4, MaxValuesRecipients = 16;

        private readonly OutboxRowMapping mapping;
        private readonly string[] recipientColumns;
        private readonly ConcurrentDictionary<(bool Keyed, int Messages, int Recipients), string> values = new();

        public InsertStatement(OutboxRowMapping mapping)
        {
            this.mapping = mapping;
            Messages = System.Array.ConvertAll(mapping.Messages.Columns, ArrayColumn.Of);
            Recipients = System.Array.ConvertAll(mapping.Recipients.Columns, ArrayColumn.Of);
            recipientColumns = System.Array.ConvertAll(mapping.Recipients.Columns, c => Quote(c.Name));
            var messages = $"unnest({Parameters("m", Messages.Length)})";
            var recipients = $"unnest({Parameters("r", Recipients.Length)})";
            Plain = PlainText("SELECT * FROM " + messages, "SELECT * FROM " + recipients);
            Keyed = KeyedText("SELECT * FROM " + messages, recipients);
        }

        /// <summary>For messages without idempotency keys, from arrays.</summary>
        public string Plain { get; }

        /// <summary>For a save with at least one idempotency key, from arrays; returns the keys of the messages inserted.</summary>
        public string Keyed { get; }

        public ArrayColumn[] Messages { get; }

        public ArrayColumn[] Recipients { get; }

        /// <summary>The plain or keyed form reading <paramref name="messages"/> rows, then <paramref name="recipients"/> rows, from <c>VALUES</c> lists.</summary>
        public string Values(bool keyed, int messages, int recipients)
            => values.GetOrAdd((keyed, messages, recipients), static (shape, self) =>
            {
                var messageRows = Rows(0, self.Messages.Length, shape.Messages);
                var recipientRows = shape.Recipients == 0 ? null : Rows(shape.Messages * self.Messages.Length, self.Recipients.Length, shape.Recipients);
                return shape.Keyed ? self.KeyedText(messageRows, recipientRows is null ? null : "(" + recipientRows + ")") : self.PlainText(messageRows, recipientRows);
            }, this);

        private static string Quote(string name) => "\"" + name + "\"";

        private static string Parameters(string prefix, int count)
            => string.Join(", ", Enumerable.Range(0, count).Select(i => "@" + prefix + i.ToString(CultureInfo.InvariantCulture)));

        /// <summary><c>VALUES (@p<i>first</i>, …), …</c>: <paramref name="rows"/> rows of <paramref name="columns"/> parameters numbered on from <paramref name="first"/>.</summary>
        private static string Rows(int first, int columns, int rows)
            => "VALUES " + string.Join(", ", Enumerable.Range(0, rows).Select(row => "(" + string.Join(", ", Enumerable.Range(first + (row * columns), columns)
                    .Select(i => "@p" + i.ToString(CultureInfo.InvariantCulture))) + ")"));

        /// <summary>The plain inserts: <paramref name="messageRows"/> and <paramref name="recipientRows"/> are each a query or <c>VALUES</c> list.</summary>
        private string PlainText(string messageRows, string? recipientRows)
            => $"""
                INSERT INTO {mapping.Messages.InsertTarget} {messageRows};
                {(recipientRows is null ? "" : $"INSERT INTO {mapping.Recipients.InsertTarget} {recipientRows};")}
                {Notify}
                """;

        /// <summary>The keyed insert: <paramref name="messageRows"/> is a query or <c>VALUES</c> list, <paramref name="recipients"/> a <c>FROM</c> item.</summary>
        private string KeyedText(string messageRows, string? recipients)
        {
            var key = Quote(mapping.MessageKey);
            var recipientKey = Quote(mapping.Recipients.Column(nameof(OutboxRecipient.OutboxMessageId)));
            return $"""
                WITH m AS (
                    INSERT INTO {mapping.Messages.InsertTarget}
                    {messageRows}
                    ON CONFLICT ({key}) DO NOTHING RETURNING {key}){(recipients is null ? "" : $"""
                ,
                r AS (
                    INSERT INTO {mapping.Recipients.InsertTarget}
                    SELECT v.* FROM {recipients} AS v ({string.Join(", ", recipientColumns)})
                    WHERE v.{recipientKey} IN (SELECT {key} FROM m))
                """)}
                SELECT {key} FROM m;
                {Notify}
                """;
        }
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
