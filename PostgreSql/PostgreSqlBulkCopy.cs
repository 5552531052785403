using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using NpgsqlTypes;
using TypedMail.Outbox;
using TypedMail.Outbox.Providers;

namespace TypedMail.PostgreSql;

/// <summary>
/// Bulk enqueue on PostgreSQL: binary <c>COPY … FROM STDIN</c> of the message rows, then of the recipient rows, on the
/// context's connection (so in its transaction). TypedMail finds this type by name when the package is referenced.
/// </summary>
internal sealed class PostgreSqlBulkCopy : OutboxBulkCopy
{
    public override async Task<int> CopyAsync(DbConnection connection, OutboxRowMapping mapping, IEnumerable<OutboxMessage> messages, CancellationToken cancellationToken)
    {
        var npgsql = (NpgsqlConnection)connection;
        var recipients = new List<OutboxRecipient>();
        var written = 0;
        await CopyAsync(npgsql, mapping.Messages, Collect(messages), cancellationToken).ConfigureAwait(false);
        await CopyAsync(npgsql, mapping.Recipients, recipients, cancellationToken).ConfigureAwait(false);
        return written;

        // The recipients are kept for their own copy, after the messages they refer to; the messages are not.
        IEnumerable<OutboxMessage> Collect(IEnumerable<OutboxMessage> all)
        {
            foreach (var message in all)
            {
                recipients.AddRange(message.Recipients);
                written++;
                yield return message;
            }
        }
    }

    private static async Task CopyAsync(NpgsqlConnection connection, OutboxTableMapping table, IEnumerable<object> rows, CancellationToken cancellationToken)
    {
        var writers = Array.ConvertAll(table.Columns, WriterOf);
        var importer = await connection.BeginBinaryImportAsync($"COPY {table.InsertTarget} FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
        await using (importer.ConfigureAwait(false))
        {
            foreach (var row in rows)
            {
                await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                for (var i = 0; i < writers.Length; i++)
                {
                    if (table.Columns[i].ProviderValue(row) is { } value)
                    {
                        await writers[i](importer, value, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        await importer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                    }
                }
            }

            await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Writes a column's value with its wire type, through Npgsql's typed (generic) write, which resolves its converter
    /// once per type rather than once per value.
    /// </summary>
    private static Func<NpgsqlBinaryImporter, object, CancellationToken, Task> WriterOf(OutboxColumn column)
    {
        var type = column.Mapping.Converter?.ProviderClrType ?? column.Mapping.ClrType;
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type switch
        {
            _ when type == typeof(string) => static (w, v, ct) => w.WriteAsync((string)v, NpgsqlDbType.Text, ct),
            _ when type == typeof(Guid) => static (w, v, ct) => w.WriteAsync((Guid)v, NpgsqlDbType.Uuid, ct),
            _ when type == typeof(int) => static (w, v, ct) => w.WriteAsync((int)v, NpgsqlDbType.Integer, ct),
            _ when type == typeof(long) => static (w, v, ct) => w.WriteAsync((long)v, NpgsqlDbType.Bigint, ct),
            _ when type == typeof(double) => static (w, v, ct) => w.WriteAsync((double)v, NpgsqlDbType.Double, ct),
            _ when type == typeof(bool) => static (w, v, ct) => w.WriteAsync((bool)v, NpgsqlDbType.Boolean, ct),
            _ when type == typeof(byte[]) => static (w, v, ct) => w.WriteAsync((byte[])v, NpgsqlDbType.Bytea, ct),
            _ when type == typeof(DateTime) && column.Mapping.StoreType.StartsWith("timestamp with", StringComparison.Ordinal)
                => static (w, v, ct) => w.WriteAsync((DateTime)v, NpgsqlDbType.TimestampTz, ct),
            _ when type == typeof(DateTime) => static (w, v, ct) => w.WriteAsync((DateTime)v, NpgsqlDbType.Timestamp, ct),
            _ => throw new NotSupportedException($"Column {column.Name} holds {type}, which bulk enqueue cannot copy."),
        };
    }
}
