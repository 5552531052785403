using System;
using System.IO;
using Microsoft.EntityFrameworkCore;
using TypedMail.Outbox;

namespace TypedMail.Runtime.Tests.Infrastructure;

/// <summary>A shop database in a fresh SQLite file, and a pickup folder beside it.</summary>
public sealed class SqliteShop : IDbContextFactory<ShopContext>, IDisposable
{
    public SqliteShop()
    {
        Folder = Path.Combine(Path.GetTempPath(), "typedmail-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
        PickupFolder = Path.Combine(Folder, "pickup");
        using var db = CreateDbContext();
        db.Database.EnsureCreated();
    }

    public string Folder { get; }

    public string PickupFolder { get; }

    public string ConnectionString => $"Data Source={Path.Combine(Folder, "shop.db")};Pooling=False";

    public ShopContext CreateDbContext()
    {
        var options = new DbContextOptionsBuilder<ShopContext>()
            .UseSqlite(ConnectionString)
            .UseTypedMail(o => o.DefaultFrom = "Shop <shop@example.com>")
            .Options;
        return new ShopContext(options);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
