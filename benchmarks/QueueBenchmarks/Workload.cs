using System;
using System.Linq;
using TypedMail.Benchmarks.Queue.Emails;
using TypedMail.Outbox;

namespace TypedMail.Benchmarks.Queue;

/// <summary>The emails every benchmark enqueues: the same order with a different number and recipient each time.</summary>
public static class Workload
{
    private static readonly ShippedLine[] Lines =
    [
        new("Espresso beans, 1 kg", 2, 24.90m),
        new("Milk frother", 1, 39.00m),
        new("Ceramic cup, set of 4", 1, 28.50m),
        new("Descaler", 3, 6.95m),
        new("Gift wrapping", 1, 3.50m),
    ];

    public static OrderShippedEmail Email(int number)
        => new("Ada Lovelace", "K-" + number.ToString("D7", System.Globalization.CultureInfo.InvariantCulture), Lines, Lines.Sum(l => l.Quantity * l.Price),
            "https://track.example.com/parcel/" + number);

    public static string Recipient(int number) => $"customer{number}@example.com";

    /// <summary>The plain row holding the same text as <see cref="Email"/>'s rendering, for the peer insert.</summary>
    public static PlainEmail PlainRow(int number)
    {
        var rendered = Email(number).Render();
        return new PlainEmail
        {
            Id = Guid.NewGuid(),
            MessageId = Guid.NewGuid().ToString("N") + "@shop.example.com",
            From = "Example Shop <shop@example.com>",
            To = Recipient(number),
            Subject = rendered.Subject,
            HtmlBody = rendered.HtmlBody,
            TextBody = rendered.TextBody,
            CreatedAt = DateTime.UtcNow,
        };
    }

    /// <summary>The outbox rows Enqueue writes for <see cref="Email"/> (message and recipient), built by hand from its rendering.</summary>
    public static OutboxMessage OutboxRows(int number)
    {
        var rendered = Email(number).Render();
        var id = Guid.CreateVersion7();
        var now = DateTime.UtcNow;
        var message = new OutboxMessage
        {
            Id = id,
            MessageId = id.ToString("N") + "@example.com",
            EmailType = nameof(OrderShippedEmail),
            State = OutboxMessageState.Queued,
            CreatedAt = now,
            DueAt = now,
            From = "Example Shop <shop@example.com>",
            Subject = rendered.Subject,
            HtmlBody = rendered.HtmlBody,
            TextBody = rendered.TextBody,
        };
        message.Recipients.Add(new OutboxRecipient { OutboxMessageId = id, Kind = RecipientKind.To, Address = Recipient(number) });
        return message;
    }
}
