using Microsoft.EntityFrameworkCore;
using TypedMail.Outbox;

namespace WebApp;

public sealed class Order
{
    public int Id { get; set; }

    public string Number { get; set; } = "";

    public string CustomerName { get; set; } = "";

    public string CustomerEmail { get; set; } = "";

    public decimal Total { get; set; }
}

public sealed class ShopContext(DbContextOptions<ShopContext> options) : DbContext(options)
{
    public DbSet<Order> Orders => Set<Order>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.AddTypedMailOutbox();
}
