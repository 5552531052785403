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
/// Bulk enqueue (fan-out): <c>EnqueueManyAsync</c> of <c>count</c> emails, each with its own model and recipient,
/// rendered and written in one transaction, then committed; against plain EF Core writing the same number of one-row
/// emails holding the same text (rendered before the clock starts) with <c>AddRange</c> + <c>SaveChangesAsync</c> in one
/// transaction. The two alternate; each figure is the median of the rounds.
/// </summary>
public static class BulkEnqueueBenchmark
{
    public static async Task<string[]> RunAsync(Func<QueueDatabase> open, int count, int rounds)
    {
        using var database = open();
        var next = 0;
        await TypedMailAsync(database, 1_000, next);
        await PlainAsync(database, 1_000, next + 1_000);
        next += 2_000;

        var typed = new List<double>();
        var plain = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            plain.Add(await PlainAsync(database, count, next));
            typed.Add(await TypedMailAsync(database, count, next + count));
            next += 2 * count;
        }

        await using (var db = database.Create<QueueContext>())
        {
            var written = await db.Set<OutboxMessage>().CountAsync() + await db.PlainEmails.CountAsync();
            var recipients = await db.Set<OutboxRecipient>().CountAsync();
            if (written != next || recipients != next / 2)
            {
                throw new InvalidOperationException($"{written} rows and {recipients} recipients written, {next} and {next / 2} expected.");
            }
        }

        var t = typed.Order().ElementAt(rounds / 2);
        var p = plain.Order().ElementAt(rounds / 2);
        Console.WriteLine($"// {database.Provider}, bulk {count:N0}: EnqueueManyAsync {t:N0}/s, plain EF Core {p:N0}/s");
        return [database.Provider, $"{count:N0}", $"{t:N0}", $"{p:N0}", $"**{t / p:0.00}**"];
    }

    private static async Task<double> TypedMailAsync(QueueDatabase database, int count, int first)
    {
        var emails = Enumerable.Range(first, count).Select(i => new BulkEmail<OrderShippedEmail>(Workload.Email(i), Workload.Recipient(i))).ToList();
        var clock = Stopwatch.StartNew();
        await using var db = database.Create<QueueContext>();
        await using var transaction = await db.Database.BeginTransactionAsync();
        await db.Emails().EnqueueManyAsync(emails);
        await transaction.CommitAsync();
        return count / clock.Elapsed.TotalSeconds;
    }

    private static async Task<double> PlainAsync(QueueDatabase database, int count, int first)
    {
        var rows = Enumerable.Range(first, count).Select(Workload.PlainRow).ToList();
        var clock = Stopwatch.StartNew();
        await using var db = database.Create<QueueContext>(typedMail: false);
        await using var transaction = await db.Database.BeginTransactionAsync();
        db.AddRange(rows);
        await db.SaveChangesAsync();
        await transaction.CommitAsync();
        return count / clock.Elapsed.TotalSeconds;
    }
}
