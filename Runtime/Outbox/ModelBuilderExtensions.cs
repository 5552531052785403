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
            // Message-ID needs no index: it holds the key (OutboxMessage.KeyOfMessageId), which the primary key keeps unique.
            e.Property(m => m.MessageId).HasMaxLength(255).IsRequired();
            // The key needs no index of its own: a keyed message's Id is derived from it, so the primary key keeps it unique.
            e.Property(m => m.IdempotencyKey).HasMaxLength(200);
            e.Property(m => m.EmailType).HasMaxLength(255).IsRequired();
            e.Property(m => m.Transport).HasMaxLength(100);
            e.Property(m => m.From).HasMaxLength(1000).IsRequired();
            e.Property(m => m.ReplyTo).HasMaxLength(1000);
            e.Property(m => m.Category).HasMaxLength(EmailAttribute.MaxCategoryLength);
            e.Property(m => m.BounceAddress).HasMaxLength(1000);
            e.Property(m => m.Tags).HasMaxLength(1000);
            e.Property(m => m.Culture).HasMaxLength(85).IsRequired();
            e.Property(m => m.Subject).IsRequired();
            e.Property(m => m.LeaseOwner).HasMaxLength(200);
            e.Property(m => m.LeaseToken).IsConcurrencyToken();
            // The database default: rows that predate the column, and inserts that do not name it, start at 0.
            e.Property(m => m.AttemptsBefore).HasDefaultValue(0);
            e.Property(m => m.CreatedAt).HasConversion(utc);
            e.Property(m => m.DueAt).HasConversion(utc);
            e.Property(m => m.LeaseExpiresAt).HasConversion(utcNullable);
            e.Property(m => m.SentAt).HasConversion(utcNullable);
            e.Property(m => m.FailedAt).HasConversion(utcNullable);

            // Every index is one more entry to write at enqueue and at each state change, so the hot table keeps only
            // those a query needs, each holding only the rows that query reads. The claim scans only unfinished rows, in
            // send order; a partial index keeps it small however many sent rows remain.
            e.HasIndex(m => new { m.Priority, m.DueAt }, "ix_typedmail_messages_claim")
                .IsDescending(true, false)
                .HasFilter("state IN (0, 1, 3)");

            // Sent in the last hour (the dashboard), and the retention purge: sent rows only (a query on sent_at implies
            // sent_at IS NOT NULL), so a queued message is not written into it.
            e.HasIndex(m => new { m.State, m.SentAt }).HasFilter("sent_at IS NOT NULL");

            // Lists of one state, newest first, a page at a time (the dashboard): keyset pages walk this index.
            e.HasIndex(m => new { m.State, m.CreatedAt, m.Id }, "ix_typedmail_messages_state_created");
            e.HasMany(m => m.Recipients).WithOne().HasForeignKey(r => r.OutboxMessageId).OnDelete(DeleteBehavior.Cascade);
            e.HasMany(m => m.Attachments).WithOne().HasForeignKey(a => a.OutboxMessageId).OnDelete(DeleteBehavior.Cascade);
            e.HasMany(m => m.Attempts).WithOne().HasForeignKey(a => a.OutboxMessageId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<OutboxRecipient>(e =>
        {
            e.ToTable(OutboxTables.Recipients);
            e.HasKey(r => r.Id);
            e.Property(r => r.Address).HasMaxLength(1000).IsRequired();
            e.Property(r => r.EnhancedStatus).HasMaxLength(20);
            e.HasIndex(r => r.OutboxMessageId);
        });

        modelBuilder.Entity<OutboxAttempt>(e =>
        {
            e.ToTable(OutboxTables.Attempts);
            e.HasKey(a => a.Id);
            e.Property(a => a.StartedAt).HasConversion(utc);
            e.Property(a => a.Transport).HasMaxLength(100).IsRequired();
            e.Property(a => a.Dispatcher).HasMaxLength(200).IsRequired();
            e.Property(a => a.EnhancedStatus).HasMaxLength(20);
            // By message: the lapsed-lease count, the CLI, the cascade. By time: the dashboard's last hour, the purge.
            e.HasIndex(a => a.OutboxMessageId);
            e.HasIndex(a => a.StartedAt);
        });

        modelBuilder.Entity<OutboxBlob>(e =>
        {
            e.ToTable(OutboxTables.Blobs);
            e.HasKey(b => b.Sha256);
            e.Property(b => b.Sha256).HasMaxLength(64).IsFixedLength();
            e.Property(b => b.Content).IsRequired();
            e.Property(b => b.CreatedAt).HasConversion(utc);
        });

        modelBuilder.Entity<OutboxAttachment>(e =>
        {
            e.ToTable(OutboxTables.Attachments);
            e.HasKey(a => a.Id);
            e.Property(a => a.FileName).HasMaxLength(1000).IsRequired();
            e.Property(a => a.ContentType).HasMaxLength(255).IsRequired();
            e.Property(a => a.ContentId).HasMaxLength(255);
            e.Property(a => a.BlobSha256).HasMaxLength(64).IsFixedLength().IsRequired();
            e.HasIndex(a => a.OutboxMessageId);
            e.HasIndex(a => a.BlobSha256);

            // A blob outlives any one message; the retention purge deletes blobs no attachment links to.
            e.HasOne(a => a.Blob).WithMany().HasForeignKey(a => a.BlobSha256).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<OutboxSuppression>(e =>
        {
            e.ToTable(OutboxTables.Suppressions);
            e.HasKey(s => s.Address);
            e.Property(s => s.Address).HasMaxLength(1000);
            e.Property(s => s.Reason).HasMaxLength(1000);
            e.Property(s => s.CreatedAt).HasConversion(utc);
        });

        modelBuilder.Entity<OutboxUnsubscription>(e =>
        {
            e.ToTable(OutboxTables.Unsubscriptions);
            e.HasKey(u => new { u.Address, u.Category });
            e.Property(u => u.Address).HasMaxLength(1000);
            e.Property(u => u.Category).HasMaxLength(EmailAttribute.MaxCategoryLength);
            e.Property(u => u.CreatedAt).HasConversion(utc);
        });

        modelBuilder.Entity<OutboxThrottle>(e =>
        {
            e.ToTable(OutboxTables.Throttles);
            e.HasKey(t => t.Transport);
            e.Property(t => t.Transport).HasMaxLength(EnqueueOptions.MaxTransportLength);
        });

        foreach (var type in new[] { typeof(OutboxMessage), typeof(OutboxRecipient), typeof(OutboxAttempt), typeof(OutboxBlob), typeof(OutboxAttachment), typeof(OutboxSuppression), typeof(OutboxUnsubscription), typeof(OutboxThrottle) })
        {
            foreach (var property in modelBuilder.Model.FindEntityType(type)!.GetProperties())
            {
                property.SetColumnName(SnakeCase(property.Name));
            }
        }

        Bounces.BounceModel.Add(modelBuilder);
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

    /// <summary>Recipients of queued messages, with per-recipient state.</summary>
    public const string Recipients = "typedmail_recipients";

    /// <summary>The attempt log.</summary>
    public const string Attempts = "typedmail_attempts";

    /// <summary>Attachment content, keyed by SHA-256.</summary>
    public const string Blobs = "typedmail_blobs";

    /// <summary>Attachments of messages: name, type and a link to a blob.</summary>
    public const string Attachments = "typedmail_attachments";

    /// <summary>The suppression list.</summary>
    public const string Suppressions = "typedmail_suppressions";

    /// <summary>Recipients who unsubscribed from a category of mail.</summary>
    public const string Unsubscriptions = "typedmail_unsubscriptions";

    /// <summary>The shared send schedule of each throttled transport.</summary>
    public const string Throttles = "typedmail_throttles";

    /// <summary>Delivery events (bounces, delays, complaints) read from the bounce mailbox, per recipient.</summary>
    public const string DeliveryEvents = "typedmail_delivery_events";

    /// <summary>Reports the bounce processor has handled, each once.</summary>
    public const string ProcessedReports = "typedmail_processed_reports";
}
