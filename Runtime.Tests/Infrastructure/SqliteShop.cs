using System.IO;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace TypedMail.Runtime.Tests.Infrastructure;

/// <summary>A shop database in a fresh SQLite file (WAL, so several connections and processes can share it), and a pickup folder beside it.</summary>
public sealed class SqliteShop : ShopDatabase
{
    public SqliteShop()
    {
        ConnectionString = $"Data Source={Path.Combine(Folder, "shop.db")};Pooling=False;Default Timeout=60";
        CreateSchema();
        using var db = CreateDbContext();
        db.Database.ExecuteSqlRaw("PRAGMA journal_mode=WAL;");
    }

    public override string Provider => "sqlite";

    public override string ConnectionString { get; }

    public override DbContextOptionsBuilder UseProvider(DbContextOptionsBuilder builder) => builder.UseSqlite(ConnectionString);

    public override void Dispose()
    {
        SqliteConnection.ClearAllPools();
        base.Dispose();
    }
}
