using System;
using System.Collections.Generic;
using System.Linq;
using TypedMail.Deliverability;
using TypedMail.Transports;

namespace TypedMail.Outbox;

/// <summary>Rebuilds the message and its envelope from an outbox row.</summary>
internal static class OutboxMapping
{
    public static OutgoingEmail ToOutgoing(OutboxMessage row)
    {
        var to = new List<EmailAddress>();
        var cc = new List<EmailAddress>();
        var bcc = new List<EmailAddress>();
        var envelope = new List<EmailAddress>();
        foreach (var recipient in row.Recipients)
        {
            var address = EmailAddress.Parse(recipient.Address);
            (recipient.Kind switch { RecipientKind.To => to, RecipientKind.Cc => cc, _ => bcc }).Add(address);
            if (recipient.State == RecipientState.Pending)
            {
                envelope.Add(address);
            }
        }

        var message = new EmailMessage
        {
            From = EmailAddress.Parse(row.From),
            To = to,
            Cc = cc,
            Bcc = bcc,
            ReplyTo = row.ReplyTo is null ? null : EmailAddress.Parse(row.ReplyTo),
            Subject = row.Subject,
            Date = new DateTimeOffset(DateTime.SpecifyKind(row.CreatedAt, DateTimeKind.Utc)),
            MessageId = row.MessageId,
            HtmlBody = row.HtmlBody,
            TextBody = row.TextBody,
            Attachments = row.Attachments.OrderBy(a => a.Position).Select(ToAttachment).ToList(),
            Headers = MessageHeaders.Deserialize(row.Headers),
        };

        // One envelope per message: with one recipient the VERP token names it; with several, the bounce's
        // Final-Recipient field does (splitting would send the content once per recipient).
        return new OutgoingEmail(row.Id, message, envelope)
        {
            MailFrom = row.BounceAddress is null
                ? message.From
                : VerpAddress.Format(EmailAddress.Parse(row.BounceAddress), row.Id, envelope.Count == 1 ? envelope[0] : null),
        };
    }

    private static EmailAttachment ToAttachment(OutboxAttachment link)
    {
        var blob = link.Blob ?? throw new InvalidOperationException($"Attachment '{link.FileName}' of an outbox message was loaded without its blob {link.BlobSha256}.");
        return new EmailAttachment(link.FileName, link.ContentType, blob.Content, link.ContentId);
    }
}
