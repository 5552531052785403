using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using TypedMail.Outbox;
using TypedMail.Outbox.Providers;
using TypedMail.Runtime.Tests.Emails;
using TypedMail.Runtime.Tests.Infrastructure;

namespace TypedMail.Runtime.Tests.Queue;

/// <summary>The PostgreSQL claim: one statement, one round trip, and an ordered index scan that stops after a batch.</summary>
[Collection(PostgresCollection.Name)]
public sealed class QueueClaimPlanTestsPostgres(PostgresCluster cluster) : IDisposable
{
    private readonly PostgresShop _shop = new(cluster);

    public void Dispose() => _shop.Dispose();

    [Fact]
    public async Task The_claim_is_one_statement_outside_any_transaction()
    {
        await using (var db = _shop.CreateDbContext())
        {
            db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "C-1", 1m), to: "ada@example.com");
            await db.SaveChangesAsync();
        }

        var commands = new CommandRecorder();
        _shop.ConfigureContext = b => b.AddInterceptors(commands);
        await using (var db = _shop.CreateDbContext())
        {
            var claimed = await OutboxProvider.For(db).ClaimAsync(db, "one", Guid.NewGuid(), 10, DateTime.UtcNow, DateTime.UtcNow.AddMinutes(5), CancellationToken.None);
            Assert.Single(claimed);
        }

        var command = Assert.Single(commands.Recorded);
        Assert.StartsWith("UPDATE typedmail_messages", command.Text.TrimStart(), StringComparison.Ordinal);
        Assert.False(command.InTransaction);
    }

    [Fact]
    public async Task Statistics_that_predate_the_backlog_do_not_turn_the_claim_into_a_sort()
    {
        await using (var db = _shop.CreateDbContext())
        {
            db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "P-1", 1m), to: "ada@example.com");
            await db.SaveChangesAsync();
        }

        await using var connection = new NpgsqlConnection(_shop.ConnectionString);
        await connection.OpenAsync();

        // 20,000 messages scheduled for an hour from now, analyzed so; then they fall due before autovacuum analyzes
        // the table again. The statistics say almost nothing is due: a planner that trusts them sorts the whole backlog.
        await ExecuteAsync(connection, """
            ALTER TABLE typedmail_messages SET (autovacuum_enabled = false);
            INSERT INTO typedmail_messages
            SELECT r.* FROM typedmail_messages AS m, generate_series(1, 20000) AS i,
                LATERAL jsonb_populate_record(m, jsonb_build_object(
                    'id', gen_random_uuid(), 'message_id', 'plan-' || i || '@example.com', 'state', 3,
                    'due_at', now() + interval '1 hour' + i * interval '1 millisecond')) AS r;
            ANALYZE typedmail_messages;
            UPDATE typedmail_messages SET due_at = due_at - interval '2 hours';
            """);

        await using var explain = new NpgsqlCommand("EXPLAIN " + PostgreSqlOutboxProvider.ClaimSql(50), connection);
        explain.Parameters.AddWithValue("owner", "plan");
        explain.Parameters.AddWithValue("lease_token", Guid.NewGuid());
        explain.Parameters.AddWithValue("now", DateTimeOffset.UtcNow);
        explain.Parameters.AddWithValue("lease_until", DateTimeOffset.UtcNow.AddMinutes(5));
        var plan = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(0));
            }
        }

        var text = string.Join("\n", plan);
        Assert.Contains("Index Scan using ix_typedmail_messages_claim", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Sort", text, StringComparison.Ordinal);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
