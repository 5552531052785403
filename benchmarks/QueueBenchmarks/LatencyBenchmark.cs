using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using TypedMail.Benchmarks.Queue.Emails;
using TypedMail.Benchmarks.Smtp;
using TypedMail.Dispatch;
using TypedMail.PostgreSql;
using TypedMail.Smtp;
using TypedMail.Transports;

namespace TypedMail.Benchmarks.Queue;

/// <summary>How a running dispatcher learns that mail was committed.</summary>
public enum WakeMode
{
    /// <summary>Same process: the commit interceptor wakes it (<see cref="QueueContext"/>).</summary>
    LocalCommit,

    /// <summary>Another process: PostgreSQL NOTIFY in the enqueueing transaction, LISTEN in the dispatcher.</summary>
    ListenNotify,

    /// <summary>Another process with no wake source: it finds mail at its next poll.</summary>
    PollingOnly,
}

/// <summary>
/// Commit-to-accepted latency: one email per transaction, committed at random intervals (20–80 ms apart) while a
/// dispatcher runs (<see cref="OutboxDispatcher{TContext}.RunAsync"/>); the time from the call to <c>CommitAsync</c> to
/// the moment the dispatcher's SMTP transport returns the server's acceptance of that message.
/// </summary>
public static class LatencyBenchmark
{
    public static async Task<List<string[]>> RunAsync(Func<QueueDatabase> open, WakeMode mode, TimeSpan pollInterval, int samples)
    {
        using var database = open();
        using var sink = new SmtpSinkProcess();
        await using var transport = new TimingTransport(new SmtpTransport(new SmtpOptions { Host = "127.0.0.1", Port = sink.Port, TlsMode = SmtpTlsMode.None, PoolSize = 1 }));
        var options = new DispatcherOptions { PollInterval = pollInterval, DispatcherId = "latency" };
        var listening = new TaskCompletionSource();
        if (mode == WakeMode.ListenNotify)
        {
            var source = new PostgreSqlNotificationWakeSource(database.ConnectionString);
            source.Listening += (_, _) => listening.TrySetResult();
            options.WakeSources.Add(source);
        }
        else
        {
            listening.SetResult();
        }

        using var stop = new CancellationTokenSource();
        Task running = mode == WakeMode.LocalCommit
            ? new OutboxDispatcher<QueueContext>(database.Factory<QueueContext>(), transport, options).RunAsync(stop.Token)
            : new OutboxDispatcher<OtherProcessContext>(database.Factory<OtherProcessContext>(), transport, options).RunAsync(stop.Token);
        await listening.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // Warm-up: a few messages through the whole path, not counted.
        await MeasureAsync(database, transport, 0, 5, pollInterval);
        var latencies = await MeasureAsync(database, transport, 5, samples, pollInterval);

        await stop.CancelAsync();
        await running;

        latencies.Sort();
        var label = mode switch
        {
            WakeMode.LocalCommit => "wake-up: commit interceptor (same process)",
            WakeMode.ListenNotify => "wake-up: NOTIFY → LISTEN (another process)",
            _ => $"polling only, every {pollInterval.TotalSeconds:0.#} s (another process)",
        };
        var p50 = Percentile(latencies, 0.50);
        var p99 = Percentile(latencies, 0.99);
        Console.WriteLine($"// {database.Provider}, {label}: p50 {p50:N1} ms, p99 {p99:N1} ms");
        return [[database.Provider, label, $"{samples}", $"{p50:N1} ms", $"{p99:N1} ms", $"{latencies[^1]:N1} ms"]];
    }

    private static async Task<List<double>> MeasureAsync(QueueDatabase database, TimingTransport transport, int first, int count, TimeSpan pollInterval)
    {
        var committing = new Dictionary<string, long>();
        var random = new Random(first + count);
        for (var i = first; i < first + count; i++)
        {
            await using var db = database.Create<QueueContext>();
            await using var transaction = await db.Database.BeginTransactionAsync();
            var enqueued = db.Emails().Enqueue(Workload.Email(i), to: Workload.Recipient(i));
            await db.SaveChangesAsync();
            committing[enqueued.MessageId] = Stopwatch.GetTimestamp();
            await transaction.CommitAsync();
            await Task.Delay(random.Next(20, 81));
        }

        var deadline = Stopwatch.StartNew();
        while (committing.Keys.Any(id => !transport.Accepted.ContainsKey(id)))
        {
            if (deadline.Elapsed > pollInterval + TimeSpan.FromSeconds(30))
            {
                throw new InvalidOperationException($"{committing.Keys.Count(id => !transport.Accepted.ContainsKey(id))} messages not accepted in time.");
            }

            await Task.Delay(10);
        }

        return committing.Select(c => Stopwatch.GetElapsedTime(c.Value, transport.Accepted[c.Key]).TotalMilliseconds).ToList();
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    /// <summary>Notes when the server accepted each message: the moment the SMTP transport returns its result.</summary>
    private sealed class TimingTransport(SmtpTransport inner) : IEmailTransport, IAsyncDisposable
    {
        public ConcurrentDictionary<string, long> Accepted { get; } = new();

        public string Name => inner.Name;

        public async Task<IReadOnlyList<SendResult>> SendAsync(IReadOnlyList<OutgoingEmail> batch, CancellationToken cancellationToken)
        {
            var results = await inner.SendAsync(batch, cancellationToken);
            var now = Stopwatch.GetTimestamp();
            for (var i = 0; i < batch.Count; i++)
            {
                if (results[i].Status == DeliveryStatus.Accepted)
                {
                    Accepted.TryAdd(batch[i].Message.MessageId, now);
                }
            }

            return results;
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
