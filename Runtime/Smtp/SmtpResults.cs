using System;
using System.Collections.Generic;
using MailKit.Net.Smtp;
using TypedMail.Transports;

namespace TypedMail.Smtp;

/// <summary>
/// Turns what <see cref="RecordingSmtpClient"/> recorded, and the reply MailKit threw, into one result per
/// recipient. Classification is by reply code only: 2xx accepted, 4xx for now, 5xx for good.
/// </summary>
internal static class SmtpResults
{
    /// <summary>454: a provider's throttling reply (or a temporary AUTH/TLS failure): try again, but later than usual.</summary>
    public const int Throttled = 454;

    /// <summary>Every accepted recipient takes the final reply; the others keep the reply to their RCPT TO.</summary>
    public static SendResult Completed(OutgoingEmail email, RecordingSmtpClient client, TransportReply final, SmtpOptions options)
    {
        var results = new RecipientResult[email.Recipients.Count];
        var status = DeliveryStatus.PermanentFailure;
        TransportReply? decisive = null;
        var throttled = final.Code == Throttled;
        for (var i = 0; i < results.Length; i++)
        {
            var rcpt = client.RecipientReplies[i];
            var reply = rcpt is { Code: < 300 } || rcpt is null ? final : Reply(rcpt.Value);
            var recipientStatus = StatusOf(reply.Code);
            results[i] = new RecipientResult(email.Recipients[i], recipientStatus, reply);
            throttled |= reply.Code == Throttled;

            // The message fares as its best recipient (Accepted < TransientFailure < PermanentFailure).
            if (decisive is null || recipientStatus < status)
            {
                status = recipientStatus;
                decisive = reply;
            }
        }

        return new SendResult(status, decisive, results) { RetryAfter = throttled ? options.ThrottledRetryDelay : null };
    }

    /// <summary>The result after MailKit threw <paramref name="refused"/>: the sender refused, no recipient accepted, or DATA or the content refused.</summary>
    public static SendResult Refused(OutgoingEmail email, RecordingSmtpClient client, SmtpCommandException refused, SmtpOptions options)
    {
        if (client.RefusedSender is { } sender)
        {
            var reply = Reply(sender);
            return SendResult.FailedForAll(email, StatusOf(reply.Code), reply) with { RetryAfter = sender.Code == Throttled ? options.ThrottledRetryDelay : null };
        }

        // When no recipient was accepted each keeps its own reply (MailKit's "no recipients" exception is not the
        // server's); otherwise the reply refused DATA or the content, for every accepted recipient.
        return Completed(email, client, Reply((int)refused.StatusCode, refused.Message), options);
    }

    /// <summary>Whether the server said 421 (closing) anywhere in the last send: nothing was delivered and the connection is gone.</summary>
    public static bool ServerClosing(RecordingSmtpClient client, SmtpCommandException refused)
    {
        if (refused.StatusCode == SmtpStatusCode.ServiceNotAvailable || client.RefusedSender?.Code == 421)
        {
            return true;
        }

        foreach (var reply in client.RecipientReplies)
        {
            if (reply?.Code == 421)
            {
                return true;
            }
        }

        return false;
    }

    public static DeliveryStatus StatusOf(int code) => code switch
    {
        < 400 => DeliveryStatus.Accepted,
        < 500 => DeliveryStatus.TransientFailure,
        _ => DeliveryStatus.PermanentFailure,
    };

    public static TransportReply Reply(SmtpReply reply) => Reply(reply.Code, reply.Text);

    /// <summary>
    /// A reply with its enhanced status code (RFC 3463) taken from the front of the text when it has one of the
    /// reply's class; the lines of a multi-line reply are joined with a space, each without its repeated status.
    /// </summary>
    public static TransportReply Reply(int code, string text)
    {
        if (!text.Contains('\n'))
        {
            // The usual case: one line, such as "2.0.0 Ok: queued as 4Bv1Q".
            var length = EnhancedStatusLength(text, code);
            return length == 0
                ? new TransportReply(code, null, text)
                : new TransportReply(code, Common(text.AsSpan(0, length)), text[Math.Min(text.Length, length + 1)..]);
        }

        string? enhanced = null;
        var joined = new System.Text.StringBuilder(text.Length);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            var length = EnhancedStatusLength(line, code);
            if (length > 0 && (enhanced is null || line.AsSpan(0, length).SequenceEqual(enhanced)))
            {
                enhanced ??= line[..length];
                line = line[length..].TrimStart(' ');
            }

            if (line.Length > 0)
            {
                joined.Append(joined.Length == 0 ? "" : " ").Append(line);
            }
        }

        return new TransportReply(code, enhanced, joined.ToString());
    }

    /// <summary>The enhanced status codes of most replies, shared rather than allocated per reply.</summary>
    private static string Common(ReadOnlySpan<char> status) => status switch
    {
        "2.0.0" => "2.0.0",
        "2.1.0" => "2.1.0",
        "2.1.5" => "2.1.5",
        "2.6.0" => "2.6.0",
        _ => status.ToString(),
    };

    /// <summary>The length of a leading <c>class.subject.detail</c> (followed by a space or the end), or 0.</summary>
    private static int EnhancedStatusLength(string line, int code)
    {
        if (line.Length < 5 || line[0] != (char)('0' + (code / 100)) || line[1] != '.')
        {
            return 0;
        }

        var i = 2;
        for (var part = 0; part < 2; part++)
        {
            var start = i;
            while (i < line.Length && char.IsAsciiDigit(line[i]) && i - start < 3)
            {
                i++;
            }

            if (i == start || (part == 0 && (i >= line.Length || line[i] != '.')))
            {
                return 0;
            }

            if (part == 0)
            {
                i++;
            }
        }

        return i == line.Length || line[i] == ' ' ? i : 0;
    }
}
