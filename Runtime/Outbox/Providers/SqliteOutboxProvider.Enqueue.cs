using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;

namespace TypedMail.Outbox.Providers;

/// <summary>
/// SQLite enqueue: two prepared statements, <c>INSERT … ON CONFLICT DO NOTHING RETURNING</c> for each message and
/// <c>INSERT</c> for each recipient of the messages inserted, run once per row in the caller's transaction. SQLite runs
/// in-process, so a row costs no round trip, and a prepared one-row statement binds its few parameters by name faster
/// than a multi-row one binds thousands. SQLite has one writer, so a concurrent enqueue of the same key waits for the
/// file's write lock and then sees the row.
/// </summary>
internal sealed partial class SqliteOutboxProvider
{
    public override bool InsertIsAtomic => false;

    public override async Task<HashSet<Guid>> InsertMessagesAsync(DbContext context, IReadOnlyList<OutboxMessage> messages, DbTransaction? transaction, bool async, CancellationToken cancellationToken)
    {
        var mapping = OutboxRowMapping.For(context);
        var inserted = new HashSet<Guid>();
        await using (var command = CreateCommand(context, transaction))
        {
            command.CommandText = $"INSERT INTO {mapping.Messages.InsertTarget} VALUES {Placeholders(mapping.Messages)} ON CONFLICT (\"{mapping.MessageKey}\") DO NOTHING RETURNING \"{mapping.MessageKey}\"";
            foreach (var message in messages)
            {
                Bind(command, mapping.Messages, message);
                var id = async ? await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) : command.ExecuteScalar();
                if (id is not null)
                {
                    inserted.Add(message.Id);
                }
            }
        }

        await using (var command = CreateCommand(context, transaction))
        {
            command.CommandText = $"INSERT INTO {mapping.Recipients.InsertTarget} VALUES {Placeholders(mapping.Recipients)}";
            foreach (var recipient in messages.Where(m => inserted.Contains(m.Id)).SelectMany(m => m.Recipients))
            {
                Bind(command, mapping.Recipients, recipient);
                await ExecuteNonQueryAsync(command, async, cancellationToken).ConfigureAwait(false);
            }
        }

        return inserted;
    }

    private static string Placeholders(OutboxTableMapping table)
        => "(" + string.Join(", ", Enumerable.Range(0, table.Columns.Length).Select(i => "@p" + i.ToString(CultureInfo.InvariantCulture))) + ")";

    /// <summary>Sets the statement's parameters to <paramref name="row"/>'s values, creating and preparing them the first time.</summary>
    private static void Bind(DbCommand command, OutboxTableMapping table, object row)
    {
        if (command.Parameters.Count == 0)
        {
            for (var i = 0; i < table.Columns.Length; i++)
            {
                table.Columns[i].AddParameter(command, "@p" + i.ToString(CultureInfo.InvariantCulture), row);
            }

            command.Prepare();
            return;
        }

        for (var i = 0; i < table.Columns.Length; i++)
        {
            command.Parameters[i].Value = table.Columns[i].ProviderValue(row) ?? DBNull.Value;
        }
    }
}
