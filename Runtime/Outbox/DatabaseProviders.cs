using System;
using Microsoft.EntityFrameworkCore;

namespace TypedMail.Outbox;

/// <summary>The database providers the outbox supports, by EF Core provider name. No provider assembly is referenced.</summary>
internal static class DatabaseProviders
{
    public const string Sqlite = "Microsoft.EntityFrameworkCore.Sqlite";

    public const string PostgreSql = "Npgsql.EntityFrameworkCore.PostgreSQL";

    /// <summary>The PostgreSQL channel a commit that enqueued mail notifies, and dispatchers listen on.</summary>
    public const string NotificationChannel = "typedmail_outbox";

    public static bool IsPostgreSql(DbContext context) => context.Database.ProviderName == PostgreSql;

    public static NotSupportedException Unsupported(string? name) => new(
        $"TypedMail's outbox does not support the database provider '{name}'. Supported: {Sqlite}, {PostgreSql}.");
}
