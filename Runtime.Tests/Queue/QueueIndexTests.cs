using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using TypedMail.Cli.Commands;
using TypedMail.Dispatch;
using TypedMail.Outbox;
using TypedMail.Runtime.Tests.Emails;
using TypedMail.Runtime.Tests.Infrastructure;
using TypedMail.Transports;

namespace TypedMail.Runtime.Tests.Queue;

public sealed class QueueIndexTestsSqlite() : QueueIndexTests(new SqliteShop());

[Collection(PostgresCollection.Name)]
public sealed class QueueIndexTestsPostgres(PostgresCluster cluster) : QueueIndexTests(new PostgresShop(cluster));

/// <summary>
/// The hot tables keep few indexes, each holding only the rows its queries read: every query TypedMail sends through
/// EF Core to the message and recipient tables still reads them through an index, never by scanning the table.
/// </summary>
public abstract partial class QueueIndexTests(ShopDatabase shop) : IDisposable
{
    protected ShopDatabase Shop { get; } = shop;

    public void Dispose() => Shop.Dispose();

    [Fact]
    public async Task Enqueue_dispatch_lookup_by_message_id_retry_and_purge_read_the_hot_tables_through_indexes()
    {
        var commands = new CommandRecorder();
        Shop.ConfigureContext = b => b.AddInterceptors(commands);
        var transport = new ScriptedTransport
        {
            Answer = email => email.Recipients.Count == 2
                ? SendResult.FailedForAll(email, DeliveryStatus.PermanentFailure, new TransportReply(550, "5.1.1", "no such user"), null)
                : SendResult.AcceptedForAll(email, ScriptedTransport.Ok),
        };

        Guid sent, failed;
        await using (var db = Shop.CreateDbContext())
        {
            sent = db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "A-1", 1m), to: "ada@example.com").Id;
            failed = db.Emails().Enqueue(new OrderConfirmationEmail("Bob", "A-2", 2m), to: "bob@example.com", new EnqueueOptions { Cc = ["cy@example.com"] }).Id;
            await db.SaveChangesAsync();
        }

        var summary = await new OutboxDispatcher<ShopContext>(Shop, transport, new DispatcherOptions()).DispatchDueAsync();
        Assert.Equal((1, 1), (summary.Sent, summary.Failed));

        await using (var db = Shop.CreateDbContext())
        {
            var messageId = (await db.Set<OutboxMessage>().SingleAsync(m => m.Id == sent)).MessageId;
            Assert.Equal(sent, OutboxMessage.KeyOfMessageId("<" + messageId + ">"));
            Assert.Null(OutboxMessage.KeyOfMessageId("ada@example.com"));
            var shown = await ShowCommand.FindAsync(db, messageId, CancellationToken.None);
            Assert.Equal(["ada@example.com"], shown!.Recipients.Select(r => r.Address));
            Assert.Null(await ShowCommand.FindAsync(db, messageId.Replace("@", "@not.", StringComparison.Ordinal), CancellationToken.None));

            Assert.True(await OutboxMaintenance.RequeueAsync(db, failed));
            var purged = await OutboxMaintenance.PurgeAsync(db, DateTimeOffset.UtcNow.AddDays(1), includeFailed: true);
            Assert.Equal(1, purged.Messages);
        }

        Shop.ConfigureContext = null;
        var scans = new List<string>();
        var explained = 0;
        foreach (var command in commands.Recorded.Where(c => HotTable().IsMatch(c.Text) && !c.Text.TrimStart().StartsWith("INSERT", StringComparison.OrdinalIgnoreCase)))
        {
            explained++;
            foreach (var line in await ExplainAsync(command))
            {
                if (FullScan(command.Text, line) is { } table)
                {
                    scans.Add($"{table}: {line.Trim()}\n  in: {command.Text}");
                }
            }
        }

        Assert.True(explained >= 6, $"Only {explained} statements on the hot tables were recorded.");
        Assert.True(scans.Count == 0, "Full scans of a hot table:\n" + string.Join("\n", scans));
    }

    /// <summary>The plan of one recorded statement, on a connection of its own (PostgreSQL with sequential scans ruled out where an index serves).</summary>
    private async Task<List<string>> ExplainAsync(RecordedCommand command)
    {
        await using var db = Shop.CreateDbContext();
        await db.Database.OpenConnectionAsync();
        var connection = db.Database.GetDbConnection();
        var sqlite = Shop.Provider == "sqlite";
        if (!sqlite)
        {
            await db.Database.ExecuteSqlRawAsync("SET enable_seqscan = off");
        }

        await using var explain = connection.CreateCommand();
        explain.CommandText = (sqlite ? "EXPLAIN QUERY PLAN " : "EXPLAIN ") + command.Text;
        foreach (var recorded in command.Parameters)
        {
            // Npgsql's parameters clone with their types (arrays above all); a plan on SQLite needs only the names.
            var parameter = recorded is ICloneable cloneable ? (DbParameter)cloneable.Clone() : explain.CreateParameter();
            parameter.ParameterName = recorded.ParameterName;
            parameter.Value = recorded.Value;
            explain.Parameters.Add(parameter);
        }

        var lines = new List<string>();
        await using var reader = await explain.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(sqlite ? 3 : 0));
        }

        return lines;
    }

    /// <summary>The hot table a plan line scans in full, or null: SQLite's <c>SCAN alias</c> without an index, PostgreSQL's <c>Seq Scan on table</c>.</summary>
    private static string? FullScan(string sql, string line)
    {
        if (SeqScan().Match(line) is { Success: true } seq)
        {
            return HotTable().IsMatch(seq.Groups[1].Value) ? seq.Groups[1].Value : null;
        }

        if (SqliteScan().Match(line) is not { Success: true } scan || line.Contains(" USING ", StringComparison.Ordinal))
        {
            return null;
        }

        var name = scan.Groups[1].Value;
        var aliased = Regex.Match(sql, "\"?(typedmail_\\w+)\"?\\s+(?:AS\\s+)?\"?" + Regex.Escape(name) + "\"?\\b");
        var table = name.StartsWith("typedmail_", StringComparison.Ordinal) ? name : aliased.Success ? aliased.Groups[1].Value : "";
        return HotTable().IsMatch(table) ? table : null;
    }

    [GeneratedRegex(@"\btypedmail_(messages|recipients)\b")]
    private static partial Regex HotTable();

    [GeneratedRegex(@"Seq Scan on (\w+)")]
    private static partial Regex SeqScan();

    [GeneratedRegex(@"^\W*SCAN (\w+)")]
    private static partial Regex SqliteScan();
}
