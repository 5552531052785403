using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;

namespace TypedMail.Outbox.Providers;

/// <summary>
/// SQLite enqueue: one multi-row <c>INSERT … ON CONFLICT DO NOTHING RETURNING</c> for the messages, one multi-row
/// <c>INSERT</c> for the recipients of those inserted, in the caller's transaction (SQLite has one writer, so a
/// concurrent enqueue of the same key waits for the file's write lock and then sees the row).
/// </summary>
internal sealed partial class SqliteOutboxProvider
{
    // SQLite's default limit on parameters in one statement is 32,766.
    private const int MaxParameters = 32_000;

    public override bool InsertIsAtomic => false;

    public override async Task<HashSet<Guid>> InsertMessagesAsync(DbContext context, IReadOnlyList<OutboxMessage> messages, bool async, CancellationToken cancellationToken)
    {
        var mapping = OutboxRowMapping.For(context);
        var inserted = new HashSet<Guid>();
        foreach (var chunk in messages.Chunk(MaxParameters / mapping.Messages.Columns.Length))
        {
            await using var command = CreateCommand(context);
            var sql = new StringBuilder("INSERT INTO ").Append(mapping.Messages.InsertTarget).Append(" VALUES ");
            for (var i = 0; i < chunk.Length; i++)
            {
                AppendRow(sql.Append(i == 0 ? "" : ", "), command, mapping.Messages, chunk[i]);
            }

            command.CommandText = sql.Append(" ON CONFLICT (\"").Append(mapping.MessageKey).Append("\") DO NOTHING RETURNING \"").Append(mapping.MessageKey).Append('"').ToString();
            await using var reader = await ExecuteReaderAsync(command, async, cancellationToken).ConfigureAwait(false);
            while (await ReadAsync(reader, async, cancellationToken).ConfigureAwait(false))
            {
                inserted.Add(reader.GetGuid(0));
            }
        }

        var recipients = messages.Where(m => inserted.Contains(m.Id)).SelectMany(m => m.Recipients);
        foreach (var chunk in recipients.Chunk(MaxParameters / mapping.Recipients.Columns.Length))
        {
            await using var command = CreateCommand(context);
            var sql = new StringBuilder("INSERT INTO ").Append(mapping.Recipients.InsertTarget).Append(" VALUES ");
            for (var i = 0; i < chunk.Length; i++)
            {
                AppendRow(sql.Append(i == 0 ? "" : ", "), command, mapping.Recipients, chunk[i]);
            }

            command.CommandText = sql.ToString();
            await ExecuteNonQueryAsync(command, async, cancellationToken).ConfigureAwait(false);
        }

        return inserted;
    }
}
