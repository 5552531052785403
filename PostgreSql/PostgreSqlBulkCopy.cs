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
    public override async Task CopyAsync(DbConnection connection, OutboxRowMapping mapping, IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken)
    {
        var npgsql = (NpgsqlConnection)connection;
        await CopyAsync(npgsql, mapping.Messages, messages, cancellationToken).ConfigureAwait(false);
        await CopyAsync(npgsql, mapping.Recipients, messages.SelectMany(m => m.Recipients), cancellationToken).ConfigureAwait(false);
    }

    private static async Task CopyAsync(NpgsqlConnection connection, OutboxTableMapping table, IEnumerable<object> rows, CancellationToken cancellationToken)
    {
        var types = Array.ConvertAll(table.Columns, TypeOf);
        var importer = await connection.BeginBinaryImportAsync($"COPY {table.InsertTarget} FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
        await using (importer.ConfigureAwait(false))
        {
            foreach (var row in rows)
            {
                await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                for (var i = 0; i < types.Length; i++)
                {
                    if (table.Columns[i].ProviderValue(row) is { } value)
                    {
                        await importer.WriteAsync(value, types[i], cancellationToken).ConfigureAwait(false);
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

    /// <summary>The wire type of a column, from the provider type its mapping stores.</summary>
    private static NpgsqlDbType TypeOf(OutboxColumn column)
    {
        var type = column.Mapping.Converter?.ProviderClrType ?? column.Mapping.ClrType;
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type switch
        {
            _ when type == typeof(string) => NpgsqlDbType.Text,
            _ when type == typeof(Guid) => NpgsqlDbType.Uuid,
            _ when type == typeof(int) => NpgsqlDbType.Integer,
            _ when type == typeof(long) => NpgsqlDbType.Bigint,
            _ when type == typeof(double) => NpgsqlDbType.Double,
            _ when type == typeof(bool) => NpgsqlDbType.Boolean,
            _ when type == typeof(byte[]) => NpgsqlDbType.Bytea,
            _ when type == typeof(DateTime) => column.Mapping.StoreType.StartsWith("timestamp with", StringComparison.Ordinal) ? NpgsqlDbType.TimestampTz : NpgsqlDbType.Timestamp,
            _ => throw new NotSupportedException($"Column {column.Name} holds {type}, which bulk enqueue cannot copy."),
        };
    }
}
