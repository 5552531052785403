using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Mail;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using TypedMail.Smtp;
using TypedMail.Transports;

namespace TypedMail.Benchmarks.Smtp;

/// <summary>
/// Messages per second to smtp-sink on loopback. Every benchmark operation is one message; each case sends a
/// fixed number of messages per iteration and fails if the server did not accept all of them.
/// </summary>
public class SmtpThroughput
{
    private const int SmallTarget = 2048;
    private const int LargeTarget = 50 * 1024;
    private const int TypedMailSmall = 20_000;
    private const int TypedMailLarge = 5_000;
    private const int PeerMessages = 100;
    private const int BatchSize = 1_000;

    private SmtpSinkProcess _sink = null!;
    private SmtpTransport? _transport;
    private List<OutgoingEmail> _outgoing = [];

    [GlobalSetup(Targets = [nameof(TypedMail_2KB_1Connection), nameof(SmtpClient_2KB_1Client), nameof(SmtpSource_2KB_1Session)])]
    public void OneConnection() => Setup(1, large: false);

    [GlobalSetup(Targets = [nameof(TypedMail_2KB_4Connections), nameof(SmtpClient_2KB_4Clients), nameof(SmtpSource_2KB_4Sessions)])]
    public void FourConnections() => Setup(4, large: false);

    [GlobalSetup(Targets = [nameof(TypedMail_50KB_1Connection), nameof(SmtpClient_50KB_1Client)])]
    public void LargeMessages() => Setup(1, large: true);

    [GlobalCleanup]
    public void Cleanup()
    {
        _transport?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _sink.Dispose();
    }

    [BenchmarkCategory("2 KB, 1 connection"), Benchmark(OperationsPerInvoke = TypedMailSmall)]
    public Task TypedMail_2KB_1Connection() => SendAsync(TypedMailSmall);

    [BenchmarkCategory("2 KB, 1 connection"), Benchmark(Baseline = true, OperationsPerInvoke = PeerMessages)]
    public void SmtpClient_2KB_1Client() => SendWithSmtpClient(clients: 1, large: false);

    [BenchmarkCategory("2 KB, 1 connection"), Benchmark(OperationsPerInvoke = TypedMailSmall)]
    public void SmtpSource_2KB_1Session() => _sink.RunSmtpSource(1, TypedMailSmall, SmallTarget);

    [BenchmarkCategory("2 KB, 4 connections"), Benchmark(OperationsPerInvoke = TypedMailSmall)]
    public Task TypedMail_2KB_4Connections() => SendAsync(TypedMailSmall);

    [BenchmarkCategory("2 KB, 4 connections"), Benchmark(Baseline = true, OperationsPerInvoke = 4 * PeerMessages)]
    public void SmtpClient_2KB_4Clients() => SendWithSmtpClient(clients: 4, large: false);

    [BenchmarkCategory("2 KB, 4 connections"), Benchmark(OperationsPerInvoke = TypedMailSmall)]
    public void SmtpSource_2KB_4Sessions() => _sink.RunSmtpSource(4, TypedMailSmall, SmallTarget);

    [BenchmarkCategory("50 KB, 1 connection"), Benchmark(OperationsPerInvoke = TypedMailLarge)]
    public Task TypedMail_50KB_1Connection() => SendAsync(TypedMailLarge);

    [BenchmarkCategory("50 KB, 1 connection"), Benchmark(Baseline = true, OperationsPerInvoke = PeerMessages)]
    public void SmtpClient_50KB_1Client() => SendWithSmtpClient(clients: 1, large: true);

    private void Setup(int connections, bool large)
    {
        _sink = new SmtpSinkProcess();
        _transport = new SmtpTransport(new SmtpOptions
        {
            Host = "127.0.0.1",
            Port = _sink.Port,
            TlsMode = SmtpTlsMode.None,
            PoolSize = connections,
        });
        var count = large ? TypedMailLarge : TypedMailSmall;
        _outgoing = Enumerable.Range(0, count).Select(i => Message(i, large)).Select(m => new OutgoingEmail(Guid.NewGuid(), m, m.To)).ToList();
        var size = WireSize(_outgoing[0].Message);
        Console.WriteLine($"// {(large ? "large" : "small")} message: {size} bytes on the wire; smtp-sink on port {_sink.Port}; {connections} connection(s)");
    }

    private async Task SendAsync(int count)
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

    private void SendWithSmtpClient(int clients, bool large)
    {
        Parallel.For(0, clients, new ParallelOptions { MaxDegreeOfParallelism = clients }, _ =>
        {
            using var client = new SmtpClient("127.0.0.1", _sink.Port);
            for (var i = 0; i < PeerMessages; i++)
            {
                using var message = PeerMessage(_outgoing[i].Message, large);
                client.Send(message);
            }
        });
    }

    private static MailMessage PeerMessage(EmailMessage source, bool large)
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

    private static long WireSize(EmailMessage message)
    {
        using var stream = new MemoryStream();
        message.WriteToAsync(stream).GetAwaiter().GetResult();
        return stream.Length;
    }
}
