using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
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

/// <summary>
/// How <c>dotnet ef</c> builds the context at design time (<c>dotnet ef migrations add</c>), without starting the app:
/// the same provider as Program.cs, on the connection string given after <c>--</c>, else on shop.db (adding a migration
/// reads the model, not the database).
/// </summary>
public sealed class ShopContextDesignTimeFactory : IDesignTimeDbContextFactory<ShopContext>
{
    public ShopContext CreateDbContext(string[] args)
        => new(new DbContextOptionsBuilder<ShopContext>().UseSqlite(args.Length > 0 ? args[0] : "Data Source=shop.db").Options);
}
