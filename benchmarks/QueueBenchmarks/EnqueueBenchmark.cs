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
/// Enqueue rate: render + insert through <c>db.Emails().Enqueue</c> and <c>SaveChangesAsync</c>, against plain EF Core
/// inserting one row per email that holds the same rendered text (rendered before the clock starts). One context per
/// transaction, as an application uses them; the two alternate, and each figure is the median of the rounds.
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
            await TypedMailAsync(database, batch, Math.Min(messages, 500), next);
            await PlainAsync(database, batch, Math.Min(messages, 500), next);
            next += 500;

            var typed = new List<Measurement>();
            var plain = new List<Measurement>();
            for (var round = 0; round < rounds; round++)
            {
                plain.Add(await PlainAsync(database, batch, messages, next));
                typed.Add(await TypedMailAsync(database, batch, messages, next));
                next += messages;
            }

            await using (var db = database.Create<QueueContext>())
            {
                var written = await db.Set<OutboxMessage>().CountAsync();
                if (written != next)
                {
                    throw new InvalidOperationException($"{written} outbox rows written, {next} expected.");
                }
            }

            var t = Measurement.Median(typed);
            var p = Measurement.Median(plain);
            Console.WriteLine($"// {database.Provider}, {batch}/transaction: TypedMail {t.Rate:N0}/s, plain {p.Rate:N0}/s");
            rows.Add(
            [
                database.Provider,
                batch == 1 ? "1 (one transaction per email)" : $"{batch}",
                $"{t.Rate:N0}",
                $"{p.Rate:N0}",
                $"**{t.Rate / p.Rate:0.00}**",
                $"{t.AllocatedPerMessage / 1024.0:N1} KB / {p.AllocatedPerMessage / 1024.0:N1} KB",
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

    private static async Task<Measurement> PlainAsync(QueueDatabase database, int batch, int messages, int first)
    {
        var prepared = Enumerable.Range(first, messages).Select(Workload.PlainRow).ToList();
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        for (var start = 0; start < messages; start += batch)
        {
            await using var db = database.Create<QueueContext>();
            db.PlainEmails.AddRange(prepared.GetRange(start, batch));
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
