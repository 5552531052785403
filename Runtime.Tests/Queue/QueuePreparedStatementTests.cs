using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using TypedMail.Dispatch;
using TypedMail.Outbox;
using TypedMail.Outbox.Providers;
using TypedMail.Runtime.Tests.Emails;
using TypedMail.Runtime.Tests.Infrastructure;

namespace TypedMail.Runtime.Tests.Queue;

/// <summary>
/// PostgreSQL: TypedMail prepares its enqueue statements on each connection (unless turned off), and they keep working
/// across what applications do: migrations, broken connections, many contexts at once.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class QueuePreparedStatementTests(PostgresCluster cluster) : IDisposable
{
    private readonly PostgresShop _shop = new(cluster);

    public void Dispose() => _shop.Dispose();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Enqueue_statements_run_prepared_on_the_connection_only_when_the_option_is_on(bool prepare)
    {
        await using var db = _shop.CreateDbContext(o => o.PrepareStatements = prepare);
        await db.Database.OpenConnectionAsync();
        var provider = OutboxProvider.For(db);
        for (var round = 1; round <= 2; round++)
        {
            // The second round's message has a reply-to address where the first has none: the same statements still fit.
            var id = db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "P-" + round, 1m), to: "ada@example.com",
                new EnqueueOptions { ReplyTo = round == 2 ? EmailAddress.Parse("help@example.com") : null }).Id;
            await db.SaveChangesAsync();
            var token = Guid.NewGuid();
            var message = Assert.Single(await provider.ClaimAsync(db, "prepared", token, 10, DateTime.UtcNow.AddMinutes(1), DateTime.UtcNow.AddMinutes(5), CancellationToken.None));
            Assert.Equal((id, "prepared", (Guid?)token, OutboxMessageState.Sending), (message.Id, message.LeaseOwner, message.LeaseToken, message.State));
            Assert.Equal(round == 2 ? "help@example.com" : null, message.ReplyTo);
            (message.State, message.AttemptCount, message.SentAt, message.LeaseOwner, message.LeaseExpiresAt) = (OutboxMessageState.Sent, 1, DateTime.UtcNow, null, null);
            var written = await provider.WriteOutcomesAsync(db, token, new OutcomeBatch([message], [], []), CancellationToken.None);
            Assert.Equal([id], written);
        }

        Assert.Equal(2, await db.Set<OutboxMessage>().CountAsync(m => m.State == OutboxMessageState.Sent));
        var prepared = await PreparedStatementsAsync(db);
        if (!prepare)
        {
            Assert.Empty(prepared);
            return;
        }

        // Each insert was prepared once and ran prepared in both rounds; the claim and the outcome write are not prepared.
        Assert.Equal(2, Assert.Single(prepared, s => s.Text.StartsWith("INSERT INTO \"typedmail_messages\"", StringComparison.Ordinal)).Executions);
        Assert.Equal(2, Assert.Single(prepared, s => s.Text.StartsWith("INSERT INTO \"typedmail_recipients\"", StringComparison.Ordinal)).Executions);
        Assert.DoesNotContain(prepared, s => s.Text.Contains("typedmail_messages AS", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Inserts_prepared_before_a_migration_insert_after_it()
    {
        await using var db = _shop.CreateDbContext();
        await db.Database.OpenConnectionAsync();
        db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "M-1", 1m), to: "ada@example.com");
        await db.SaveChangesAsync();

        // A migration adds a column and changes the type of one the prepared insert writes: the server plans it again.
        await using (var migration = new NpgsqlConnection(_shop.ConnectionString))
        {
            await migration.OpenAsync();
            await using var alter = new NpgsqlCommand(
                "ALTER TABLE typedmail_messages ADD COLUMN note text; ALTER TABLE typedmail_messages ALTER COLUMN last_error TYPE varchar(4000)", migration);
            await alter.ExecuteNonQueryAsync();
        }

        var id = db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "M-2", 1m), to: "ada@example.com").Id;
        await db.SaveChangesAsync();
        Assert.Equal(2, await db.Set<OutboxMessage>().CountAsync());
        Assert.Equal(2, Assert.Single(await PreparedStatementsAsync(db), s => s.Text.StartsWith("INSERT INTO \"typedmail_messages\"", StringComparison.Ordinal)).Executions);
        Assert.Contains(await ClaimAsync(db), m => m.Id == id);
    }

    [Fact]
    public async Task A_connection_the_server_dropped_is_replaced_and_its_statements_prepared_again()
    {
        int backend;
        await using (var db = _shop.CreateDbContext())
        {
            await db.Database.OpenConnectionAsync();
            db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "B-1", 1m), to: "ada@example.com");
            await db.SaveChangesAsync();
            backend = await BackendAsync(db);
        }

        // Not from the pool, which holds the connection to drop.
        await using (var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_shop.ConnectionString) { Pooling = false }.ConnectionString))
        {
            await admin.OpenAsync();
            await using var terminate = new NpgsqlCommand($"SELECT pg_terminate_backend({backend}, 5000)", admin);
            Assert.True((bool)(await terminate.ExecuteScalarAsync())!);
        }

        // The pooled connection is dead: the first command on it fails (as any would; the application retries a save
        // as after any outage), and the pool drops it.
        await using (var db = _shop.CreateDbContext())
        {
            var failure = await Record.ExceptionAsync(() => BackendAsync(db));
            Assert.True(failure is null || DatabaseErrors.IsUnavailable(failure), failure?.ToString());
        }

        await using (var db = _shop.CreateDbContext())
        {
            await db.Database.OpenConnectionAsync();
            db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "B-2", 1m), to: "ada@example.com");
            await db.SaveChangesAsync();
            Assert.NotEqual(backend, await BackendAsync(db));
            Assert.Single(await PreparedStatementsAsync(db), s => s.Text.StartsWith("INSERT INTO \"typedmail_messages\"", StringComparison.Ordinal));
            Assert.Equal(2, await db.Set<OutboxMessage>().CountAsync());
        }
    }

    [Fact]
    public async Task Many_contexts_at_once_enqueue_and_claim_every_message_once()
    {
        const int Contexts = 8, PerContext = 30;
        await Task.WhenAll(Enumerable.Range(0, Contexts).Select(async c =>
        {
            await using var db = _shop.CreateDbContext();
            for (var i = 0; i < PerContext; i++)
            {
                // Saves of 1 to 6 messages: the VALUES statements of several sizes and the unnest one.
                db.Emails().Enqueue(new OrderConfirmationEmail("Ada", $"C-{c}-{i}", 1m), to: "ada@example.com");
                if (i % 6 == c % 6)
                {
                    await db.SaveChangesAsync();
                }
            }

            await db.SaveChangesAsync();
        }));

        var claimed = new List<Guid>();
        await Task.WhenAll(Enumerable.Range(0, Contexts).Select(async _ =>
        {
            while (true)
            {
                await using var db = _shop.CreateDbContext();
                var batch = await ClaimAsync(db, 7);
                if (batch.Count == 0)
                {
                    return;
                }

                lock (claimed)
                {
                    claimed.AddRange(batch.Select(m => m.Id));
                }
            }
        }));

        Assert.Equal(Contexts * PerContext, claimed.Count);
        Assert.Equal(claimed.Count, claimed.Distinct().Count());
    }

    private static Task<List<OutboxMessage>> ClaimAsync(ShopContext db, int max = 10)
        => OutboxProvider.For(db).ClaimAsync(db, "prepared", Guid.NewGuid(), max, DateTime.UtcNow.AddMinutes(1), DateTime.UtcNow.AddMinutes(5), CancellationToken.None);

    private static async Task<int> BackendAsync(ShopContext db)
        => (await db.Database.SqlQueryRaw<int>("SELECT pg_backend_pid() AS \"Value\"").ToListAsync()).Single();

    /// <summary>The statements prepared over the protocol on the context's (open) connection, with how often each ran.</summary>
    private static async Task<List<(string Text, long Executions)>> PreparedStatementsAsync(ShopContext db)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = "SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements WHERE NOT from_sql";
        var statements = new List<(string, long)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            statements.Add((reader.GetString(0).TrimStart(), reader.GetInt64(1)));
        }

        return statements;
    }
}
