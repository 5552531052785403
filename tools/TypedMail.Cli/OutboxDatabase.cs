using System;
using System.Data.Common;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using TypedMail.Outbox;

namespace TypedMail.Cli;

/// <summary>The tool's own context: the outbox tables only, so the tool needs none of the application's code.</summary>
internal sealed class OutboxContext(DbContextOptions<OutboxContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.AddTypedMailOutbox();
}

/// <summary>The database providers the tool supports, as written on the command line.</summary>
internal static class Providers
{
    public const string Sqlite = "sqlite";

    public const string Postgres = "postgres";
}

/// <summary>Creates <see cref="OutboxContext"/>s for one connection string and provider.</summary>
internal sealed class OutboxDatabase : IDbContextFactory<OutboxContext>
{
    private readonly DbContextOptions<OutboxContext> _options;

    private OutboxDatabase(DbContextOptions<OutboxContext> options, string provider, string connectionString)
    {
        _options = options;
        Provider = provider;
        ConnectionString = connectionString;
    }

    public string Provider { get; }

    /// <summary>The connection string; may hold a password, so it is never printed.</summary>
    public string ConnectionString { get; }

    /// <summary>Checks the connection string without connecting, and never echoes it (it may hold a password).</summary>
    /// <exception cref="UsageException">The connection string cannot be parsed, or names a SQLite file that does not exist.</exception>
    public static OutboxDatabase Open(string provider, string connectionString)
    {
        var builder = new DbContextOptionsBuilder<OutboxContext>();
        switch (provider)
        {
            case Providers.Sqlite:
                SqliteConnectionStringBuilder sqlite;
                try
                {
                    sqlite = new SqliteConnectionStringBuilder(connectionString);
                }
                catch (ArgumentException ex)
                {
                    throw new UsageException($"--connection is not a valid SQLite connection string: {ex.Message}");
                }

                // Opening a missing file would create an empty database; an operator's typo must not do that.
                if (sqlite.DataSource.Length > 0 && sqlite.DataSource != ":memory:" && sqlite.Mode != SqliteOpenMode.Memory && !File.Exists(sqlite.DataSource))
                {
                    throw new DatabaseMissingException($"The SQLite database '{Path.GetFullPath(sqlite.DataSource)}' does not exist.");
                }

                builder.UseSqlite(connectionString);
                break;
            case Providers.Postgres:
                try
                {
                    _ = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
                }
                catch (ArgumentException ex)
                {
                    throw new UsageException($"--connection is not a valid PostgreSQL connection string: {ex.Message}");
                }

                builder.UseNpgsql(connectionString);
                break;
            default:
                throw new UsageException($"--provider '{provider}' is not supported. Use {Providers.Sqlite} or {Providers.Postgres}.");
        }

        return new OutboxDatabase(builder.Options, provider, connectionString);
    }

    public OutboxContext CreateDbContext() => new(_options);

    public Task<OutboxContext> CreateDbContextAsync(CancellationToken cancellationToken = default) => Task.FromResult(CreateDbContext());
}

/// <summary>The command line is wrong; the message says how. Exit code <see cref="ExitCodes.Usage"/>.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>The database named does not exist. Exit code <see cref="ExitCodes.Database"/>.</summary>
internal sealed class DatabaseMissingException(string message) : DbException(message);
