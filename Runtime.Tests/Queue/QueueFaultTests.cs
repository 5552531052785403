using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using TypedMail.Dispatch;
using TypedMail.Outbox;
using TypedMail.Runtime.Tests.Emails;
using TypedMail.Runtime.Tests.Infrastructure;
using TypedMail.Smtp;

namespace TypedMail.Runtime.Tests.Queue;

public sealed class QueueFaultTestsSqlite() : QueueFaultTests(new SqliteShop());

[Collection(PostgresCollection.Name)]
public sealed class QueueFaultTestsPostgres(PostgresCluster cluster) : QueueFaultTests(new PostgresShop(cluster))
{
    [Fact]
    public async Task Dispatchers_recover_by_themselves_when_the_database_restarts_mid_run()
    {
        using var smtp = new TestSmtpServer();
        var first = await EnqueueManyAsync("before", 150);
        await using var transport = new SmtpTransport(new SmtpOptions { Host = "127.0.0.1", Port = smtp.Port, TlsMode = SmtpTlsMode.None, CommandTimeout = TimeSpan.FromSeconds(5) });
        var logs = new RecordingLoggerProvider();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(logs));
        var dispatcher = new OutboxDispatcher<ShopContext>(Shop, transport, new DispatcherOptions
        {
            BatchSize = 10,
            PollInterval = TimeSpan.FromMilliseconds(200),
            LeaseDuration = TimeSpan.FromSeconds(20),
            SendTimeout = TimeSpan.FromSeconds(5),
        }, loggers.CreateLogger<OutboxDispatcher<ShopContext>>());
        using var stop = new CancellationTokenSource();
        var run = dispatcher.RunAsync(stop.Token);
        var watch = Stopwatch.StartNew();
        while (smtp.Accepted().Count < 20)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), "no delivery within 60 s");
            await Task.Delay(50);
        }

        // The server stays down until the dispatcher has met the outage (its polls run every 200 ms), so the test does
        // not depend on the dispatcher being mid-batch at the moment of the restart: a fast dispatcher may have sent
        // all 150 by then, and an idle one that misses a short outage sees nothing to ride out.
        var cluster = ((PostgresShop)Shop).Cluster;
        cluster.Stop();
        var down = Stopwatch.StartNew();
        while (!logs.Lines.Any(l => l.StartsWith("Warning", StringComparison.Ordinal)))
        {
            Assert.True(down.Elapsed < TimeSpan.FromSeconds(60), "the dispatcher logged no warning within 60 s of the database going down");
            await Task.Delay(50);
        }

        cluster.Start();

        // Measured from the restart (pg_ctl start alone can take tens of seconds on a loaded machine), and generous:
        // the loop ends as soon as every message is in, so the bound only decides how long a real hang takes to fail.
        var restarted = Stopwatch.StartNew();
        var second = await EnqueueAfterRestartAsync("after", 50);
        var all = first.Concat(second).ToHashSet();
        while (!all.IsSubsetOf(smtp.Accepted().Select(a => a.MessageId)))
        {
            Assert.False(run.IsCompleted, $"the dispatcher stopped: {run.Exception}");
            Assert.True(restarted.Elapsed < TimeSpan.FromSeconds(150), $"{all.Except(smtp.Accepted().Select(a => a.MessageId)).Count()} messages not delivered within 150 s of the restart");
            await Task.Delay(200);
        }

        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30));
        await using var db = Shop.CreateDbContext();
        Assert.Equal(200, await db.Set<OutboxMessage>().CountAsync(m => m.State == OutboxMessageState.Sent && m.LeaseOwner == null));

        // A restart the dispatcher rides out is routine: warnings, never an error an alert would fire on.
        Assert.Contains(logs.Lines, l => l.StartsWith("Warning", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal));
    }

    /// <summary>
    /// The application's own write right after the restart can meet a pooled connection that the restart broke;
    /// an application retries that (as EF Core's EnableRetryOnFailure does). Idempotency keys make the retry a no-op
    /// for anything the failed attempt did commit, so the count of 200 below still proves nothing was duplicated.
    /// </summary>
    private async Task<List<string>> EnqueueAfterRestartAsync(string prefix, int count)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await EnqueueManyAsync(prefix, count, idempotent: true);
            }
            catch (Exception ex) when (attempt < 20 && IsTransientDatabaseFailure(ex))
            {
                await Task.Delay(500);
            }
        }

        static bool IsTransientDatabaseFailure(Exception? ex)
            => ex is Npgsql.NpgsqlException { IsTransient: true } or System.IO.IOException
                || (ex?.InnerException is { } inner && IsTransientDatabaseFailure(inner));
    }
}

/// <summary>SmtpTransport against a real SMTP server (aiosmtpd, smtp_test_server.py) that answers 4xx, rejects recipients with 5xx, drops the connection in DATA and stalls past the timeout.</summary>
public abstract class QueueFaultTests(ShopDatabase shop) : IDisposable
{
    protected ShopDatabase Shop { get; } = shop;

    public void Dispose() => Shop.Dispose();

    protected async Task<List<string>> EnqueueManyAsync(string prefix, int count, bool idempotent = false)
    {
        await using var db = Shop.CreateDbContext();
        var ids = Enumerable.Range(0, count)
            .Select(i => db.Emails().Enqueue(
                new OrderConfirmationEmail("Ada", prefix + i, i),
                to: $"{prefix}{i}@example.com",
                idempotent ? new EnqueueOptions { IdempotencyKey = prefix + i } : null).MessageId).ToList();
        await db.SaveChangesAsync();
        return ids;
    }

    [Fact]
    public async Task Outcomes_follow_the_rules_under_smtp_faults_and_nothing_is_lost()
    {
        using var smtp = new TestSmtpServer(null, "--stall", "2.5");
        var cases = new Dictionary<string, (string To, string[] Cc)>
        {
            ["ok"] = ("ok-1@example.com", []),
            ["flaky"] = ("flaky-1@example.com", []),
            ["reject"] = ("reject5-1@example.com", []),
            ["ok+reject"] = ("ok-2@example.com", ["reject5-2@example.com"]),
            ["ok+flaky"] = ("ok-3@example.com", ["flaky-3@example.com"]),
            ["drop"] = ("drop-1@example.com", []),
            ["stall"] = ("stall-1@example.com", []),
        };
        var ids = new Dictionary<string, EnqueuedEmail>();
        await using (var db = Shop.CreateDbContext())
        {
            foreach (var (name, (to, cc)) in cases)
            {
                ids[name] = db.Emails().Enqueue(new OrderConfirmationEmail("Ada", name, 1m), to: to, new EnqueueOptions { Cc = [.. cc.Select(c => (EmailAddress)c)] });
            }

            await db.SaveChangesAsync();
        }

        await using var transport = new SmtpTransport(new SmtpOptions { Host = "127.0.0.1", Port = smtp.Port, TlsMode = SmtpTlsMode.None, CommandTimeout = TimeSpan.FromSeconds(1) });
        var dispatcher = new OutboxDispatcher<ShopContext>(Shop, transport, new DispatcherOptions
        {
            RetryBaseDelay = TimeSpan.Zero,
            RetryMaxDelay = TimeSpan.Zero,
            SendTimeout = TimeSpan.FromSeconds(20),
            LeaseDuration = TimeSpan.FromSeconds(60),
        });
        for (var pass = 0; pass < 5; pass++)
        {
            await dispatcher.DispatchDueAsync();
        }

        await Task.Delay(3000); // let the stalled first DATA finish on the server side
        var deliveries = smtp.Accepted().GroupBy(a => a.MessageId).ToDictionary(g => g.Key, g => g.Select(a => string.Join(",", a.Recipients)).ToList());
        List<string> Delivered(string name) => deliveries.GetValueOrDefault(ids[name].MessageId) ?? [];

        await using var check = Shop.CreateDbContext();
        var rows = await check.Set<OutboxMessage>().Include(m => m.Recipients).Include(m => m.Attempts).AsSplitQuery().ToDictionaryAsync(m => m.Id);
        OutboxMessage Row(string name) => rows[ids[name].Id];
        AttemptOutcome[] Outcomes(string name) => [.. Row(name).Attempts.OrderBy(a => a.Number).Select(a => a.Outcome)];

        Assert.Equal(["ok-1@example.com"], Delivered("ok"));
        Assert.Equal([AttemptOutcome.Accepted], Outcomes("ok"));

        // 4xx: deferred, then sent once.
        Assert.Equal(["flaky-1@example.com"], Delivered("flaky"));
        Assert.Equal([AttemptOutcome.TransientFailure, AttemptOutcome.Accepted], Outcomes("flaky"));
        Assert.Equal((451, "4.3.0"), (Row("flaky").Attempts.OrderBy(a => a.Number).First().ReplyCode, Row("flaky").Attempts.OrderBy(a => a.Number).First().EnhancedStatus));

        // 5xx: failed at once, never delivered.
        Assert.Empty(Delivered("reject"));
        Assert.Equal(OutboxMessageState.Failed, Row("reject").State);
        Assert.Equal([AttemptOutcome.PermanentFailure], Outcomes("reject"));
        Assert.Equal((RecipientState.Rejected, 550, "5.1.1"), Row("reject").Recipients.Select(r => (r.State, r.ReplyCode ?? 0, r.EnhancedStatus)).Single());

        // One recipient rejected for good: the others get it once, the message is sent.
        Assert.Equal(["ok-2@example.com"], Delivered("ok+reject"));
        Assert.Equal(OutboxMessageState.Sent, Row("ok+reject").State);

        // One recipient failing for now: the retry goes to that recipient only.
        Assert.Equal(["ok-3@example.com", "flaky-3@example.com"], Delivered("ok+flaky"));

        // Dropped in DATA: no reply, so it is retried, and delivered once.
        Assert.True(Delivered("drop").SequenceEqual(["drop-1@example.com"]),
            string.Join(" | ", Row("drop").Attempts.OrderBy(a => a.Number).Select(a => $"{a.Outcome} {a.ReplyCode} {a.ReplyText} {a.Error}")));
        Assert.Equal([AttemptOutcome.TransientFailure, AttemptOutcome.Accepted], Outcomes("drop"));
        Assert.Contains("may have been delivered", Row("drop").Attempts.OrderBy(a => a.Number).First().Error);

        // Stalled past the timeout: retried. The server may still accept the first copy after the client gave up,
        // the duplicate SMTP cannot rule out (RFC 1047): at least once, at most twice.
        Assert.InRange(Delivered("stall").Count, 1, 2);
        var stalled = Row("stall").Attempts.OrderBy(a => a.Number).First().Error;
        Assert.Contains("may have been delivered", stalled);
        Assert.Contains("SmtpOptions.CommandTimeout", stalled);

        Assert.All(rows.Values.Where(m => m.Id != ids["reject"].Id), m => Assert.Equal(OutboxMessageState.Sent, m.State));
        Assert.All(rows.Values, m => Assert.Null(m.LeaseOwner));
    }
}
