// TypedMail quick start: an order and its confirmation email commit together; a rolled-back order sends nothing.
using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using QuickStart;
using QuickStart.Emails;
using TypedMail;
using TypedMail.Dispatch;
using TypedMail.Outbox;
using TypedMail.Transports;

var folder = Path.GetFullPath(args.FirstOrDefault() ?? "quickstart-output");
if (Directory.Exists(folder))
{
    Directory.Delete(folder, recursive: true);
}

Directory.CreateDirectory(folder);
var pickup = Path.Combine(folder, "pickup");
var contexts = new ShopContextFactory(Path.Combine(folder, "shop.db"));
await using (var db = contexts.CreateDbContext())
{
    await db.Database.EnsureCreatedAsync();
}

// 1. An order whose confirmation is enqueued in the same transaction, which commits.
await PlaceOrderAsync(contexts, new Order { Number = "A-1001", Customer = "Ada", Total = 42.50m }, "ada@example.com", commit: true);

// 2. An order that is rolled back: its email must never leave.
await PlaceOrderAsync(contexts, new Order { Number = "A-1002", Customer = "Grace", Total = 7m }, "grace@example.com", commit: false);

// 3. Dispatch what is queued to the pickup folder.
var transport = new PickupFolderTransport(pickup);
var dispatcher = new OutboxDispatcher<ShopContext>(contexts, transport);
var summary = await dispatcher.DispatchDueAsync();
Console.WriteLine($"Dispatched: {summary.Sent} sent, {summary.Deferred} deferred, {summary.Failed} failed.");

await using (var db = contexts.CreateDbContext())
{
    foreach (var message in await db.Set<OutboxMessage>().Include(m => m.Recipients).OrderBy(m => m.CreatedAt).ToListAsync())
    {
        var file = transport.PathFor(message.MessageId);
        Console.WriteLine($"{message.Subject} -> {string.Join(", ", message.Recipients.Select(r => r.Address))}: {message.State}, {file}");
    }

    var orders = await db.Orders.Select(o => o.Number).ToListAsync();
    var files = Directory.Exists(pickup) ? Directory.GetFiles(pickup, "*.eml") : [];
    Console.WriteLine($"Orders in the database: {string.Join(", ", orders)}. Emails in {pickup}: {files.Length}.");
    var ok = orders.SequenceEqual(["A-1001"])
        && files.Length == 1
        && File.ReadAllText(files[0]).Contains("A-1001", StringComparison.Ordinal)
        && !files.Any(f => File.ReadAllText(f).Contains("A-1002", StringComparison.Ordinal));
    Console.WriteLine(ok ? "OK: the committed order's email was sent; the rolled-back order's was not." : "FAILED: unexpected outbox state.");
    return ok ? 0 : 1;
}

static async Task PlaceOrderAsync(ShopContextFactory contexts, Order order, string email, bool commit)
{
    await using var db = contexts.CreateDbContext();
    await using var transaction = await db.Database.BeginTransactionAsync();
    db.Orders.Add(order);
    db.Emails().Enqueue(new OrderConfirmationEmail(order.Customer, order.Number, order.Total), to: email);
    await db.SaveChangesAsync();
    if (commit)
    {
        await transaction.CommitAsync();
        Console.WriteLine($"Order {order.Number}: committed, confirmation queued for {email}.");
    }
    else
    {
        await transaction.RollbackAsync();
        Console.WriteLine($"Order {order.Number}: rolled back, nothing queued.");
    }
}

internal sealed class ShopContextFactory(string path) : IDbContextFactory<ShopContext>
{
    public ShopContext CreateDbContext()
        => new(new DbContextOptionsBuilder<ShopContext>()
            .UseSqlite($"Data Source={path}")
            .UseTypedMail(o => o.DefaultFrom = "Acme Shop <shop@example.com>")
            .Options);
}
