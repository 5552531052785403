// TypedMail quick start: an order and its confirmation email commit together; a rolled-back order sends nothing.
using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using QuickStart;
using QuickStart.Emails;
using TypedMail;
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

// 3. Run the dispatcher as a hosted service, as an application does, until the queue is empty.
var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
builder.Services.AddSingleton<IDbContextFactory<ShopContext>>(contexts);
builder.Services.AddTypedMail<ShopContext>(o =>
{
    o.Pickup.Folder = pickup;
    o.Dispatcher.PollInterval = TimeSpan.FromMilliseconds(200);
});
using (var host = builder.Build())
{
    await host.StartAsync();
    await WaitUntilNothingPendingAsync(contexts, TimeSpan.FromSeconds(30));
    await host.StopAsync();
}

var transport = new PickupFolderTransport(pickup);

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

static async Task WaitUntilNothingPendingAsync(ShopContextFactory contexts, TimeSpan limit)
{
    var clock = System.Diagnostics.Stopwatch.StartNew();
    while (true)
    {
        await using var db = contexts.CreateDbContext();
        if (!await db.Set<OutboxMessage>().AnyAsync(m => m.State == OutboxMessageState.Queued || m.State == OutboxMessageState.Sending))
        {
            Console.WriteLine("Dispatched by the hosted dispatcher.");
            return;
        }

        if (clock.Elapsed > limit)
        {
            Console.WriteLine($"Still queued after {limit.TotalSeconds:0} s.");
            return;
        }

        await Task.Delay(100);
    }
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
