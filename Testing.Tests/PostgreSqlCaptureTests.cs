using System;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using TypedMail.Outbox;
using TypedMail.Runtime.Tests.Infrastructure;
using TypedMail.Testing.Tests.Emails;

namespace TypedMail.Testing.Tests;

/// <summary>The capture on PostgreSQL, where keyed messages are locked and checked in a transaction the interceptor opens.</summary>
public sealed class PostgreSqlCaptureTests(PostgresCluster cluster) : IClassFixture<PostgresCluster>
{
    private readonly string _connectionString = CreateShop(cluster);

    [Fact]
    public async Task Committed_mail_counts_and_rolled_back_mail_does_not()
    {
        using var mail = MailCapture.Start();
        await PlaceOrderAsync("A-1", commit: true);
        await PlaceOrderAsync("A-2", commit: false);

        Assert.Equal("A-1", mail.Enqueued<OrderConfirmationEmail>().Model.OrderNumber);
        var rolledBack = Assert.Single(mail.NotCommitted<OrderConfirmationEmail>());
        Assert.Equal(("A-2", CapturedEmailState.RolledBack), (rolledBack.Model.OrderNumber, rolledBack.State));

        await using var db = CreateDbContext();
        Assert.Equal(["Your order A-1 is confirmed"], await db.Set<OutboxMessage>().Select(m => m.Subject).ToListAsync());
    }

    [Fact]
    public async Task A_key_already_in_the_database_makes_the_second_enqueue_a_duplicate()
    {
        using var mail = MailCapture.Start();
        var options = new EnqueueOptions { IdempotencyKey = "order-A-3/shipped" };
        for (var i = 0; i < 2; i++)
        {
            await using var db = CreateDbContext();
            db.Emails().Enqueue(new OrderShippedEmail("A-3"), to: "ada@example.com", options);
            await db.SaveChangesAsync();
        }

        Assert.Equal([CapturedEmailState.Committed, CapturedEmailState.Duplicate], mail.All.Select(e => e.State));
        mail.Enqueued<OrderShippedEmail>(e => e.OrderNumber == "A-3");
    }

    private static string CreateShop(PostgresCluster cluster)
    {
        var connectionString = cluster.ConnectionString(cluster.CreateDatabase());
        using var db = new ShopContext(Options(connectionString));
        db.Database.EnsureCreated();
        return connectionString;
    }

    private static DbContextOptions<ShopContext> Options(string connectionString)
        => new DbContextOptionsBuilder<ShopContext>()
            .UseNpgsql(connectionString)
            .UseTypedMail(o => o.DefaultFrom = "Acme Shop <shop@example.com>")
            .Options;

    private ShopContext CreateDbContext() => new(Options(_connectionString));

    private async Task PlaceOrderAsync(string number, bool commit)
    {
        await using var db = CreateDbContext();
        await using var transaction = await db.Database.BeginTransactionAsync();
        db.Orders.Add(new Order { Number = number });
        db.Emails().Enqueue(new OrderConfirmationEmail("Ada", number, 1m), to: "ada@example.com");
        await db.SaveChangesAsync();
        if (commit)
        {
            await transaction.CommitAsync();
        }
        else
        {
            await transaction.RollbackAsync();
        }
    }
}
