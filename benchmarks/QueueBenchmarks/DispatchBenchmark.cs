using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TypedMail.Benchmarks.Queue.Emails;
using TypedMail.Benchmarks.Smtp;
using TypedMail.Hosting;
using TypedMail.Outbox;
using TypedMail.Smtp;
using TypedMail.Transports;

namespace TypedMail.Benchmarks.Queue;

/// <summary>
/// The burn-down: a queue of committed emails drained to postfix's smtp-sink by hosted dispatchers (one
/// <c>AddTypedMail</c> host each, as one process each would run them, SMTP with the default pool). The peer, in the
/// same run on the same connections: the same messages sent straight through as many <see cref="SmtpTransport"/>s,
/// with no database, each fed batches of the dispatcher's batch size. The database floor: the same burn-down with a
/// transport that accepts every message at once in memory, so only the database's part of a batch is left. Also the
/// managed heap while draining: its peak over the heap before the drain, next to what one batch allocates.
/// </summary>
public static class DispatchBenchmark
{
    public static async Task<List<string[]>> RunAsync(Func<QueueDatabase> open, int dispatchers, int messages, int batchSize, int batchesInFlight, TimeSpan floorDelay)
    {
        using var sink = new SmtpSinkProcess();

        // Warm-up of both paths on a small queue of its own.
        using (var warm = open())
        {
            await EnqueueAsync(warm, 2_000);
            await DrainAsync(warm, sink.Port, dispatchers, 2_000, batchSize, batchesInFlight, transport: null);
        }

        await DirectAsync(sink.Port, dispatchers, 2_000, batchSize);

        Drain drain;
        string provider;
        using (var database = open())
        {
            provider = database.Provider;
            await EnqueueAsync(database, messages);
            drain = await DrainAsync(database, sink.Port, dispatchers, messages, batchSize, batchesInFlight, transport: null);
        }

        var (direct, directAllocated) = await DirectAsync(sink.Port, dispatchers, messages, batchSize);

        // The database floor: the same burn-down with a transport that accepts at once, in memory (after floorDelay
        // per batch, a network's round trips without their CPU, when given).
        Drain floor;
        using (var database = open())
        {
            await EnqueueAsync(database, messages);
            floor = await DrainAsync(database, sink.Port, dispatchers, messages, batchSize, batchesInFlight, new InstantTransport(floorDelay));
        }

        Console.WriteLine($"// {provider}, {dispatchers} dispatcher(s), batches of {batchSize}, {batchesInFlight} in flight: queue {drain.Rate:N0}/s, SmtpTransport alone {direct:N0}/s, instant transport (+{floorDelay.TotalMilliseconds:0} ms per batch) {floor.Rate:N0}/s; heap {drain.HeapBefore / 1e6:N1} MB before, peak +{(drain.HeapPeak - drain.HeapBefore) / 1e6:N1} MB ({drain.Collections} GCs, {drain.FullCollections} full; live at a full GC during the drain: at most {drain.LivePeak / 1e6:N1} MB), {drain.HeapAfter / 1e6:N1} MB after; allocated per batch {drain.AllocatedPerBatch / 1e6:N2} MB (SmtpTransport alone {directAllocated / 1e6:N2} MB, instant transport {floor.AllocatedPerBatch / 1e6:N2} MB)");
        return
        [
            [provider, $"{dispatchers}", $"{batchesInFlight}", $"{messages:N0}", $"{drain.Rate:N0}", $"{direct:N0}", $"**{drain.Rate / direct:0.00}**", $"{floor.Rate:N0}",
                $"{drain.HeapBefore / 1e6:N1} / {drain.HeapPeak / 1e6:N1} / {drain.HeapAfter / 1e6:N1} MB", $"{drain.FullCollections} / {drain.LivePeak / 1e6:N1} MB",
                $"{drain.AllocatedPerBatch / 1e6:N2} / {directAllocated / 1e6:N2} / {floor.AllocatedPerBatch / 1e6:N2} MB"],
        ];
    }

    /// <summary>Commits <paramref name="messages"/> emails, 500 per transaction (not timed).</summary>
    public static async Task EnqueueAsync(QueueDatabase database, int messages)
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
    }

    /// <summary>
    /// A host like an application's: <c>AddTypedMail</c> over <typeparamref name="TContext"/>, SMTP to the sink with the
    /// default pool, logging at Warning; <paramref name="transport"/> instead of SMTP when given; woken by PostgreSQL
    /// notifications too when <paramref name="listen"/> is set.
    /// </summary>
    public static IHost Host<TContext>(QueueDatabase database, int port, int batchSize, string id, int batchesInFlight = 2, IEmailTransport? transport = null, bool listen = false)
        where TContext : QueueContext
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(database.Factory<TContext>());
        if (transport is not null)
        {
            builder.Services.AddSingleton(transport);
        }

        builder.Services.AddTypedMail<TContext>(o =>
        {
            // With a transport of its own, the host takes it for the pickup folder's: the only kind whose probe any transport passes.
            o.Transport = transport is null ? EmailTransportKind.Smtp : EmailTransportKind.Pickup;
            o.Pickup.Folder = System.IO.Path.GetTempPath();
            o.Smtp.Host = "127.0.0.1";
            o.Smtp.Port = port;
            o.Smtp.TlsMode = SmtpTlsMode.None;
            o.Dispatcher.BatchSize = batchSize;
            o.Dispatcher.BatchesInFlight = batchesInFlight;
            o.Dispatcher.DispatcherId = id;
            o.Dispatcher.PollInterval = TimeSpan.FromMilliseconds(200);
            o.Dispatcher.ListenForNotifications = listen;
        });
        return builder.Build();
    }

    /// <summary>Counts the rows not yet finished (queued, sending or deferred).</summary>
    public static Task<int> BacklogAsync(QueueContext db)
        => db.Set<OutboxMessage>().CountAsync(m => m.State == OutboxMessageState.Queued || m.State == OutboxMessageState.Sending || m.State == OutboxMessageState.Deferred);

    private static async Task<Drain> DrainAsync(QueueDatabase database, int port, int dispatchers, int messages, int batchSize, int batchesInFlight, IEmailTransport? transport)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var hosts = Enumerable.Range(0, dispatchers).Select(i => Host<OtherProcessContext>(database, port, batchSize, $"bench-{i}", batchesInFlight, transport)).ToList();
        var collectionsBefore = GC.CollectionCount(0);
        var fullBefore = GC.CollectionCount(2);
        var lastFull = LastFullGc().Index;
        long heapPeak = heapBefore;
        long livePeak = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                // The heap now, garbage not yet collected included; and what a full (gen2) GC during the drain found
                // alive, which is what the process retains.
                heapPeak = Math.Max(heapPeak, GC.GetTotalMemory(forceFullCollection: false));
                var full = LastFullGc();
                if (full.Index > lastFull)
                {
                    livePeak = Math.Max(livePeak, full.PromotedBytes);
                }
                await Task.Delay(20, CancellationToken.None);
            }
        });

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(hosts.Select(h => h.StartAsync()));
        await using (var db = database.Create<QueueContext>())
        {
            while (await BacklogAsync(db) > 0)
            {
                await Task.Delay(100);
            }
        }

        clock.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var collections = GC.CollectionCount(0) - collectionsBefore;
        var fullCollections = GC.CollectionCount(2) - fullBefore;
        await sampling.CancelAsync();
        await sampler;
        var heapAfter = GC.GetTotalMemory(forceFullCollection: true);
        foreach (var host in hosts)
        {
            await host.StopAsync();
            host.Dispose();
        }

        await using (var check = database.Create<QueueContext>())
        {
            var sent = await check.Set<OutboxMessage>().CountAsync(m => m.State == OutboxMessageState.Sent);
            if (sent != messages)
            {
                throw new InvalidOperationException($"{sent} of {messages} messages sent.");
            }
        }

        return new Drain(messages / clock.Elapsed.TotalSeconds, heapBefore, heapPeak, livePeak, heapAfter, collections, fullCollections, (double)allocated / Math.Ceiling((double)messages / batchSize));
    }

    /// <summary>The last full (gen2) GC, background or blocking: a full GC marks everything alive, so its promoted bytes are the live heap.</summary>
    private static GCMemoryInfo LastFullGc()
    {
        var background = GC.GetGCMemoryInfo(GCKind.Background);
        var blocking = GC.GetGCMemoryInfo(GCKind.FullBlocking);
        return background.Index > blocking.Index ? background : blocking;
    }

    /// <summary>The rate of the same messages sent straight through SmtpTransports, and what it allocates per batch.</summary>
    private static async Task<(double Rate, double AllocatedPerBatch)> DirectAsync(int port, int dispatchers, int messages, int batchSize)
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

        // As many transports as dispatchers, each with the default pool, as the hosts have.
        var transports = Enumerable.Range(0, dispatchers).Select(_ => new SmtpTransport(new SmtpOptions { Host = "127.0.0.1", Port = port, TlsMode = SmtpTlsMode.None })).ToList();
        try
        {
            var next = -batchSize;
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(transports.Select(async transport =>
            {
                int start;
                while ((start = Interlocked.Add(ref next, batchSize)) < messages)
                {
                    var results = await transport.SendAsync(outgoing.GetRange(start, Math.Min(batchSize, messages - start)), CancellationToken.None);
                    if (results.Any(r => r.Status != DeliveryStatus.Accepted))
                    {
                        throw new InvalidOperationException("smtp-sink did not accept a message: " + results.First(r => r.Status != DeliveryStatus.Accepted));
                    }
                }
            }));
            clock.Stop();
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            return (messages / clock.Elapsed.TotalSeconds, allocated / Math.Ceiling((double)messages / batchSize));
        }
        finally
        {
            foreach (var transport in transports)
            {
                await transport.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Accepts every message at once, in memory: what the burn-down reaches when only the database costs. With a delay,
    /// each batch waits that long first without using the CPU, as a distant server's round trips do.
    /// </summary>
    private sealed class InstantTransport(TimeSpan delay) : IEmailTransport
    {
        private static readonly TransportReply Ok = new(250, "2.0.0", "OK");

        public string Name => "instant";

        public async Task<IReadOnlyList<SendResult>> SendAsync(IReadOnlyList<OutgoingEmail> batch, CancellationToken cancellationToken)
        {
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, cancellationToken);
            }

            return batch.Select(e => SendResult.AcceptedForAll(e, Ok)).ToArray();
        }
    }

    private readonly record struct Drain(double Rate, long HeapBefore, long HeapPeak, long LivePeak, long HeapAfter, int Collections, int FullCollections, double AllocatedPerBatch);
}
