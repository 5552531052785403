using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using TypedMail.Dispatch;
using TypedMail.Outbox;
using TypedMail.Runtime.Tests.Emails;
using TypedMail.Runtime.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TypedMail.Runtime.Tests.Queue;

public sealed class QueueCrashTestsSqlite(ITestOutputHelper output) : QueueCrashTests(new SqliteShop(), output);

[Collection(PostgresCollection.Name)]
public sealed class QueueCrashTestsPostgres(PostgresCluster cluster, ITestOutputHelper output) : QueueCrashTests(new PostgresShop(cluster), output);

/// <summary>
/// Several dispatcher processes on one queue (a PostgreSQL database, or one SQLite file), sending with SmtpTransport to a
/// real SMTP server (aiosmtpd, smtp_test_server.py), killed with SIGKILL at random moments and restarted. The queue
/// holds 10,000 messages (half that without kills); TYPEDMAIL_CRASH_MESSAGES sets another size. Figures in docs/queue.md.
/// </summary>
public abstract class QueueCrashTests(ShopDatabase shop, ITestOutputHelper output) : IDisposable
{
    private const int Dispatchers = 3;
    private const int BatchSize = 25;

    /// <summary>The dispatcher process runs with the default: this many batches of <see cref="BatchSize"/> in flight each.</summary>
    private static readonly int BatchesInFlight = new DispatcherOptions().BatchesInFlight;
    private const double LeaseSeconds = 4;

    private readonly ShopDatabase _shop = shop;
    private readonly List<Process> _processes = [];

    private static int MessageCount => int.TryParse(Environment.GetEnvironmentVariable("TYPEDMAIL_CRASH_MESSAGES"), out var n) ? n : 10_000;

    /// <summary>About three times what the run takes on a 2-core machine: 90 s per 2,000 messages, at least 90 s.</summary>
    private static TimeSpan FinishLimit => TimeSpan.FromSeconds(90 * Math.Max(1.0, MessageCount / 2000.0));

    [Fact]
    public async Task Killed_dispatchers_lose_nothing_and_duplicates_stay_within_what_was_in_flight()
    {
        using var smtp = new TestSmtpServer();
        var ids = await EnqueueAsync(MessageCount);
        var watch = Stopwatch.StartNew();
        var slots = Enumerable.Range(0, Dispatchers).Select(i => StartDispatcher(smtp.Port, $"d{i}-0")).ToArray();
        var random = new Random(5);
        const int kills = 6;

        // Kill only while mail is flowing, so the kills land mid-send.
        while (smtp.Accepted().Count < MessageCount / 10)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), "no delivery within 60 s");
            await Task.Delay(100);
        }

        for (var k = 1; k <= kills; k++)
        {
            await Task.Delay(random.Next(150, 500));
            var slot = random.Next(Dispatchers);
            slots[slot].Kill();
            await slots[slot].WaitForExitAsync();
            slots[slot] = StartDispatcher(smtp.Port, $"d{slot}-{k}");
        }

        await WaitUntilAllFinishedAsync(FinishLimit);
        await StopAllGracefullyAsync();

        var accepted = smtp.Accepted();
        var distinct = accepted.Select(a => a.MessageId).ToHashSet();
        var duplicates = accepted.Count - distinct.Count;
        output.WriteLine($"{_shop.Provider}: {MessageCount} messages, {kills} kills, {accepted.Count} deliveries, {duplicates} duplicates, {watch.Elapsed.TotalSeconds:0.0} s");
        Assert.Subset(distinct, ids.ToHashSet());
        Assert.Equal(ids.Count, distinct.Count);
        // A kill can cost at most what the killed process had in flight: every batch it held, sent but not recorded.
        Assert.InRange(duplicates, 0, kills * BatchSize * BatchesInFlight);
        await AssertNothingStuckAsync();
    }

    [Fact]
    public async Task Without_kills_every_message_is_delivered_exactly_once()
    {
        using var smtp = new TestSmtpServer();
        var ids = await EnqueueAsync(MessageCount / 2);
        for (var i = 0; i < Dispatchers; i++)
        {
            StartDispatcher(smtp.Port, $"e{i}");
        }

        await WaitUntilAllFinishedAsync(FinishLimit);
        await StopAllGracefullyAsync();
        var accepted = smtp.Accepted();
        await using (var db = _shop.CreateDbContext())
        {
            var attempts = await db.Set<OutboxAttempt>().ToListAsync();
            output.WriteLine($"{attempts.Count} attempts, sending took {(attempts.Max(a => a.StartedAt) - attempts.Min(a => a.StartedAt)).TotalSeconds:0.0} s");
        }

        Assert.Equal(ids.Order(), accepted.Select(a => a.MessageId).Order());
        await AssertNothingStuckAsync();
    }

    private async Task<List<string>> EnqueueAsync(int count)
    {
        var ids = new List<string>(count);
        for (var done = 0; done < count; done += 500)
        {
            await using var db = _shop.CreateDbContext();
            for (var i = done; i < Math.Min(count, done + 500); i++)
            {
                ids.Add(db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "K-" + i, i), to: $"r{i}@example.com").MessageId);
            }

            await db.SaveChangesAsync();
        }

        return ids;
    }

    private Process StartDispatcher(int smtpPort, string id)
    {
        var configuration = AppContext.BaseDirectory.Contains("/bin/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        var dll = Path.Combine(RepoPaths.Root, "Runtime.Tests.Dispatcher", "bin", configuration, "net10.0", "TypedMail.Runtime.Tests.Dispatcher.dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"The dispatcher process is not built: {dll}. Build TypedMail.sln first.");
        }

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { dll, _shop.ConnectionString, smtpPort.ToString(CultureInfo.InvariantCulture), id, LeaseSeconds.ToString(CultureInfo.InvariantCulture), BatchSize.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(a);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start a dispatcher process.");
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { output.WriteLine($"[{id}] {e.Data}"); } };
        process.BeginErrorReadLine();
        _processes.Add(process);
        return process;
    }

    private async Task WaitUntilAllFinishedAsync(TimeSpan limit)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            await using var db = _shop.CreateDbContext();
            var open = await db.Set<OutboxMessage>().CountAsync(m => m.State != OutboxMessageState.Sent);
            if (open == 0)
            {
                return;
            }

            if (deadline.Elapsed > limit)
            {
                var states = await db.Set<OutboxMessage>().GroupBy(m => m.State).Select(g => new { g.Key, Count = g.Count() }).ToListAsync();
                Assert.Fail($"{open} messages still unfinished after {limit}: {string.Join(", ", states.Select(s => $"{s.Key}={s.Count}"))}");
            }

            await Task.Delay(250);
        }
    }

    private async Task StopAllGracefullyAsync()
    {
        foreach (var process in _processes.Where(p => !p.HasExited))
        {
            using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
        }

        foreach (var process in _processes)
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    private async Task AssertNothingStuckAsync()
    {
        await using var db = _shop.CreateDbContext();
        Assert.Equal(0, await db.Set<OutboxMessage>().CountAsync(m => m.State != OutboxMessageState.Sent || m.LeaseOwner != null));
        Assert.Equal(0, await db.Set<OutboxRecipient>().CountAsync(r => r.State != RecipientState.Accepted));
    }

    public void Dispose()
    {
        foreach (var process in _processes)
        {
            if (!process.HasExited)
            {
                process.Kill();
                process.WaitForExit();
            }

            process.Dispose();
        }

        _shop.Dispose();
    }
}
