using System;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace TypedMail.Outbox;

/// <summary>Adds the outbox tables to an application's own <see cref="DbContext"/>.</summary>
public static class ModelBuilderExtensions
{
    /// <summary>
    /// Adds TypedMail's outbox entities to the model. Call it from <c>OnModelCreating</c>, so
    /// <c>dotnet ef migrations add</c> picks up the tables.
    /// </summary>
    /// <param name="modelBuilder">The model builder passed to <c>OnModelCreating</c>.</param>
    /// <returns>The same builder.</returns>
    public static ModelBuilder AddTypedMailOutbox(this ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        var utc = new ValueConverter<DateTime, DateTime>(v => v, v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
        var utcNullable = new ValueConverter<DateTime?, DateTime?>(v => v, v => v == null ? v : DateTime.SpecifyKind(v.Value, DateTimeKind.Utc));

        modelBuilder.Entity<OutboxMessage>(e =>
        {
            e.ToTable(OutboxTables.Messages);
            e.HasKey(m => m.Id);
            e.Property(m => m.MessageId).HasMaxLength(255).IsRequired();
            e.HasIndex(m => m.MessageId).IsUnique();
            e.Property(m => m.EmailType).HasMaxLength(255).IsRequired();
            e.Property(m => m.From).HasMaxLength(1000).IsRequired();
            e.Property(m => m.ReplyTo).HasMaxLength(1000);
            e.Property(m => m.Subject).IsRequired();
            e.Property(m => m.LeaseOwner).HasMaxLength(200);
            e.Property(m => m.CreatedAt).HasConversion(utc);
            e.Property(m => m.DueAt).HasConversion(utc);
            e.Property(m => m.LeaseExpiresAt).HasConversion(utcNullable);
            e.Property(m => m.SentAt).HasConversion(utcNullable);
            e.HasIndex(m => new { m.State, m.DueAt });
            e.HasMany(m => m.Recipients).WithOne().HasForeignKey(r => r.OutboxMessageId).OnDelete(DeleteBehavior.Cascade);
            e.HasMany(m => m.Attempts).WithOne().HasForeignKey(a => a.OutboxMessageId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<OutboxRecipient>(e =>
        {
            e.ToTable(OutboxTables.Recipients);
            e.HasKey(r => r.Id);
            e.Property(r => r.Address).HasMaxLength(1000).IsRequired();
        });

        modelBuilder.Entity<OutboxAttempt>(e =>
        {
            e.ToTable(OutboxTables.Attempts);
            e.HasKey(a => a.Id);
            e.Property(a => a.StartedAt).HasConversion(utc);
            e.Property(a => a.Transport).HasMaxLength(100).IsRequired();
            e.Property(a => a.EnhancedStatus).HasMaxLength(20);
        });

        foreach (var type in new[] { typeof(OutboxMessage), typeof(OutboxRecipient), typeof(OutboxAttempt) })
        {
            foreach (var property in modelBuilder.Model.FindEntityType(type)!.GetProperties())
            {
                property.SetColumnName(SnakeCase(property.Name));
            }
        }

        return modelBuilder;
    }

    internal static string SnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c) && i > 0 && !char.IsUpper(name[i - 1]))
            {
                sb.Append('_');
            }

            sb.Append(char.ToLowerInvariant(c));
        }

        return sb.ToString();
    }
}

/// <summary>The outbox's table names.</summary>
public static class OutboxTables
{
    /// <summary>Queued messages.</summary>
    public const string Messages = "typedmail_messages";

    /// <summary>Recipients of queued messages.</summary>
    public const string Recipients = "typedmail_recipients";

    /// <summary>The attempt log.</summary>
    public const string Attempts = "typedmail_attempts";
}
