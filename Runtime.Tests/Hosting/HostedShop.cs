using System.Collections.Generic;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TypedMail.Outbox;
using TypedMail.Runtime.Tests.Infrastructure;

namespace TypedMail.Runtime.Tests.Hosting;

/// <summary>A generic host over a <see cref="SqliteShop"/> database, configured the way an application would: from a TypedMail section.</summary>
public static class HostedShop
{
    public static HostApplicationBuilder Builder(SqliteShop shop, IDictionary<string, string?> settings, bool registerFactory = true)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        if (registerFactory)
        {
            builder.Services.AddDbContextFactory<HostedShopContext>(o => o.UseSqlite(shop.ConnectionString));
        }
        else
        {
            builder.Services.AddDbContext<HostedShopContext>(o => o.UseSqlite(shop.ConnectionString));
        }

        builder.Services.AddTypedMail<HostedShopContext>(builder.Configuration.GetSection("TypedMail"));
        return builder;
    }

    /// <summary>Settings for a working pickup-folder setup that polls quickly.</summary>
    public static Dictionary<string, string?> Settings(SqliteShop shop) => new()
    {
        ["TypedMail:Transport"] = "Pickup",
        ["TypedMail:Pickup:Folder"] = shop.PickupFolder,
        ["TypedMail:Dispatcher:PollInterval"] = "00:00:00.100",
    };
}

/// <summary>
/// The shop's context under its own type, used only by the hosting tests: commits through it are counted by the
/// hosted metrics, and no other test class writes through this type.
/// </summary>
public sealed class HostedShopContext(DbContextOptions<HostedShopContext> options) : DbContext(options)
{
    public DbSet<Order> Orders => Set<Order>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.AddTypedMailOutbox();
}
