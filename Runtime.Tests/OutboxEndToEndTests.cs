using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using TypedMail.Dispatch;
using TypedMail.Outbox;
using TypedMail.Runtime.Tests.Emails;
using TypedMail.Runtime.Tests.Infrastructure;
using TypedMail.Transports;

namespace TypedMail.Runtime.Tests;

public sealed class OutboxEndToEndTests : IDisposable
{
    private readonly SqliteShop _shop = new();

    public void Dispose() => _shop.Dispose();

    [Fact]
    public async Task Committed_email_is_queued_then_dispatched_to_the_pickup_folder()
    {
        Guid id;
        await using (var db = _shop.CreateDbContext())
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            db.Orders.Add(new Order { Number = "A-1" });
            id = db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "A-1", 12.50m), to: "Ada Lovelace <ada@example.com>").Id;
            await db.SaveChangesAsync();
            await tx.CommitAsync();
        }

        await using (var db = _shop.CreateDbContext())
        {
            var queued = await db.Set<OutboxMessage>().Include(m => m.Recipients).SingleAsync();
            Assert.Equal(id, queued.Id);
            Assert.Equal(OutboxMessageState.Queued, queued.State);
            Assert.Equal("Order A-1 confirmed", queued.Subject);
            Assert.Equal("<p>Hello Ada,</p>\n<p>Your order A-1 totals 12.50.</p>\n", queued.HtmlBody);
            Assert.Equal("TypedMail.Runtime.Tests.Emails.OrderConfirmationEmail", queued.EmailType);
            Assert.Equal("Ada Lovelace <ada@example.com>", Assert.Single(queued.Recipients).Address);
        }

        var transport = new PickupFolderTransport(_shop.PickupFolder);
        var summary = await new OutboxDispatcher<ShopContext>(_shop, transport).DispatchDueAsync();
        Assert.Equal(new DispatchSummary(1, 1, 0, 0), summary);

        await using (var db = _shop.CreateDbContext())
        {
            var sent = await db.Set<OutboxMessage>().Include(m => m.Attempts).Include(m => m.Recipients).SingleAsync();
            Assert.Equal(OutboxMessageState.Sent, sent.State);
            Assert.NotNull(sent.SentAt);
            Assert.Null(sent.LeaseOwner);
            var attempt = Assert.Single(sent.Attempts);
            Assert.Equal(AttemptOutcome.Accepted, attempt.Outcome);
            Assert.Equal("pickup", attempt.Transport);
            Assert.Equal(RecipientState.Accepted, Assert.Single(sent.Recipients).State);

            var file = Assert.Single(Directory.GetFiles(_shop.PickupFolder, "*.eml"));
            var raw = await File.ReadAllTextAsync(file);
            Assert.Contains("Message-ID: <" + sent.MessageId + ">\r\n", raw);
            Assert.Contains("Subject: Order A-1 confirmed\r\n", raw);
            var (exit, output) = MimeCheck.Run(file);
            Assert.True(exit == 0, output);
        }

        // Nothing is due any more: a second pass claims nothing.
        Assert.Equal(default, await new OutboxDispatcher<ShopContext>(_shop, transport).DispatchDueAsync());
    }

    [Fact]
    public async Task Rolled_back_transaction_leaves_nothing_queued()
    {
        await using (var db = _shop.CreateDbContext())
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            db.Orders.Add(new Order { Number = "B-2" });
            db.Emails().Enqueue(new OrderConfirmationEmail("Bob", "B-2", 1m), to: "bob@example.com");
            await db.SaveChangesAsync();
            await tx.RollbackAsync();
        }

        await using (var db = _shop.CreateDbContext())
        {
            Assert.Equal(0, await db.Set<OutboxMessage>().CountAsync());
            Assert.Equal(0, await db.Orders.CountAsync());
        }

        var summary = await new OutboxDispatcher<ShopContext>(_shop, new PickupFolderTransport(_shop.PickupFolder)).DispatchDueAsync();
        Assert.Equal(0, summary.Claimed);
        Assert.False(Directory.Exists(_shop.PickupFolder) && Directory.EnumerateFiles(_shop.PickupFolder).Any());
    }

    [Fact]
    public async Task Enqueue_writes_nothing_until_SaveChanges()
    {
        await using (var db = _shop.CreateDbContext())
        {
#pragma warning disable TM3002 // The point of this test: without SaveChanges the enqueued email is never written.
            db.Emails().Enqueue(new OrderConfirmationEmail("Cy", "C-3", 2m), to: "cy@example.com");
#pragma warning restore TM3002
            Assert.Equal(EntityState.Added, db.ChangeTracker.Entries<OutboxMessage>().Single().State);
            await using var other = _shop.CreateDbContext();
            Assert.Equal(0, await other.Set<OutboxMessage>().CountAsync());
        }

        await using var after = _shop.CreateDbContext();
        Assert.Equal(0, await after.Set<OutboxMessage>().CountAsync());
    }

    [Fact]
    public async Task Message_id_is_stable_across_retries()
    {
        await using (var db = _shop.CreateDbContext())
        {
            db.Emails().Enqueue(new OrderConfirmationEmail("Di", "D-4", 3m), to: "di@example.com");
            await db.SaveChangesAsync();
        }

        var failing = new FailingTransport();
        var options = new DispatcherOptions { RetryBaseDelay = TimeSpan.Zero, RetryMaxDelay = TimeSpan.Zero };
        var first = await new OutboxDispatcher<ShopContext>(_shop, failing, options).DispatchBatchAsync();
        Assert.Equal(1, first.Deferred);
        var second = await new OutboxDispatcher<ShopContext>(_shop, new PickupFolderTransport(_shop.PickupFolder), options).DispatchBatchAsync();
        Assert.Equal(1, second.Sent);

        await using var check = _shop.CreateDbContext();
        var row = await check.Set<OutboxMessage>().Include(m => m.Attempts).SingleAsync();
        Assert.Equal([AttemptOutcome.TransientFailure, AttemptOutcome.Accepted], row.Attempts.OrderBy(a => a.Number).Select(a => a.Outcome));
        Assert.Equal(failing.SeenMessageIds.Single(), row.MessageId);
        Assert.Contains("<" + row.MessageId + ">", await File.ReadAllTextAsync(Directory.GetFiles(_shop.PickupFolder).Single()));
    }

    private sealed class FailingTransport : IEmailTransport
    {
        public System.Collections.Generic.List<string> SeenMessageIds { get; } = [];

        public string Name => "failing";

        public Task<System.Collections.Generic.IReadOnlyList<SendResult>> SendAsync(System.Collections.Generic.IReadOnlyList<OutgoingEmail> batch, System.Threading.CancellationToken cancellationToken)
        {
            SeenMessageIds.AddRange(batch.Select(b => b.Message.MessageId));
            return Task.FromResult<System.Collections.Generic.IReadOnlyList<SendResult>>(
                batch.Select(b => SendResult.FailedForAll(b, DeliveryStatus.TransientFailure, new TransportReply(451, "4.3.0", "try later"))).ToArray());
        }
    }
}
