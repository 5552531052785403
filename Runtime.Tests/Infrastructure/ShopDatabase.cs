using System;
using System.IO;
using Microsoft.EntityFrameworkCore;
using TypedMail.Outbox;

namespace TypedMail.Runtime.Tests.Infrastructure;

/// <summary>A shop database with the outbox, on one provider; queue tests run against each.</summary>
public abstract class ShopDatabase : IDbContextFactory<ShopContext>, IDisposable
{
    protected ShopDatabase()
    {
        Folder = Path.Combine(Path.GetTempPath(), "typedmail-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
        PickupFolder = Path.Combine(Folder, "pickup");
    }

    /// <summary>"sqlite" or "postgresql".</summary>
    public abstract string Provider { get; }

    public abstract string ConnectionString { get; }

    public string Folder { get; }

    public string PickupFolder { get; }

    /// <summary>Adds this database's provider to an options builder.</summary>
    public abstract DbContextOptionsBuilder UseProvider(DbContextOptionsBuilder builder);

    public ShopContext CreateDbContext() => CreateDbContext(null);

    /// <summary>Applied to every context this database creates, such as a logger factory; none by default.</summary>
    public Action<DbContextOptionsBuilder>? ConfigureContext { get; set; }

    public ShopContext CreateDbContext(Action<TypedMailDbContextOptions>? configure)
    {
        var builder = new DbContextOptionsBuilder<ShopContext>();
        UseProvider(builder);
        ConfigureContext?.Invoke(builder);
        builder.UseTypedMail(o =>
        {
            o.DefaultFrom = "Shop <shop@example.com>";
            configure?.Invoke(o);
        });
        return new ShopContext(builder.Options);
    }

    protected void CreateSchema()
    {
        using var db = CreateDbContext();
        db.Database.EnsureCreated();
    }

    public virtual void Dispose()
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

/// <summary>A shop database in a fresh database of the shared PostgreSQL cluster.</summary>
public sealed class PostgresShop : ShopDatabase
{
    public PostgresShop(PostgresCluster cluster)
    {
        Cluster = cluster;
        DatabaseName = cluster.CreateDatabase();
        ConnectionString = cluster.ConnectionString(DatabaseName);
        CreateSchema();
    }

    public PostgresCluster Cluster { get; }

    public string DatabaseName { get; }

    public override string Provider => "postgresql";

    public override string ConnectionString { get; }

    public override DbContextOptionsBuilder UseProvider(DbContextOptionsBuilder builder) => builder.UseNpgsql(ConnectionString);
}
