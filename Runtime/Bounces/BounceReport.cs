using System;
using System.Collections.Generic;
using System.Linq;
using MimeKit;

namespace TypedMail.Bounces;

/// <summary>What one report says about one recipient.</summary>
/// <param name="Addresses">The recipient's addresses as the report names them, best first (the original recipient, then the final one), lowercased.</param>
/// <param name="Kind">What happened.</param>
/// <param name="Status">The enhanced status code, such as <c>5.1.1</c>, when given.</param>
/// <param name="Diagnostic">The remote server's reply, or the complaint's feedback type.</param>
/// <param name="RemoteMta">The server that answered, or the complaint's reporter.</param>
internal sealed record RecipientReport(IReadOnlyList<string> Addresses, DeliveryEventKind Kind, string? Status, string? Diagnostic, string? RemoteMta);

/// <summary>A delivery status notification (RFC 3464) or feedback report (RFC 5965), read into what TypedMail needs.</summary>
/// <param name="Verp">
/// The VERP envelope sender the report was returned to (<see cref="VerpAddress"/>), which names the message and, for a
/// single-recipient envelope, the recipient; <see langword="null"/> when the report was not sent to one.
/// </param>
/// <param name="OriginalMessageId">The <c>Message-ID</c> of the message the report is about, without angle brackets, when it returns the original's headers.</param>
/// <param name="Recipients">One entry per recipient the report is about (DSN recipients whose action is delivered, relayed or expanded are left out).</param>
internal sealed record BounceReport(VerpToken? Verp, string? OriginalMessageId, IReadOnlyList<RecipientReport> Recipients)
{
    /// <summary>Reads a report.</summary>
    /// <exception cref="BounceReportException">It is not a usable DSN or feedback report; the message says why.</exception>
    public static BounceReport Parse(MimeMessage message)
    {
        var report = message.Body as MultipartReport
            ?? throw new BounceReportException($"it is not a multipart/report but {message.Body?.ContentType.MimeType ?? "empty"}");
        var original = OriginalHeaders(report);
        var originalId = original?.MessageId;
        List<RecipientReport> recipients;

        // Where the VERP address shows: the report's own recipient headers (a DSN goes to the envelope sender), Postfix's
        // X-Postfix-Sender, ARF's Original-Mail-From, and the returned headers' Return-Path.
        var senders = new List<string?>
        {
            message.Headers["Delivered-To"], message.Headers["X-Original-To"], message.To.Mailboxes.FirstOrDefault()?.Address,
        };
        if (string.Equals(report.ReportType, "delivery-status", StringComparison.OrdinalIgnoreCase))
        {
            var status = report.OfType<MessageDeliveryStatus>().FirstOrDefault()
                ?? throw new BounceReportException("its multipart/report of type delivery-status has no message/delivery-status part");
            recipients = DeliveryStatusRecipients(status);
            senders.Add(TypedValue(status.StatusGroups.FirstOrDefault()?["X-Postfix-Sender"]));
        }
        else if (string.Equals(report.ReportType, "feedback-report", StringComparison.OrdinalIgnoreCase))
        {
            var feedback = report.OfType<MessageFeedbackReport>().FirstOrDefault()
                ?? throw new BounceReportException("its multipart/report of type feedback-report has no message/feedback-report part");
            recipients = [Complaint(feedback.Fields, original)];
            senders.Add(feedback.Fields["Original-Mail-From"]);
        }
        else
        {
            throw new BounceReportException($"its report type '{report.ReportType}' is neither delivery-status nor feedback-report");
        }

        senders.Add(original?.Headers["Return-Path"]);
        VerpToken? verp = null;
        foreach (var sender in senders)
        {
            if (VerpAddress.TryParse(sender?.Trim(), out var token))
            {
                verp = token;
                break;
            }
        }

        if (verp is null && string.IsNullOrEmpty(originalId))
        {
            throw new BounceReportException("it was not returned to a VERP address and does not return the original message's headers with a Message-ID");
        }

        return new BounceReport(verp, string.IsNullOrEmpty(originalId) ? null : originalId, recipients);
    }

    /// <summary>The returned message (message/rfc822) or its headers (text/rfc822-headers, also a <see cref="MessagePart"/> in MimeKit).</summary>
    private static MimeMessage? OriginalHeaders(MultipartReport report)
        => report.OfType<MessagePart>().Select(p => p.Message).FirstOrDefault(m => m is not null);

    private static List<RecipientReport> DeliveryStatusRecipients(MessageDeliveryStatus status)
    {
        // A trailing blank line may parse as an empty group: only groups with fields count.
        var groups = status.StatusGroups.Where(g => g.Count > 0).ToList();
        if (groups.Count < 2)
        {
            throw new BounceReportException("its message/delivery-status has no per-recipient fields");
        }

        var recipients = new List<RecipientReport>();
        foreach (var fields in groups.Skip(1))
        {
            var action = fields["Action"]?.Trim().ToLowerInvariant();
            var code = fields["Status"]?.Trim();
            DeliveryEventKind kind;
            switch (action)
            {
                case "failed":
                    kind = code is not null && code.StartsWith('4') ? DeliveryEventKind.SoftBounce : DeliveryEventKind.HardBounce;
                    break;
                case "delayed":
                    kind = DeliveryEventKind.Deferred;
                    break;
                case "delivered" or "relayed" or "expanded":
                    continue;
                default:
                    throw new BounceReportException($"a recipient's Action is '{fields["Action"]}', not failed, delayed, delivered, relayed or expanded");
            }

            var addresses = new[] { fields["Original-Recipient"], fields["Final-Recipient"] }
                .Select(TypedAddress).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
            if (addresses.Count == 0)
            {
                throw new BounceReportException("a recipient has no Final-Recipient with an rfc822 address");
            }

            recipients.Add(new RecipientReport(addresses, kind, code, Clean(fields["Diagnostic-Code"]), Clean(TypedValue(fields["Remote-MTA"]))));
        }

        if (recipients.Count == 0)
        {
            throw new BounceReportException("it reports no failed or delayed recipient");
        }

        return recipients;
    }

    private static RecipientReport Complaint(HeaderList fields, MimeMessage? original)
    {
        var feedbackType = fields["Feedback-Type"]?.Trim();
        if (string.IsNullOrEmpty(feedbackType))
        {
            throw new BounceReportException("its message/feedback-report has no Feedback-Type");
        }

        // Original-Rcpt-To names the recipient; without it, the returned message's single To address does.
        var addresses = fields.Where(h => h.Field.Equals("Original-Rcpt-To", StringComparison.OrdinalIgnoreCase))
            .Select(h => Mailbox(h.Value)).OfType<string>().ToList();
        if (addresses.Count == 0 && original?.To.Mailboxes.ToList() is [var only])
        {
            addresses.Add(only.Address.ToLowerInvariant());
        }

        if (addresses.Count == 0)
        {
            throw new BounceReportException("its feedback report names no recipient (no Original-Rcpt-To, and the returned message has not exactly one To address)");
        }

        var reporter = Clean(TypedValue(fields["Reporting-MTA"])) ?? Clean(fields["User-Agent"]);
        return new RecipientReport(addresses.Distinct(StringComparer.Ordinal).ToList(), DeliveryEventKind.Complaint, null, "feedback-type: " + feedbackType, reporter);
    }

    /// <summary>The address of an <c>rfc822; ada@example.com</c> field, lowercased; other address types are ignored.</summary>
    private static string? TypedAddress(string? field)
    {
        if (field is null)
        {
            return null;
        }

        var semicolon = field.IndexOf(';', StringComparison.Ordinal);
        if (semicolon < 0 || !field.AsSpan(0, semicolon).Trim().Equals("rfc822", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return Mailbox(field[(semicolon + 1)..]);
    }

    private static string? Mailbox(string text)
        => MailboxAddress.TryParse(text.Trim(), out var mailbox) && mailbox.Address.Contains('@', StringComparison.Ordinal)
            ? mailbox.Address.ToLowerInvariant()
            : null;

    /// <summary>The value of a <c>dns; mx.example.com</c> field, without its type.</summary>
    private static string? TypedValue(string? field)
    {
        var semicolon = field?.IndexOf(';', StringComparison.Ordinal) ?? -1;
        return semicolon < 0 ? field : field![(semicolon + 1)..];
    }

    /// <summary>Unfolds and trims a field value, keeping it within the column's length.</summary>
    private static string? Clean(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var text = string.Join(' ', value.Split(['\r', '\n', '\t', ' '], StringSplitOptions.RemoveEmptyEntries));
        return text.Length <= 1000 ? text : text[..1000];
    }
}

/// <summary>A report in the bounce mailbox that cannot be used; the message says why.</summary>
public sealed class BounceReportException : Exception
{
    /// <summary>Creates the exception.</summary>
    public BounceReportException()
    {
    }

    /// <summary>Creates the exception with the reason.</summary>
    /// <param name="message">Why the report cannot be used.</param>
    public BounceReportException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the reason and the cause.</summary>
    /// <param name="message">Why the report cannot be used.</param>
    /// <param name="innerException">The cause.</param>
    public BounceReportException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
