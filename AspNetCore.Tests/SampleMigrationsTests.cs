using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using TypedMail.AspNetCore.Tests.Infrastructure;
using TypedMail.Outbox;

namespace TypedMail.AspNetCore.Tests;

/// <summary>samples/WebApp's migrations: a database built from them alone matches the sample's model, outbox included.</summary>
public sealed class SampleMigrationsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("typedmail-migrations-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task A_database_created_from_the_migrations_has_no_pending_model_changes()
    {
        // The sample's own assembly, as dotnet ef loads it: its context, its migrations, its design-time factory.
        var sample = Assembly.LoadFrom(Path.Combine(SampleProcess.BinFolder("WebApp"), "WebApp.dll"));
        var factory = (IDesignTimeDbContextFactory<DbContext>)Activator.CreateInstance(sample.GetType("WebApp.ShopContextDesignTimeFactory", throwOnError: true)!)!;
        await using var db = factory.CreateDbContext([$"Data Source={Path.Combine(_folder, "shop.db")}"]);

        Assert.NotEmpty(db.Database.GetMigrations());
        await db.Database.MigrateAsync();

        Assert.False(db.Database.HasPendingModelChanges(), "The sample's model has changes no migration covers: run dotnet ef migrations add in samples/WebApp.");
        Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync());
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());

        // The outbox's tables are there and usable.
        db.Emails().EnqueueRendered("WebApp.Check", new RenderedEmail("Hello", null, "Hi", ""), "ada@example.com", new EnqueueOptions { From = "shop@example.com" });
        Assert.Equal(2, await db.SaveChangesAsync());
        Assert.Equal(1, await db.Set<OutboxRecipient>().CountAsync());
    }
}
