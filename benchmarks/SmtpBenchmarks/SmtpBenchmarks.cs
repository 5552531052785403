using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Mail;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using MailKit.Security;
using TypedMail.Mime;
using TypedMail.Smtp;
using TypedMail.Transports;

namespace TypedMail.Benchmarks.Smtp;

/// <summary>The shared work of the SMTP benchmarks: a sink (behind a delay proxy when asked), the transport under test and its peers.</summary>
public sealed class SmtpBench : IDisposable
{
    private const int BatchSize = 500;

    private SmtpSinkProcess _sink = null!;
    private DelayProxyProcess? _proxy;
    private SmtpTransport? _transport;
    private List<OutgoingEmail> _outgoing = [];
    private int _port;

    public void Dispose()
    {
        _transport?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _proxy?.Dispose();
        _sink.Dispose();
    }

    internal void Setup(int connections, bool large, double delayMs, int maxMessages)
    {
        _sink = new SmtpSinkProcess();
        _port = _sink.Port;
        if (delayMs > 0)
        {
            _proxy = new DelayProxyProcess(_sink.Port, delayMs);
            _port = _proxy.Port;
        }

        _transport = new SmtpTransport(new SmtpOptions
        {
            Host = "127.0.0.1",
            Port = _port,
            TlsMode = SmtpTlsMode.None,
            PoolSize = connections,
        });
        _outgoing = Enumerable.Range(0, maxMessages).Select(i => Message(i, large)).Select(m => new OutgoingEmail(Guid.NewGuid(), m, m.To)).ToList();
        using var wire = new MemoryStream();
        MimeMessageBuilder.Unsigned.Build(_outgoing[0].Message).WriteTo(MimeMessageBuilder.WireFormat, wire);
        Console.WriteLine($"// {wire.Length} bytes on the wire; smtp-sink on port {_sink.Port}; {connections} connection(s); {2 * delayMs} ms round trip added");
    }

    internal async Task SendWithTransportAsync(int count)
    {
        for (var start = 0; start < count; start += BatchSize)
        {
            var results = await _transport!.SendAsync(_outgoing.GetRange(start, Math.Min(BatchSize, count - start)), CancellationToken.None);
            foreach (var result in results)
            {
                if (result.Status != DeliveryStatus.Accepted)
                {
                    throw new InvalidOperationException($"Not accepted: {result.Reply} {result.Error}");
                }
            }
        }
    }

    /// <summary>What an application would write with MailKit alone: one client per connection (Nagle off), each sending its share in turn.</summary>
    internal async Task SendWithMailKitAsync(int clients, int count)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            // Nagle off, as the transport does: otherwise MailKit waits on delayed ACKs (about 40 ms a message).
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync("127.0.0.1", _port);
            using var client = new MailKit.Net.Smtp.SmtpClient();
            await client.ConnectAsync(socket, "127.0.0.1", _port, SecureSocketOptions.None);
            int index;
            while ((index = Interlocked.Increment(ref next)) < count)
            {
                var email = _outgoing[index];
                using var message = MimeMessageBuilder.Unsigned.Build(email.Message);
                await client.SendAsync(MimeMessageBuilder.WireFormat, message, MimeMessageBuilder.Mailbox(email.MailFrom), email.Recipients.Select(MimeMessageBuilder.Mailbox));
            }

            await client.DisconnectAsync(quit: true);
        }));
    }

    internal void SendWithSystemNetMail(int clients, int perClient)
    {
        Parallel.For(0, clients, new ParallelOptions { MaxDegreeOfParallelism = clients }, c =>
        {
            using var client = new System.Net.Mail.SmtpClient("127.0.0.1", _port);
            for (var i = 0; i < perClient; i++)
            {
                using var message = PeerMessage(_outgoing[(c * perClient) + i].Message);
                client.Send(message);
            }
        });
    }

    private static MailMessage PeerMessage(EmailMessage source)
    {
        var message = new MailMessage(source.From.Address, source.To[0].Address, source.Subject, source.TextBody)
        {
            BodyEncoding = Encoding.UTF8,
        };
        message.Headers.Add("Message-ID", "<" + source.MessageId + ">");
        foreach (var attachment in source.Attachments)
        {
            // The stream is disposed with the message.
            message.Attachments.Add(new Attachment(new MemoryStream(attachment.Content.ToArray()), attachment.FileName, attachment.ContentType));
        }

        return message;
    }

    private static EmailMessage Message(int number, bool large)
    {
        // Sized so the whole message is about 2 KB (small) or 50 KB (large) on the wire.
        var text = Body(large ? 1200 : 1727);
        return new EmailMessage
        {
            From = new EmailAddress("shop@example.com", "Example Shop"),
            To = [new EmailAddress($"customer{number}@example.com", "A Customer")],
            Subject = "Your order " + number + " has shipped",
            Date = new DateTimeOffset(2025, 7, 15, 10, 0, 0, TimeSpan.Zero),
            MessageId = $"bench{number}@shop.example.com",
            TextBody = text,
            Attachments = large ? [new EmailAttachment("invoice.pdf", "application/pdf", Attachment)] : [],
        };
    }

    private static readonly byte[] Attachment = CreateAttachment(35_700);

    private static byte[] CreateAttachment(int length)
    {
        var bytes = new byte[length];
        new Random(42).NextBytes(bytes);
        return bytes;
    }

    private static string Body(int length)
    {
        var sb = new StringBuilder(length + 80);
        while (sb.Length < length)
        {
            sb.Append("Thank you for your order. It left our warehouse today and is on its way.\n");
        }

        return sb.ToString(0, length);
    }
}

/// <summary>
/// Messages per second to smtp-sink on loopback, 2 KB messages: TypedMail's transport against raw MailKit
/// <c>SmtpClient</c>s on the same number of connections (each building the same message with the same builder),
/// and System.Net.Mail. Every benchmark operation is one message.
/// </summary>
public class Smtp2KB
{
    private const int Messages = 4_000;
    private const int PeerMessages = 100;
    private readonly SmtpBench _bench = new();

    [Params(1, 4)]
    public int Connections { get; set; }

    [GlobalSetup]
    public void Setup() => _bench.Setup(Connections, large: false, delayMs: 0, Messages);

    [GlobalCleanup]
    public void Cleanup() => _bench.Dispose();

    [Benchmark(OperationsPerInvoke = Messages)]
    public Task TypedMail() => _bench.SendWithTransportAsync(Messages);

    [Benchmark(Baseline = true, OperationsPerInvoke = Messages)]
    public Task MailKitRaw() => _bench.SendWithMailKitAsync(Connections, Messages);

    [Benchmark(OperationsPerInvoke = PeerMessages)]
    public void SystemNetMail() => _bench.SendWithSystemNetMail(Connections, PeerMessages / Connections);
}

/// <summary>As <see cref="Smtp2KB"/>, with 50 KB messages (a PDF attachment).</summary>
public class Smtp50KB
{
    private const int Messages = 800;
    private const int PeerMessages = 100;
    private readonly SmtpBench _bench = new();

    [Params(1, 4)]
    public int Connections { get; set; }

    [GlobalSetup]
    public void Setup() => _bench.Setup(Connections, large: true, delayMs: 0, Messages);

    [GlobalCleanup]
    public void Cleanup() => _bench.Dispose();

    [Benchmark(OperationsPerInvoke = Messages)]
    public Task TypedMail() => _bench.SendWithTransportAsync(Messages);

    [Benchmark(Baseline = true, OperationsPerInvoke = Messages)]
    public Task MailKitRaw() => _bench.SendWithMailKitAsync(Connections, Messages);

    [Benchmark(OperationsPerInvoke = PeerMessages)]
    public void SystemNetMail() => _bench.SendWithSystemNetMail(Connections, PeerMessages / Connections);
}

/// <summary>
/// 2 KB messages through shared/tools/delay_proxy.py adding a 10 ms round trip: how sending on more connections
/// recovers what the round trips cost.
/// </summary>
public class Smtp2KBRoundTrip10ms
{
    private const int Messages = 96;
    private const int PeerMessages = 48;
    private readonly SmtpBench _bench = new();

    [Params(1, 8)]
    public int Connections { get; set; }

    [GlobalSetup]
    public void Setup() => _bench.Setup(Connections, large: false, delayMs: 5, Messages);

    [GlobalCleanup]
    public void Cleanup() => _bench.Dispose();

    [Benchmark(OperationsPerInvoke = Messages)]
    public Task TypedMail() => _bench.SendWithTransportAsync(Messages);

    [Benchmark(Baseline = true, OperationsPerInvoke = Messages)]
    public Task MailKitRaw() => _bench.SendWithMailKitAsync(Connections, Messages);

    [Benchmark(OperationsPerInvoke = PeerMessages)]
    public void SystemNetMail() => _bench.SendWithSystemNetMail(Connections, PeerMessages / Connections);
}
