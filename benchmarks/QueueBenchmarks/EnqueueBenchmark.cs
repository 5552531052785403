using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using TypedMail.Benchmarks.Queue.Emails;
using TypedMail.Outbox;

namespace TypedMail.Benchmarks.Queue;

/// <summary>
/// Enqueue rate: render + insert through <c>db.Emails().Enqueue</c> and <c>SaveChangesAsync</c>, against two plain EF Core
/// inserts of text rendered before the clock starts: one row per email holding the same text (the peer), and the same
/// two outbox rows Enqueue writes (message and recipient) with no TypedMail code at all, which splits the gap into
/// "more rows" and "TypedMail's own work". One context per transaction, as an application uses them; the three
/// alternate, and each figure is the median of the rounds.
/// </summary>
public static class EnqueueBenchmark
{
    public static async Task<List<string[]>> RunAsync(Func<QueueDatabase> open, int rounds)
    {
        var rows = new List<string[]>();
        foreach (var (batch, messages) in new[] { (1, 1_000), (100, 10_000) })
        {
            using var database = open();
            var next = 0;

            // Warm-up: JIT, connection pool, query caches.
            const int warmUp = 500;
            await TypedMailAsync(database, batch, warmUp, next);
            await PlainAsync(database, batch, warmUp, next + warmUp, Workload.PlainRow);
            await PlainAsync(database, batch, warmUp, next + (2 * warmUp), Workload.OutboxRows);
            next += 3 * warmUp;

            var typed = new List<Measurement>();
            var plain = new List<Measurement>();
            var outbox = new List<Measurement>();
            for (var round = 0; round < rounds; round++)
            {
                plain.Add(await PlainAsync(database, batch, messages, next, Workload.PlainRow));
                outbox.Add(await PlainAsync(database, batch, messages, next + messages, Workload.OutboxRows));
                typed.Add(await TypedMailAsync(database, batch, messages, next + (2 * messages)));
                next += 3 * messages;
            }

            await using (var db = database.Create<QueueContext>())
            {
                var written = await db.Set<OutboxMessage>().CountAsync() + await db.PlainEmails.CountAsync();
                if (written != next)
                {
                    throw new InvalidOperationException($"{written} rows written, {next} expected.");
                }
            }

            var t = Measurement.Median(typed);
            var p = Measurement.Median(plain);
            var r = Measurement.Median(outbox);
            Console.WriteLine($"// {database.Provider}, {batch}/transaction: TypedMail {t.Rate:N0}/s, plain row {p.Rate:N0}/s, outbox rows {r.Rate:N0}/s");
            rows.Add(
            [
                database.Provider,
                batch == 1 ? "1 (one transaction per email)" : $"{batch}",
                $"{t.Rate:N0}",
                $"{p.Rate:N0}",
                $"**{t.Rate / p.Rate:0.00}**",
                $"{r.Rate:N0}",
                $"{t.Rate / r.Rate:0.00}",
                $"{t.AllocatedPerMessage / 1024.0:N1} / {p.AllocatedPerMessage / 1024.0:N1} / {r.AllocatedPerMessage / 1024.0:N1} KB",
            ]);
        }

        return rows;
    }

    private static async Task<Measurement> TypedMailAsync(QueueDatabase database, int batch, int messages, int first)
    {
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        for (var start = first; start < first + messages; start += batch)
        {
            await using var db = database.Create<QueueContext>();
            for (var i = start; i < start + batch; i++)
            {
                db.Emails().Enqueue(Workload.Email(i), to: Workload.Recipient(i));
            }

            await db.SaveChangesAsync();
        }

        clock.Stop();
        return new Measurement(messages / clock.Elapsed.TotalSeconds, (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)messages);
    }

    private static async Task<Measurement> PlainAsync<TRow>(QueueDatabase database, int batch, int messages, int first, Func<int, TRow> row)
        where TRow : class
    {
        var prepared = Enumerable.Range(first, messages).Select(row).ToList();
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        for (var start = 0; start < messages; start += batch)
        {
            await using var db = database.Create<QueueContext>(typedMail: false);
            db.AddRange(prepared.GetRange(start, batch));
            await db.SaveChangesAsync();
        }

        clock.Stop();
        return new Measurement(messages / clock.Elapsed.TotalSeconds, (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)messages);
    }

    private readonly record struct Measurement(double Rate, double AllocatedPerMessage)
    {
        public static Measurement Median(List<Measurement> all)
        {
            var byRate = all.OrderBy(m => m.Rate).ToList();
            return byRate[byRate.Count / 2];
        }
    }
}
