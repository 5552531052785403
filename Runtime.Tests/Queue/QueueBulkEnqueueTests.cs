using System;
using System.Linq;
using System.Threading.Tasks;
using System.Transactions;
using Microsoft.EntityFrameworkCore;
using TypedMail.Dispatch;
using TypedMail.Outbox;
using TypedMail.Runtime.Tests.Emails;
using TypedMail.Runtime.Tests.Infrastructure;

namespace TypedMail.Runtime.Tests.Queue;

public sealed class QueueBulkEnqueueTestsSqlite() : QueueBulkEnqueueTests(new SqliteShop())
{
    [Fact]
    public async Task Inside_a_TransactionScope_EF_Core_refuses_the_ambient_transaction_and_nothing_is_written()
    {
        // SQLite's ADO.NET provider cannot enlist in System.Transactions, and EF Core refuses an ambient transaction it
        // cannot join rather than write outside it: neither the caller's save nor the bulk write reaches the file.
        await StoreKeySevenAsync();
        using (new TransactionScope(TransactionScopeAsyncFlowOption.Enabled))
        {
            await using var db = Shop.CreateDbContext();
            db.Orders.Add(new Order { Number = "Before" });
            Assert.Contains("AmbientTransactionWarning", (await Assert.ThrowsAsync<InvalidOperationException>(() => db.SaveChangesAsync())).Message, StringComparison.Ordinal);
            Assert.Contains("AmbientTransactionWarning", (await Assert.ThrowsAsync<InvalidOperationException>(() => db.Emails().EnqueueManyAsync(FanOut(10)))).Message, StringComparison.Ordinal);
        }

        await using var check = Shop.CreateDbContext();
        Assert.Equal(0, await check.Orders.CountAsync());
        Assert.Equal(1, await check.Set<OutboxMessage>().CountAsync());
    }
}

[Collection(PostgresCollection.Name)]
public sealed class QueueBulkEnqueueTestsPostgres(PostgresCluster cluster) : QueueBulkEnqueueTests(new PostgresShop(cluster))
{
    [Fact]
    public async Task A_refused_bulk_write_inside_a_TransactionScope_leaves_the_callers_earlier_and_later_work_to_commit()
    {
        await StoreKeySevenAsync();

        using (var scope = new TransactionScope(TransactionScopeAsyncFlowOption.Enabled))
        {
            await using var db = Shop.CreateDbContext();
            db.Orders.Add(new Order { Number = "Before" });
            db.Emails().Enqueue(new OrderConfirmationEmail("Bob", "S-1", 1m), to: "bob@example.com");
            await db.SaveChangesAsync();

            var ex = await Assert.ThrowsAsync<DuplicateIdempotencyKeyException>(() => db.Emails().EnqueueManyAsync(FanOut(10, i => "key-" + i)));
            Assert.Equal("key-7", ex.IdempotencyKey);

            // The ambient transaction is intact: the bulk write was undone to its savepoint, not the caller's work.
            db.Orders.Add(new Order { Number = "After" });
            await db.SaveChangesAsync();
            scope.Complete();
        }

        await using var check = Shop.CreateDbContext();
        Assert.Equal(["After", "Before"], await check.Orders.Select(o => o.Number).OrderBy(n => n).ToListAsync());
        Assert.Equal(["ada@example.com", "bob@example.com"], await check.Set<OutboxRecipient>().Select(r => r.Address).OrderBy(a => a).ToListAsync());
        Assert.Equal(2, await check.Set<OutboxMessage>().CountAsync());
    }
}

/// <summary>Bulk enqueue (fan-out): written in the caller's transaction, all or nothing, idempotency keys refused when taken.</summary>
public abstract class QueueBulkEnqueueTests(ShopDatabase shop) : IDisposable
{
    protected ShopDatabase Shop { get; } = shop;

    public void Dispose() => Shop.Dispose();

    private protected static BulkEmail<OrderConfirmationEmail>[] FanOut(int count, Func<int, string?>? key = null)
        => Enumerable.Range(0, count).Select(i => new BulkEmail<OrderConfirmationEmail>(new("Customer " + i, "F-" + i, i), $"c{i}@example.com", key?.Invoke(i))).ToArray();

    [Fact]
    public async Task Committed_with_the_business_data_each_email_rendered_for_its_recipient_and_sent()
    {
        await using (var db = Shop.CreateDbContext())
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            db.Orders.Add(new Order { Number = "F" });
            await db.SaveChangesAsync();
            Assert.Equal(3, await db.Emails().EnqueueManyAsync(FanOut(3, i => i == 1 ? "fan-out-1" : null), new EnqueueOptions { Priority = 5 }));
            await tx.CommitAsync();
        }

        await using (var check = Shop.CreateDbContext())
        {
            var rows = await check.Set<OutboxMessage>().Include(m => m.Recipients).OrderBy(m => m.Subject).ToListAsync();
            Assert.Equal(3, rows.Count);
            Assert.All(rows, r => Assert.Equal((OutboxMessageState.Queued, 5, 1), (r.State, r.Priority, r.Recipients.Count)));
            Assert.Equal("fan-out-1", Assert.Single(rows, r => r.IdempotencyKey is not null).IdempotencyKey);
            Assert.Equal(EnqueueIdOf("fan-out-1"), rows.Single(r => r.IdempotencyKey is not null).Id);
        }

        var transport = new ScriptedTransport();
        Assert.Equal(3, (await new OutboxDispatcher<ShopContext>(Shop, transport).DispatchDueAsync()).Sent);
        var second = transport.Sent.Single(e => e.Recipients[0].Address == "c2@example.com").Message;
        Assert.Contains("F-2", second.Subject, StringComparison.Ordinal);
        Assert.Contains("Customer 2", second.TextBody ?? second.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rolled_back_writes_nothing_and_nothing_is_sent()
    {
        await using (var db = Shop.CreateDbContext())
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            await db.Emails().EnqueueManyAsync(FanOut(50));
            await tx.RollbackAsync();
        }

        await using (var check = Shop.CreateDbContext())
        {
            Assert.Equal(0, await check.Set<OutboxMessage>().CountAsync());
            Assert.Equal(0, await check.Set<OutboxRecipient>().CountAsync());
        }

        var transport = new ScriptedTransport();
        Assert.Equal(0, (await new OutboxDispatcher<ShopContext>(Shop, transport).DispatchDueAsync()).Claimed);
        Assert.Empty(transport.Sent);
    }

    [Fact]
    public async Task A_stored_idempotency_key_is_refused_naming_it_and_nothing_of_the_call_is_written()
    {
        await using (var db = Shop.CreateDbContext())
        {
            db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "K-7", 1m), to: "ada@example.com", new EnqueueOptions { IdempotencyKey = "key-7" });
            await db.SaveChangesAsync();
        }

        await using (var db = Shop.CreateDbContext())
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            var ex = await Assert.ThrowsAsync<DuplicateIdempotencyKeyException>(() => db.Emails().EnqueueManyAsync(FanOut(10, i => "key-" + i)));
            Assert.Equal("key-7", ex.IdempotencyKey);
            Assert.Contains("'key-7'", ex.Message, StringComparison.Ordinal);

            // The caller's transaction is intact: the rest of its work still commits.
            db.Orders.Add(new Order { Number = "K" });
            await db.SaveChangesAsync();
            await tx.CommitAsync();
        }

        await using var check = Shop.CreateDbContext();
        Assert.Equal(1, await check.Set<OutboxMessage>().CountAsync());
        Assert.Equal(1, await check.Set<OutboxRecipient>().CountAsync());
        Assert.Equal(1, await check.Orders.CountAsync());
    }

    [Fact]
    public async Task A_key_given_twice_in_one_call_is_refused_and_nothing_is_written()
    {
        await using (var db = Shop.CreateDbContext())
        {
            var ex = await Assert.ThrowsAsync<DuplicateIdempotencyKeyException>(() => db.Emails().EnqueueManyAsync(FanOut(4, i => i % 2 == 0 ? "same" : null)));
            Assert.Equal("same", ex.IdempotencyKey);
        }

        await using var check = Shop.CreateDbContext();
        Assert.Equal(0, await check.Set<OutboxMessage>().CountAsync());
    }

    [Fact]
    public async Task An_email_that_cannot_be_built_after_thousands_were_written_leaves_nothing_and_the_callers_transaction_commits_the_rest()
    {
        // The messages are written while they are built: the bad one comes after the first were sent to the database.
        var tooLong = new string('k', EnqueueOptions.MaxIdempotencyKeyLength + 1);
        await using (var db = Shop.CreateDbContext())
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            var ex = await Assert.ThrowsAsync<ArgumentException>(() => db.Emails().EnqueueManyAsync(FanOut(3_000, i => i == 2_500 ? tooLong : null)));
            Assert.Contains(tooLong, ex.Message, StringComparison.Ordinal);

            db.Orders.Add(new Order { Number = "B" });
            await db.SaveChangesAsync();
            Assert.Equal(2, await db.Emails().EnqueueManyAsync(FanOut(2)));
            await tx.CommitAsync();
        }

        await using var check = Shop.CreateDbContext();
        Assert.Equal(1, await check.Orders.CountAsync());
        Assert.Equal(["c0@example.com", "c1@example.com"], await check.Set<OutboxRecipient>().Select(r => r.Address).OrderBy(a => a).ToListAsync());
        Assert.Equal(2, await check.Set<OutboxMessage>().CountAsync());
    }

    [Fact]
    public async Task A_null_email_in_the_batch_is_refused_naming_the_argument_and_nothing_is_written()
    {
        await using (var db = Shop.CreateDbContext())
        {
            var batch = FanOut(3);
            batch[1] = batch[1] with { Email = null! };
            var ex = await Assert.ThrowsAsync<ArgumentException>(() => db.Emails().EnqueueManyAsync(batch));
            Assert.Equal("emails", ex.ParamName);
            Assert.StartsWith("An email of the batch is null.", ex.Message, StringComparison.Ordinal);
        }

        await using var check = Shop.CreateDbContext();
        Assert.Equal(0, await check.Set<OutboxMessage>().CountAsync());
    }

    /// <summary>Stores a message with the idempotency key <c>key-7</c>.</summary>
    private protected async Task StoreKeySevenAsync()
    {
        await using var db = Shop.CreateDbContext();
        db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "K-7", 1m), to: "ada@example.com", new EnqueueOptions { IdempotencyKey = "key-7" });
        await db.SaveChangesAsync();
    }

    private static Guid EnqueueIdOf(string key) => EmailOutbox.IdFromIdempotencyKey(key);
}
