using System;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using TypedMail.Outbox;

namespace TypedMail.Bounces;

/// <summary>The bounce processor's tables, added to the model by <see cref="ModelBuilderExtensions.AddTypedMailOutbox"/>.</summary>
internal static class BounceModel
{
    public static void Add(ModelBuilder modelBuilder)
    {
        var utc = new ValueConverter<DateTime, DateTime>(v => v, v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
        modelBuilder.Entity<OutboxDeliveryEvent>(e =>
        {
            e.ToTable(OutboxTables.DeliveryEvents);
            e.HasKey(d => d.Id);
            e.Property(d => d.Recipient).HasMaxLength(1000).IsRequired();
            e.Property(d => d.Status).HasMaxLength(20);
            e.Property(d => d.Diagnostic).HasMaxLength(2000);
            e.Property(d => d.RemoteMta).HasMaxLength(1000);
            e.Property(d => d.ReportKey).HasMaxLength(1000).IsRequired();
            e.Property(d => d.RecordedAt).HasConversion(utc);
            e.HasIndex(d => d.OutboxMessageId);
            e.HasIndex(d => new { d.Recipient, d.Kind });

            // Events go with their message when the retention purge deletes it.
            e.HasOne<OutboxMessage>().WithMany().HasForeignKey(d => d.OutboxMessageId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<OutboxProcessedReport>(e =>
        {
            e.ToTable(OutboxTables.ProcessedReports);
            e.HasKey(r => r.Key);
            e.Property(r => r.Key).HasMaxLength(1000);
            e.Property(r => r.Detail).HasMaxLength(2000);
            e.Property(r => r.ProcessedAt).HasConversion(utc);
        });

        foreach (var type in new[] { typeof(OutboxDeliveryEvent), typeof(OutboxProcessedReport) })
        {
            foreach (var property in modelBuilder.Model.FindEntityType(type)!.GetProperties())
            {
                property.SetColumnName(ModelBuilderExtensions.SnakeCase(property.Name));
            }
        }
    }
}
