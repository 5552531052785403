using System;
using System.Collections.Generic;
using System.Linq;
using TypedMail.Deliverability;
using TypedMail.Transports;

namespace TypedMail.Outbox;

/// <summary>Rebuilds the message and its envelope from an outbox row.</summary>
internal static class OutboxMapping
{
    /// <summary>
    /// The message and its envelope of pending recipients, with <paramref name="envelope"/> filled in the same order:
    /// <c>envelope[i]</c> is the row of <c>Recipients[i]</c>. Transports hand each envelope address back in their
    /// results, so outcomes are applied to recipients by that identity, never matched by address text.
    /// </summary>
    public static OutgoingEmail ToOutgoing(OutboxMessage row, List<OutboxRecipient> envelope)
    {
        envelope.Clear();
        var to = new List<EmailAddress>();
        var cc = new List<EmailAddress>();
        var bcc = new List<EmailAddress>();
        var addresses = new List<EmailAddress>();
        foreach (var recipient in row.Recipients)
        {
            var address = EmailAddress.Parse(recipient.Address);
            (recipient.Kind switch { RecipientKind.To => to, RecipientKind.Cc => cc, _ => bcc }).Add(address);
            if (recipient.State == RecipientState.Pending)
            {
                addresses.Add(address);
                envelope.Add(recipient);
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
        return new OutgoingEmail(row.Id, message, addresses)
        {
            MailFrom = row.BounceAddress is null
                ? message.From
                : VerpAddress.Format(EmailAddress.Parse(row.BounceAddress), row.Id, addresses.Count == 1 ? addresses[0] : null),
        };
    }

    private static EmailAttachment ToAttachment(OutboxAttachment link)
    {
        var blob = link.Blob ?? throw new InvalidOperationException($"Attachment '{link.FileName}' of an outbox message was loaded without its blob {link.BlobSha256}.");
        return new EmailAttachment(link.FileName, link.ContentType, blob.Content, link.ContentId);
    }
}
