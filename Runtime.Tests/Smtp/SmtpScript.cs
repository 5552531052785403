using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
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
    public const string Quit = "QUIT\r\n";
    public const string Bye = "221 2.0.0 Bye\r\n";

    public static SmtpOptions Options(SmtpTlsMode tls = SmtpTlsMode.None) => new()
    {
        Host = "mx.example.com",
        TlsMode = tls,
        ClientName = "client.example",
        PoolSize = 1,
        CommandTimeout = TimeSpan.FromSeconds(10),
        ConnectTimeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>A transport whose connections are the scripted servers, one per connection, in order.</summary>
    public static SmtpTransport Transport(SmtpOptions options, ILogger? logger, params SmtpReplayStream[] servers)
    {
        var next = 0;
        return new SmtpTransport(options, null, logger, _ => next < servers.Length
            ? ValueTask.FromResult<Stream>(servers[next++])
            : throw new IOException($"The test scripted {servers.Length} connections; the transport opened another."));
    }

    public static SmtpTransport Transport(params SmtpReplayStream[] servers) => Transport(Options(), null, servers);

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

    /// <summary>The message's wire form as the transport sends it (between DATA and the final dot, before dot-stuffing).</summary>
    public static string WireForm(OutgoingEmail email)
    {
        using var stream = new MemoryStream();
        using (var message = MimeMessageBuilder.Unsigned.Build(email.Message))
        {
            message.WriteTo(MimeMessageBuilder.WireFormat, stream);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The pipelined MAIL FROM and RCPT TO commands of a message.</summary>
    public static string EnvelopeOf(OutgoingEmail email, string mailParameters = "", string rcptParameters = "")
        => $"MAIL FROM:<{email.MailFrom.AsciiAddress}>{mailParameters}\r\n"
            + string.Concat(email.Recipients.Select(r => $"RCPT TO:<{r.AsciiAddress}>{rcptParameters}\r\n"));

    /// <summary>DATA, its 354, the content with the final dot, and the final reply.</summary>
    public static SmtpReplayStream Data(this SmtpReplayStream replay, OutgoingEmail email, string finalReply = "250 2.0.0 Ok: queued as A1\r\n")
        => replay.Client("DATA\r\n").Server("354 End data with <CR><LF>.<CR><LF>\r\n").Client(WireForm(email) + ".\r\n").Server(finalReply);

    public static SmtpReplayStream Hello(this SmtpReplayStream replay, string ehloReply = PipeliningEhlo)
        => replay.Server(Greeting).Client(Ehlo).Server(ehloReply);

    public static SmtpReplayStream Goodbye(this SmtpReplayStream replay) => replay.Client(Quit).Server(Bye);
}
