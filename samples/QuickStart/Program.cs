// TypedMail quick start: an order and its confirmation email commit together; a rolled-back order sends nothing.
using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using QuickStart;
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

// The card of order A-1002 is declined.
var checkout = new Checkout(contexts, charge: order => order.Number != "A-1002");

// 1. An order whose confirmation is enqueued in the same transaction, which commits.
await PlaceOrderAsync(new Order { Number = "A-1001", Customer = "Ada", Total = 42.50m }, "ada@example.com");

// 2. An order whose payment is declined: it is rolled back, and its email must never leave.
await PlaceOrderAsync(new Order { Number = "A-1002", Customer = "Grace", Total = 7m }, "grace@example.com");

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

async Task PlaceOrderAsync(Order order, string email)
{
    Console.WriteLine(await checkout.PlaceOrderAsync(order, email)
        ? $"Order {order.Number}: committed, confirmation queued for {email}."
        : $"Order {order.Number}: payment declined, rolled back, nothing queued.");
}
