using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using TypedMail.Outbox;
using TypedMail.Runtime.Tests.Infrastructure;

namespace TypedMail.Benchmarks.Queue;

/// <summary>The application's context: its outbox, plus the plain table the enqueue benchmark compares against.</summary>
public class QueueContext(DbContextOptions options) : DbContext(options)
{
    public DbSet<PlainEmail> PlainEmails => Set<PlainEmail>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.AddTypedMailOutbox();
}

/// <summary>
/// The same tables seen through another context type. A dispatcher for this type is not woken by commits through
/// <see cref="QueueContext"/>, just as a dispatcher in another process is not: it learns of new mail by polling or
/// by PostgreSQL LISTEN.
/// </summary>
public sealed class OtherProcessContext(DbContextOptions options) : QueueContext(options);

/// <summary>The peer of the enqueue benchmark: one row per email holding the same rendered text, written by plain EF Core.</summary>
public sealed class PlainEmail
{
    public Guid Id { get; set; }

    public string MessageId { get; set; } = "";

    public string From { get; set; } = "";

    public string To { get; set; } = "";

    public string Subject { get; set; } = "";

    public string? HtmlBody { get; set; }

    public string? TextBody { get; set; }

    public DateTime CreatedAt { get; set; }
}

/// <summary>A fresh database with the schema, on SQLite (a WAL file) or on the private PostgreSQL cluster.</summary>
public sealed class QueueDatabase : IDisposable
{
    private readonly string? _folder;

    private QueueDatabase(string provider, string connectionString, string? folder)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _folder = folder;
        using var db = Create<QueueContext>();
        db.Database.EnsureCreated();
        if (provider == "SQLite")
        {
            db.Database.ExecuteSqlRaw("PRAGMA journal_mode=WAL;");
        }
    }

    public string Provider { get; }

    public string ConnectionString { get; }

    public static QueueDatabase Sqlite()
    {
        var folder = Path.Combine(Path.GetTempPath(), "typedmail-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return new QueueDatabase("SQLite", $"Data Source={Path.Combine(folder, "queue.db")};Default Timeout=60", folder);
    }

    public static QueueDatabase PostgreSql(PostgresCluster cluster)
        => new("PostgreSQL", cluster.ConnectionString(cluster.CreateDatabase()) + ";Maximum Pool Size=50", null);

    /// <summary>A context as the application configures it; <paramref name="typedMail"/> false leaves out UseTypedMail (no interceptor).</summary>
    public TContext Create<TContext>(bool typedMail = true)
        where TContext : QueueContext
    {
        var builder = new DbContextOptionsBuilder();
        if (Provider == "SQLite")
        {
            builder.UseSqlite(ConnectionString);
        }
        else
        {
            builder.UseNpgsql(ConnectionString);
        }

        if (typedMail)
        {
            builder.UseTypedMail(o => o.DefaultFrom = "Example Shop <shop@example.com>");
        }

        builder.AddInterceptors(ClaimCounter.Instance);

        return (TContext)Activator.CreateInstance(typeof(TContext), builder.Options)!;
    }

    public IDbContextFactory<TContext> Factory<TContext>()
        where TContext : QueueContext
        => new ContextFactory<TContext>(this);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (_folder is not null)
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private sealed class ContextFactory<TContext>(QueueDatabase database) : IDbContextFactory<TContext>
        where TContext : QueueContext
    {
        public TContext CreateDbContext() => database.Create<TContext>();

        public Task<TContext> CreateDbContextAsync(CancellationToken cancellationToken = default) => Task.FromResult(CreateDbContext());
    }
}
