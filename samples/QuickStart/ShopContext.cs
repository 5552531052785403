using Microsoft.EntityFrameworkCore;
using TypedMail.Outbox;

namespace QuickStart;

public sealed class Order
{
    public int Id { get; set; }

    public string Number { get; set; } = "";

    public string Customer { get; set; } = "";

    public decimal Total { get; set; }
}

/// <summary>The application's own context. One line adds the outbox tables to it.</summary>
public sealed class ShopContext(DbContextOptions<ShopContext> options) : DbContext(options)
{
    public DbSet<Order> Orders => Set<Order>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.AddTypedMailOutbox();
}

/// <summary>Contexts on one SQLite file, with the outbox configured.</summary>
public sealed class ShopContextFactory(string path) : IDbContextFactory<ShopContext>
{
    public ShopContext CreateDbContext()
        => new(new DbContextOptionsBuilder<ShopContext>()
            .UseSqlite($"Data Source={path}")
            .UseTypedMail(o => o.DefaultFrom = "Acme Shop <shop@example.com>")
            .Options);
}
