using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using TypedMail.Benchmarks.Queue.Emails;
using TypedMail.Benchmarks.Smtp;
using TypedMail.Outbox;

namespace TypedMail.Benchmarks.Queue;

/// <summary>
/// Steady state: a producer commits <c>rate</c> emails a second for <c>seconds</c> seconds (transactions of
/// <see cref="PerTransaction"/> emails on a fixed schedule, from 4 concurrent writers so one slow commit does not hold the
/// schedule back) while hosted dispatchers in the same process (woken by the commits) drain to smtp-sink. Reports the
/// backlog (unfinished rows, sampled every second) and commit-to-accepted latency: from the moment before
/// <c>CommitAsync</c> to the message's <c>sent_at</c>, which the dispatcher stamps when the transport has returned the
/// server's acceptance for its batch. Counts the dispatchers' claims while the producer runs and until the backlog is
/// drained, and those that came back empty (PostgreSQL). With <c>listen</c>, the dispatchers also listen for
/// notifications (<c>ListenForNotifications</c>), as dispatchers that share a database with other processes do.
/// </summary>
public static class SteadyStateBenchmark
{
    private const int PerTransaction = 10;

    public static async Task<List<string[]>> RunAsync(Func<QueueDatabase> open, int dispatchers, int rate, int seconds, int batchSize, bool listen)
    {
        using var sink = new SmtpSinkProcess();
        using var database = open();
        var hosts = Enumerable.Range(0, dispatchers).Select(i => DispatchBenchmark.Host<QueueContext>(database, sink.Port, batchSize, $"steady-{i}", listen: listen)).ToList();
        await Task.WhenAll(hosts.Select(h => h.StartAsync()));

        var committed = new ConcurrentDictionary<Guid, DateTime>();
        var transactions = rate * seconds / PerTransaction;
        var interval = TimeSpan.FromSeconds(1.0 * PerTransaction / rate);
        var backlog = new List<int>();
        using var stopSampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            await using var db = database.Create<QueueContext>();
            while (!stopSampling.IsCancellationRequested)
            {
                backlog.Add(await DispatchBenchmark.BacklogAsync(db));
                await Task.Delay(1000, CancellationToken.None);
            }
        });

        var claimsBefore = ClaimCounter.Instance.Read();
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            int t;
            while ((t = Interlocked.Increment(ref next)) < transactions)
            {
                var due = interval * t - clock.Elapsed;
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due);
                }

                await using var db = database.Create<QueueContext>();
                await using var transaction = await db.Database.BeginTransactionAsync();
                var ids = new Guid[PerTransaction];
                for (var i = 0; i < PerTransaction; i++)
                {
                    var n = t * PerTransaction + i;
                    ids[i] = db.Emails().Enqueue(Workload.Email(n), to: Workload.Recipient(n)).Id;
                }

                await db.SaveChangesAsync();
                var at = DateTime.UtcNow;
                await transaction.CommitAsync();
                foreach (var id in ids)
                {
                    committed[id] = at;
                }
            }
        })));
        var produced = clock.Elapsed;

        // Then let the dispatchers finish what is left, and stop sampling.
        await using (var db = database.Create<QueueContext>())
        {
            var deadline = Stopwatch.StartNew();
            while (await DispatchBenchmark.BacklogAsync(db) > 0)
            {
                if (deadline.Elapsed > TimeSpan.FromMinutes(5))
                {
                    throw new InvalidOperationException("The backlog did not drain within 5 minutes of the producer's end.");
                }

                await Task.Delay(100);
            }
        }

        var claimsAfter = ClaimCounter.Instance.Read();
        var claims = claimsAfter.Claims - claimsBefore.Claims;
        var empty = claimsAfter.Empty - claimsBefore.Empty;
        await stopSampling.CancelAsync();
        await sampler;
        foreach (var host in hosts)
        {
            await host.StopAsync();
            host.Dispose();
        }

        List<double> latencies;
        await using (var db = database.Create<QueueContext>())
        {
            var sent = await db.Set<OutboxMessage>().AsNoTracking().Where(m => m.State == OutboxMessageState.Sent).Select(m => new { m.Id, m.SentAt }).ToListAsync();
            if (sent.Count != committed.Count)
            {
                throw new InvalidOperationException($"{sent.Count} of {committed.Count} messages sent.");
            }

            latencies = sent.Select(m => (m.SentAt!.Value - committed[m.Id]).TotalMilliseconds).Order().ToList();
        }

        var p50 = Percentile(latencies, 0.50);
        var p99 = Percentile(latencies, 0.99);
        var offered = committed.Count / produced.TotalSeconds;
        Console.WriteLine($"// {database.Provider}, {dispatchers} dispatchers{(listen ? " listening" : "")}: {committed.Count:N0} emails committed in {produced.TotalSeconds:N1} s ({offered:N0}/s); backlog max {backlog.Max():N0}, last during production {backlog.Take(seconds).LastOrDefault():N0}; p50 {p50:N1} ms, p99 {p99:N1} ms, max {latencies[^1]:N1} ms; {claims:N0} claims, {empty:N0} empty");
        return
        [
            [database.Provider, $"{dispatchers}", $"{rate:N0}/s × {seconds} s ({offered:N0}/s achieved)", $"{committed.Count:N0}", $"{backlog.Max():N0}",
                $"{p50:N1} ms", $"{p99:N1} ms", $"{latencies[^1]:N1} ms", $"{claims:N0} / {empty:N0}"],
        ];
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
