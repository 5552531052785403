using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using TypedMail.Benchmarks.Queue.Emails;
using TypedMail.Benchmarks.Smtp;
using TypedMail.Dispatch;
using TypedMail.Outbox;
using TypedMail.Smtp;
using TypedMail.Transports;

namespace TypedMail.Benchmarks.Queue;

/// <summary>
/// End-to-end dispatch rate: a queue of committed emails drained by 1 or 4 dispatchers (each with its own SMTP
/// connection) to postfix's smtp-sink. The peer, in the same run: the same messages sent straight through
/// <see cref="SmtpTransport"/> over as many connections, with no database, in batches of the dispatcher's batch size.
/// </summary>
public static class DispatchBenchmark
{
    private const int BatchSize = 50;

    public static async Task<List<string[]>> RunAsync(Func<QueueDatabase> open, int messages)
    {
        var rows = new List<string[]>();
        foreach (var dispatchers in new[] { 1, 4 })
        {
            using var sink = new SmtpSinkProcess();

            // Warm-up of both paths on a small queue of its own.
            using (var warm = open())
            {
                await DrainAsync(warm, sink.Port, dispatchers, 400);
            }

            await DirectAsync(sink.Port, dispatchers, 400);

            using var database = open();
            var queued = await DrainAsync(database, sink.Port, dispatchers, messages);
            var direct = await DirectAsync(sink.Port, dispatchers, messages);
            Console.WriteLine($"// {database.Provider}, {dispatchers} dispatcher(s): queue {queued:N0}/s, SmtpTransport alone {direct:N0}/s");
            rows.Add([database.Provider, $"{dispatchers}", $"{queued:N0}", $"{direct:N0}", $"**{queued / direct:0.00}**"]);
        }

        return rows;
    }

    private static async Task<double> DrainAsync(QueueDatabase database, int port, int dispatchers, int messages)
    {
        for (var start = 0; start < messages; start += 500)
        {
            await using var db = database.Create<QueueContext>();
            for (var i = start; i < Math.Min(messages, start + 500); i++)
            {
                db.Emails().Enqueue(Workload.Email(i), to: Workload.Recipient(i));
            }

            await db.SaveChangesAsync();
        }

        var transports = Enumerable.Range(0, dispatchers).Select(_ => Transport(port)).ToList();
        try
        {
            var clock = Stopwatch.StartNew();
            var summaries = await Task.WhenAll(transports.Select((transport, i) =>
                new OutboxDispatcher<OtherProcessContext>(database.Factory<OtherProcessContext>(), transport, new DispatcherOptions { BatchSize = BatchSize, DispatcherId = $"bench-{i}" })
                    .DispatchDueAsync()));
            clock.Stop();

            await using var check = database.Create<QueueContext>();
            var sent = await check.Set<OutboxMessage>().CountAsync(m => m.State == OutboxMessageState.Sent);
            if (sent != messages || summaries.Sum(s => s.Sent) != messages)
            {
                throw new InvalidOperationException($"{sent} of {messages} messages sent ({string.Join(", ", summaries)}).");
            }

            return messages / clock.Elapsed.TotalSeconds;
        }
        finally
        {
            foreach (var transport in transports)
            {
                await transport.DisposeAsync();
            }
        }
    }

    private static async Task<double> DirectAsync(int port, int connections, int messages)
    {
        var outgoing = Enumerable.Range(0, messages).Select(i =>
        {
            var rendered = Workload.Email(i).Render();
            var message = new EmailMessage
            {
                From = new EmailAddress("shop@example.com", "Example Shop"),
                To = [new EmailAddress(Workload.Recipient(i))],
                Subject = rendered.Subject,
                Date = DateTimeOffset.UtcNow,
                MessageId = Guid.NewGuid().ToString("N") + "@shop.example.com",
                HtmlBody = rendered.HtmlBody,
                TextBody = rendered.TextBody,
            };
            return new OutgoingEmail(Guid.NewGuid(), message, message.To);
        }).ToList();

        await using var transport = Transport(port, connections);
        var next = -BatchSize;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
        {
            int start;
            while ((start = Interlocked.Add(ref next, BatchSize)) < messages)
            {
                var results = await transport.SendAsync(outgoing.GetRange(start, Math.Min(BatchSize, messages - start)), CancellationToken.None);
                if (results.Any(r => r.Status != DeliveryStatus.Accepted))
                {
                    throw new InvalidOperationException("smtp-sink did not accept a message: " + results.First(r => r.Status != DeliveryStatus.Accepted));
                }
            }
        }));
        clock.Stop();
        return messages / clock.Elapsed.TotalSeconds;
    }

    private static SmtpTransport Transport(int port, int connections = 1)
        => new(new SmtpOptions { Host = "127.0.0.1", Port = port, TlsMode = SmtpTlsMode.None, PoolSize = connections });
}
