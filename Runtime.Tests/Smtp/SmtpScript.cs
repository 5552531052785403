using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using TypedMail.Mime;
using TypedMail.Runtime.Tests.Infrastructure;
using TypedMail.Smtp;
using TypedMail.Transports;

namespace TypedMail.Runtime.Tests.Smtp;

/// <summary>Messages, options and dialogue pieces shared by the scripted SMTP tests.</summary>
internal static class SmtpScript
{
    public const string Greeting = "220 mx.example.com ESMTP ready\r\n";
    public const string Ehlo = "EHLO client.example\r\n";
    public const string PipeliningEhlo = "250-mx.example.com greets client.example\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n250 \r\n";
    public const string PlainEhlo = "250-mx.example.com\r\n250 8BITMIME\r\n";
    public const string Envelope = "250 2.1.0 Sender OK\r\n";

    public static SmtpOptions Options(SmtpTlsMode tls = SmtpTlsMode.None, TimeSpan? commandTimeout = null) => new()
    {
        Host = "mx.example.com",
        TlsMode = tls,
        CommandTimeout = commandTimeout ?? TimeSpan.FromSeconds(10),
        ConnectTimeout = TimeSpan.FromSeconds(10),
    };

    public static OutgoingEmail Email(int number, params string[] recipients)
    {
        var to = (recipients.Length == 0 ? ["ada@example.com"] : recipients).Select(r => new EmailAddress(r)).ToList();
        var message = new EmailMessage
        {
            From = new EmailAddress("shop@example.com", "Shop"),
            To = to,
            Subject = "Order " + number,
            Date = new DateTimeOffset(2025, 7, 15, 10, 0, 0, TimeSpan.Zero),
            MessageId = $"m{number}@shop.example.com",
            TextBody = "Hello,\nyour order " + number + " shipped.\n",
        };
        return new OutgoingEmail(Guid.NewGuid(), message, to);
    }

    /// <summary>The message's wire form (what goes between DATA and the final dot, before dot-stuffing).</summary>
    public static string WireForm(OutgoingEmail email)
    {
        using var content = MimeContent.Build(email.Message);
        var buffer = new byte[4096];
        var sb = new StringBuilder();
        int read;
        while ((read = content.Read(buffer)) > 0)
        {
            sb.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        return sb.ToString();
    }

    public static string EnvelopeOf(OutgoingEmail email, string mailParameters = "")
        => $"MAIL FROM:<{email.MailFrom.AsciiAddress}>{mailParameters}\r\n"
            + string.Concat(email.Recipients.Select(r => $"RCPT TO:<{r.AsciiAddress}>\r\n"))
            + "DATA\r\n";

    public static Task<SmtpConnection> OpenAsync(SmtpReplayStream replay, SmtpOptions? options = null, CancellationToken cancellationToken = default)
        => SmtpConnection.OpenAsync(replay, null, options ?? Options(), "client.example", cancellationToken);

    /// <summary>Runs one connection over the queue; returns the queue (results) and what the connection threw, if anything.</summary>
    public static async Task<(SmtpSendQueue Queue, Exception? Error)> RunAsync(SmtpConnection connection, IReadOnlyList<OutgoingEmail> batch, CancellationToken cancellationToken = default)
    {
        var queue = new SmtpSendQueue(batch);
        try
        {
            await connection.RunAsync(queue, cancellationToken);
            return (queue, null);
        }
        catch (Exception ex)
        {
            return (queue, ex);
        }
    }
}
