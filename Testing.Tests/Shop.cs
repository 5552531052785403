using System;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using TypedMail.Outbox;

namespace TypedMail.Testing.Tests;

public sealed class Order
{
    public int Id { get; set; }

    public string Number { get; set; } = "";
}

public sealed class ShopContext(DbContextOptions<ShopContext> options) : DbContext(options)
{
    public DbSet<Order> Orders => Set<Order>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.AddTypedMailOutbox();
}

/// <summary>A private in-memory SQLite database per test, with the outbox tables: the application's code runs against it as in production.</summary>
public sealed class Shop : IDisposable
{
    private readonly SqliteConnection _connection = new("Data Source=:memory:");

    public Shop()
    {
        _connection.Open();
        using var db = CreateDbContext();
        db.Database.EnsureCreated();
    }

    public ShopContext CreateDbContext()
        => new(new DbContextOptionsBuilder<ShopContext>()
            .UseSqlite(_connection)
            .UseTypedMail(o => o.DefaultFrom = "Acme Shop <shop@example.com>")
            .Options);

    public void Dispose() => _connection.Dispose();
}
