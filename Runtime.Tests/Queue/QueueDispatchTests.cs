using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using TypedMail.Dispatch;
using TypedMail.Outbox;
using TypedMail.Outbox.Providers;
using TypedMail.Runtime.Tests.Emails;
using TypedMail.Runtime.Tests.Infrastructure;
using TypedMail.Transports;

namespace TypedMail.Runtime.Tests.Queue;

public sealed class QueueDispatchTestsSqlite() : QueueDispatchTests(new SqliteShop());

[Collection(PostgresCollection.Name)]
public sealed class QueueDispatchTestsPostgres(PostgresCluster cluster) : QueueDispatchTests(new PostgresShop(cluster));

/// <summary>Claiming, leases, retries, per-recipient outcomes, suppression, routing, throttling, purge, shutdown.</summary>
public abstract class QueueDispatchTests(ShopDatabase shop) : IDisposable
{
    private static readonly DateTimeOffset Start = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    protected ShopDatabase Shop { get; } = shop;

    protected ManualClock Clock { get; } = new(Start);

    public void Dispose() => Shop.Dispose();

    private async Task<Guid> EnqueueAsync(string number, string to = "ada@example.com", EnqueueOptions? options = null)
    {
        await using var db = Shop.CreateDbContext(o => o.TimeProvider = Clock);
        var id = db.Emails().Enqueue(new OrderConfirmationEmail("Ada", number, 1m), to: to, options).Id;
        await db.SaveChangesAsync();
        return id;
    }

    private OutboxDispatcher<ShopContext> Dispatcher(IEmailTransport transport, DispatcherOptions? options = null)
        => new(Shop, transport, options ?? new DispatcherOptions { RetryBaseDelay = TimeSpan.FromMinutes(1), RetryMaxDelay = TimeSpan.FromMinutes(30) }, timeProvider: Clock);

    private async Task<OutboxMessage> LoadAsync(Guid id)
    {
        await using var db = Shop.CreateDbContext();
        return await db.Set<OutboxMessage>().Include(m => m.Recipients).Include(m => m.Attempts).AsSplitQuery().SingleAsync(m => m.Id == id);
    }

    [Fact]
    public async Task Claims_highest_priority_first_and_holds_scheduled_mail_until_due()
    {
        var low = await EnqueueAsync("low");
        var high = await EnqueueAsync("high", options: new EnqueueOptions { Priority = 10 });
        var later = await EnqueueAsync("later", options: new EnqueueOptions { NotBefore = Start.AddHours(1), Priority = 99 });
        var transport = new ScriptedTransport();

        var summary = await Dispatcher(transport, new DispatcherOptions { BatchSize = 1 }).DispatchDueAsync();
        Assert.Equal(2, summary.Sent);
        Assert.Equal([high, low], transport.Sent.Select(e => e.OutboxId));
        Assert.Equal(OutboxMessageState.Queued, (await LoadAsync(later)).State);

        Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1, (await Dispatcher(transport).DispatchDueAsync()).Sent);
        Assert.Equal(later, transport.Sent.Last().OutboxId);
    }

    [Fact]
    public async Task A_transient_failure_that_asks_for_a_longer_wait_is_deferred_at_least_that_long()
    {
        var id = await EnqueueAsync("T-454");
        var throttled = new TransportReply(454, "4.7.0", "Throttling failure: Maximum sending rate exceeded.");
        var transport = new ScriptedTransport("ses")
        {
            Answer = e => SendResult.FailedForAll(e, DeliveryStatus.TransientFailure, throttled) with { RetryAfter = TimeSpan.FromMinutes(10) },
        };
        Assert.Equal(1, (await Dispatcher(transport).DispatchBatchAsync()).Deferred);

        var row = await LoadAsync(id);
        Assert.Equal(OutboxMessageState.Deferred, row.State);
        Assert.Equal(Start.UtcDateTime.AddMinutes(10), row.DueAt);
        Assert.Equal((454, "4.7.0"), (row.Attempts.Single().ReplyCode, row.Attempts.Single().EnhancedStatus));
    }

    [Fact]
    public async Task Transient_failure_defers_with_backoff_and_logs_the_attempt_then_succeeds()
    {
        var id = await EnqueueAsync("T-1");
        var transport = new ScriptedTransport("relay") { Answer = e => SendResult.FailedForAll(e, DeliveryStatus.TransientFailure, new TransportReply(451, "4.3.0", "try later")) };
        var options = new DispatcherOptions { RetryBaseDelay = TimeSpan.FromMinutes(1), RetryMaxDelay = TimeSpan.FromMinutes(30), DispatcherId = "d-1" };
        Assert.Equal(1, (await Dispatcher(transport, options).DispatchBatchAsync()).Deferred);

        var row = await LoadAsync(id);
        Assert.Equal(OutboxMessageState.Deferred, row.State);
        Assert.InRange(row.DueAt, Start.UtcDateTime.AddSeconds(30), Start.UtcDateTime.AddSeconds(60));
        Assert.Equal("451 4.3.0 try later", row.LastError);
        Assert.Null(row.LeaseOwner);
        var attempt = Assert.Single(row.Attempts);
        Assert.Equal((1, "relay", "d-1", AttemptOutcome.TransientFailure, 451, "4.3.0", "try later"),
            (attempt.Number, attempt.Transport, attempt.Dispatcher, attempt.Outcome, attempt.ReplyCode, attempt.EnhancedStatus, attempt.ReplyText));
        Assert.Equal(Start.UtcDateTime, attempt.StartedAt);
        Assert.True(attempt.DurationMs >= 0);

        // Not due yet: nothing is claimed. The second delay doubles.
        Assert.Equal(0, (await Dispatcher(transport, options).DispatchBatchAsync()).Claimed);
        Clock.Now = row.DueAt;
        await Dispatcher(transport, options).DispatchBatchAsync();
        var second = await LoadAsync(id);
        Assert.InRange(second.DueAt, row.DueAt.AddSeconds(60), row.DueAt.AddSeconds(120));

        Clock.Now = second.DueAt;
        transport.Answer = e => SendResult.AcceptedForAll(e, ScriptedTransport.Ok);
        Assert.Equal(1, (await Dispatcher(transport, options).DispatchBatchAsync()).Sent);
        var sent = await LoadAsync(id);
        Assert.Equal(OutboxMessageState.Sent, sent.State);
        Assert.Equal(3, sent.AttemptCount);
        Assert.Null(sent.LastError);
        Assert.Equal(Start.UtcDateTime, sent.CreatedAt);
        Assert.Equal(3, transport.Sent.Select(e => e.Message.MessageId).Distinct().Count() + 2);
    }

    [Fact]
    public async Task Message_is_dead_after_max_attempts_with_its_last_error()
    {
        var id = await EnqueueAsync("M-1");
        var transport = new ScriptedTransport { Answer = e => SendResult.FailedForAll(e, DeliveryStatus.TransientFailure, null, "connection refused") };
        var options = new DispatcherOptions { MaxAttempts = 3, RetryBaseDelay = TimeSpan.Zero, RetryMaxDelay = TimeSpan.Zero };
        for (var i = 0; i < 5; i++)
        {
            await Dispatcher(transport, options).DispatchBatchAsync();
        }

        var row = await LoadAsync(id);
        Assert.Equal(OutboxMessageState.Failed, row.State);
        Assert.Equal(3, row.AttemptCount);
        Assert.Equal(3, transport.Sent.Count);
        Assert.Equal(Start.UtcDateTime, row.FailedAt);
        Assert.Contains("connection refused", row.LastError);
        Assert.All(row.Attempts, a => Assert.Equal("connection refused", a.Error));
        Assert.Equal(RecipientState.Rejected, Assert.Single(row.Recipients).State);
    }

    [Fact]
    public async Task Permanent_rejection_stops_at_once()
    {
        var id = await EnqueueAsync("P-1");
        var transport = new ScriptedTransport { Answer = e => SendResult.FailedForAll(e, DeliveryStatus.PermanentFailure, new TransportReply(554, "5.7.1", "rejected")) };
        Assert.Equal(1, (await Dispatcher(transport).DispatchBatchAsync()).Failed);
        Assert.Equal(0, (await Dispatcher(transport).DispatchBatchAsync()).Claimed);
        var row = await LoadAsync(id);
        Assert.Equal(OutboxMessageState.Failed, row.State);
        Assert.Equal(AttemptOutcome.PermanentFailure, Assert.Single(row.Attempts).Outcome);
        var recipient = Assert.Single(row.Recipients);
        Assert.Equal((RecipientState.Rejected, 554, "5.7.1"), (recipient.State, recipient.ReplyCode, recipient.EnhancedStatus));
        Assert.Contains("554", row.LastError);
    }

    [Fact]
    public async Task One_bad_recipient_never_causes_a_resend_to_the_good_ones()
    {
        var id = await EnqueueAsync("R-1", "good@example.com", new EnqueueOptions { Cc = ["later@example.com"], Bcc = ["gone@example.com"] });
        var transport = new ScriptedTransport
        {
            Answer = ScriptedTransport.PerRecipient(new Dictionary<string, TransportReply>
            {
                ["later@example.com"] = new(452, "4.2.2", "mailbox full"),
                ["gone@example.com"] = new(550, "5.1.1", "no such user"),
            }),
        };
        var options = new DispatcherOptions { RetryBaseDelay = TimeSpan.Zero, RetryMaxDelay = TimeSpan.Zero };
        Assert.Equal(1, (await Dispatcher(transport, options).DispatchBatchAsync()).Deferred);
        var row = await LoadAsync(id);
        Assert.Equal(OutboxMessageState.Deferred, row.State);
        Assert.Equal(AttemptOutcome.PartiallyAccepted, Assert.Single(row.Attempts).Outcome);
        var states = row.Recipients.ToDictionary(r => r.Address, r => (r.State, r.ReplyCode));
        Assert.Equal((RecipientState.Accepted, (int?)250), states["good@example.com"]);
        Assert.Equal((RecipientState.Pending, (int?)452), states["later@example.com"]);
        Assert.Equal((RecipientState.Rejected, (int?)550), states["gone@example.com"]);

        transport.Answer = e => SendResult.AcceptedForAll(e, ScriptedTransport.Ok);
        Assert.Equal(1, (await Dispatcher(transport, options).DispatchBatchAsync()).Sent);
        Assert.Equal(["later@example.com"], transport.Sent.Last().Recipients.Select(r => r.Address));
        var sent = await LoadAsync(id);
        Assert.Equal(OutboxMessageState.Sent, sent.State);
        Assert.Contains("gone@example.com: Rejected 550", sent.LastError);
    }

    [Fact]
    public async Task Suppressed_recipients_are_recorded_and_never_sent_to()
    {
        await using (var db = Shop.CreateDbContext())
        {
            await OutboxMaintenance.SuppressAsync(db, "Blocked <BLOCKED@example.com>", "hard bounce");
            await OutboxMaintenance.SuppressAsync(db, "gone@example.com", null);
        }

        var partly = await EnqueueAsync("S-1", "ok@example.com", new EnqueueOptions { Cc = ["blocked@example.com"] });
        var wholly = await EnqueueAsync("S-2", "gone@example.com");
        var transport = new ScriptedTransport();
        var summary = await Dispatcher(transport).DispatchDueAsync();
        Assert.Equal((1, 1), (summary.Sent, summary.Failed));
        Assert.Equal(["ok@example.com"], Assert.Single(transport.Sent).Recipients.Select(r => r.Address));

        var p = await LoadAsync(partly);
        var blocked = p.Recipients.Single(r => r.Address == "blocked@example.com");
        Assert.Equal((RecipientState.Suppressed, "suppressed: hard bounce"), (blocked.State, blocked.ReplyText));
        Assert.Equal(OutboxMessageState.Sent, p.State);
        var w = await LoadAsync(wholly);
        Assert.Equal(OutboxMessageState.Failed, w.State);
        Assert.Empty(w.Attempts);
        Assert.Contains("Suppressed", w.LastError);

        await using (var db = Shop.CreateDbContext())
        {
            Assert.True(await OutboxMaintenance.UnsuppressAsync(db, "gone@example.com"));
            Assert.True(await OutboxMaintenance.RequeueAsync(db, wholly));
            Assert.False(await OutboxMaintenance.RequeueAsync(db, partly));
        }

        Assert.Equal(OutboxMessageState.Queued, (await LoadAsync(wholly)).State);
    }

    [Fact]
    public async Task Expired_lease_is_reclaimed_and_a_live_one_is_not()
    {
        var id = await EnqueueAsync("L-1");
        await using (var db = Shop.CreateDbContext())
        {
            var claimed = await OutboxProvider.For(db).ClaimAsync(db, "crashed", Guid.NewGuid(), 10, Start.UtcDateTime, Start.UtcDateTime.AddMinutes(5), default);
            Assert.Equal(id, Assert.Single(claimed).Id);
        }

        var transport = new ScriptedTransport();
        Assert.Equal(0, (await Dispatcher(transport).DispatchBatchAsync()).Claimed);
        Clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        Assert.Equal(1, (await Dispatcher(transport).DispatchBatchAsync()).Sent);
        Assert.Equal(OutboxMessageState.Sent, (await LoadAsync(id)).State);
    }

    [Fact]
    public async Task A_message_that_stops_its_dispatcher_every_time_counts_each_lapsed_lease_and_fails_at_max_attempts()
    {
        var id = await EnqueueAsync("P-1");
        var crash = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = new DispatcherOptions { MaxAttempts = 3 };

        // Each dispatcher hangs in the send, as if the message killed its process: the lease is never released.
        using var sending = new SemaphoreSlim(0);
        var poisoned = new ScriptedTransport { BeforeSend = async _ => { sending.Release(); await crash.Task; } };
        var stuck = new List<Task<DispatchSummary>>();
        for (var run = 1; run <= 3; run++)
        {
            stuck.Add(Dispatcher(poisoned, options).DispatchBatchAsync());
            Assert.True(await sending.WaitAsync(TimeSpan.FromSeconds(30)), $"dispatcher {run} did not send");

            Assert.Equal(0, (await Dispatcher(new ScriptedTransport(), options).DispatchBatchAsync()).Claimed);
            Clock.Advance(options.LeaseDuration + TimeSpan.FromSeconds(1));
        }

        // The fourth claim finds three lapsed leases: the message has had its three attempts and is not sent again.
        var next = new ScriptedTransport();
        var summary = await Dispatcher(next, options).DispatchBatchAsync();
        Assert.Equal((1, 0, 1), (summary.Claimed, summary.Sent, summary.Failed));
        Assert.Empty(next.Sent);

        var row = await LoadAsync(id);
        Assert.Equal((OutboxMessageState.Failed, 3, (string?)null), (row.State, row.AttemptCount, row.LeaseOwner));
        Assert.Equal([1, 2, 3], row.Attempts.OrderBy(a => a.Number).Select(a => a.Number));
        Assert.All(row.Attempts, a => Assert.Equal((AttemptOutcome.TransientFailure, "lease expired (dispatcher stopped mid-send)"), (a.Outcome, a.Error)));
        Assert.Contains("given up after 3 attempts", row.LastError);
        Assert.Equal(RecipientState.Rejected, Assert.Single(row.Recipients).State);

        // The hung dispatchers come back to a message that is no longer theirs: nothing they report overwrites it.
        crash.SetResult();
        foreach (var run in stuck)
        {
            Assert.Equal(1, (await run.WaitAsync(TimeSpan.FromSeconds(30))).LeaseLost);
        }

        Assert.Equal(OutboxMessageState.Failed, (await LoadAsync(id)).State);
    }

    [Fact]
    public async Task A_requeued_message_numbers_its_attempts_on_from_the_log_with_a_fresh_budget()
    {
        var id = await EnqueueAsync("R-1");
        var options = new DispatcherOptions { MaxAttempts = 2, RetryBaseDelay = TimeSpan.FromMinutes(1), RetryMaxDelay = TimeSpan.FromMinutes(30) };
        var transport = new ScriptedTransport { Answer = e => SendResult.FailedForAll(e, DeliveryStatus.TransientFailure, new TransportReply(451, "4.3.0", "try later")) };
        await FailAsync(id, transport, options);
        await RequeueAsync(id);

        // The requeue gives two more attempts, numbered 3 and 4; the next requeue's send is number 5.
        Assert.Equal(1, (await Dispatcher(transport, options).DispatchBatchAsync()).Deferred);
        var deferred = await LoadAsync(id);
        Assert.Equal((OutboxMessageState.Deferred, 2, 1), (deferred.State, deferred.AttemptsBefore, deferred.AttemptCount));
        Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1, (await Dispatcher(transport, options).DispatchBatchAsync()).Failed);
        await RequeueAsync(id);
        transport.Answer = e => SendResult.AcceptedForAll(e, ScriptedTransport.Ok);
        Assert.Equal(1, (await Dispatcher(transport, options).DispatchBatchAsync()).Sent);

        var row = await LoadAsync(id);
        Assert.Equal((OutboxMessageState.Sent, 4, 1), (row.State, row.AttemptsBefore, row.AttemptCount));
        Assert.Equal([1, 2, 3, 4, 5], row.Attempts.OrderBy(a => a.Id).Select(a => a.Number));
        Assert.Equal(AttemptOutcome.Accepted, row.Attempts.MaxBy(a => a.Id)!.Outcome);
    }

    [Fact]
    public async Task A_lease_that_lapses_after_a_requeue_is_logged_and_counted_against_the_fresh_budget()
    {
        var id = await EnqueueAsync("R-2");
        var options = new DispatcherOptions { MaxAttempts = 2, RetryBaseDelay = TimeSpan.FromMinutes(1), RetryMaxDelay = TimeSpan.FromMinutes(30) };
        await FailAsync(id, new ScriptedTransport { Answer = e => SendResult.FailedForAll(e, DeliveryStatus.TransientFailure, new TransportReply(451, "4.3.0", "try later")) }, options);
        await RequeueAsync(id);

        // Two dispatchers claim the requeued message and die mid-send; the second claim counts the first's lapsed lease.
        for (var crash = 1; crash <= 2; crash++)
        {
            await using (var db = Shop.CreateDbContext())
            {
                var now = Clock.GetUtcNow().UtcDateTime;
                Assert.Equal(id, Assert.Single(await OutboxProvider.For(db).ClaimAsync(db, "crashed", Guid.NewGuid(), 10, now, now + options.LeaseDuration, default)).Id);
            }

            Clock.Advance(options.LeaseDuration + TimeSpan.FromSeconds(1));
        }

        // The next claim counts the second lapsed lease: two attempts of the new run, so it is given up, not sent a fifth time.
        var next = new ScriptedTransport();
        var summary = await Dispatcher(next, options).DispatchBatchAsync();
        Assert.Equal((1, 0, 1), (summary.Claimed, summary.Sent, summary.Failed));
        Assert.Empty(next.Sent);

        var row = await LoadAsync(id);
        Assert.Equal((OutboxMessageState.Failed, 2, 2), (row.State, row.AttemptsBefore, row.AttemptCount));
        Assert.Equal([1, 2, 3, 4], row.Attempts.OrderBy(a => a.Id).Select(a => a.Number));
        Assert.All(row.Attempts.Where(a => a.Number > 2), a => Assert.Equal("lease expired (dispatcher stopped mid-send)", a.Error));
        Assert.Contains("given up after 2 attempts", row.LastError);
    }

    /// <summary>Dispatches <paramref name="id"/> through a failing transport until it fails for good, then checks it did so after MaxAttempts attempts.</summary>
    private async Task FailAsync(Guid id, ScriptedTransport transport, DispatcherOptions options)
    {
        for (var attempt = 1; attempt < options.MaxAttempts; attempt++)
        {
            Assert.Equal(1, (await Dispatcher(transport, options).DispatchBatchAsync()).Deferred);
            Clock.Advance(TimeSpan.FromHours(1));
        }

        Assert.Equal(1, (await Dispatcher(transport, options).DispatchBatchAsync()).Failed);
        var row = await LoadAsync(id);
        Assert.Equal((0, options.MaxAttempts), (row.AttemptsBefore, row.AttemptCount));
    }

    private async Task RequeueAsync(Guid id)
    {
        await using var db = Shop.CreateDbContext();
        Assert.True(await OutboxMaintenance.RequeueAsync(db, id));
    }

    [Fact]
    public async Task A_dispatcher_whose_lease_was_taken_over_does_not_overwrite_the_new_owner()
    {
        var id = await EnqueueAsync("O-1");
        var inFlight = new TaskCompletionSource();
        var proceed = new TaskCompletionSource();
        var slow = new ScriptedTransport("slow")
        {
            BeforeSend = async _ => { inFlight.SetResult(); await proceed.Task; },
            Answer = e => SendResult.FailedForAll(e, DeliveryStatus.PermanentFailure, new TransportReply(550, "5.0.0", "stale view")),
        };
        var first = Dispatcher(slow, new DispatcherOptions { DispatcherId = "first" }).DispatchBatchAsync();
        await inFlight.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // Meanwhile the lease expires and another dispatcher claims and sends the message.
        await using (var db = Shop.CreateDbContext())
        {
            await db.Set<OutboxMessage>().Where(m => m.Id == id).ExecuteUpdateAsync(s => s.SetProperty(m => m.LeaseExpiresAt, Start.UtcDateTime.AddSeconds(-1)));
        }

        var second = new ScriptedTransport("fast");
        Assert.Equal(1, (await Dispatcher(second, new DispatcherOptions { DispatcherId = "second" }).DispatchBatchAsync()).Sent);
        proceed.SetResult();
        var summary = await first.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, summary.LeaseLost);

        var row = await LoadAsync(id);
        Assert.Equal(OutboxMessageState.Sent, row.State);
        // The first dispatcher's lapsed lease is logged as a failed attempt, then the second one's send.
        Assert.Equal([("", AttemptOutcome.TransientFailure), ("fast", AttemptOutcome.Accepted)], row.Attempts.OrderBy(a => a.Number).Select(a => (a.Transport, a.Outcome)));
        Assert.Equal(RecipientState.Accepted, Assert.Single(row.Recipients).State);
    }

    [Fact]
    public async Task Concurrent_dispatchers_send_each_message_exactly_once()
    {
        await using (var db = Shop.CreateDbContext())
        {
            for (var i = 0; i < 120; i++)
            {
                db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "C-" + i, 1m), to: $"c{i}@example.com");
            }

            await db.SaveChangesAsync();
        }

        var transport = new ScriptedTransport { BeforeSend = _ => Task.Delay(5) };
        var dispatchers = Enumerable.Range(0, 4).Select(i => Dispatcher(transport, new DispatcherOptions { BatchSize = 7, DispatcherId = "d" + i }));
        var summaries = await Task.WhenAll(dispatchers.Select(d => Task.Run(() => d.DispatchDueAsync())));
        Assert.Equal(120, summaries.Sum(s => s.Sent));
        Assert.Equal(120, transport.Sent.Select(e => e.OutboxId).Distinct().Count());
        Assert.Equal(120, transport.Sent.Count);
    }

    [Fact]
    public async Task Routes_by_email_type_and_by_the_message_transport_and_fails_over_only_when_a_transport_is_down()
    {
        var byType = await EnqueueAsync("RT-1");
        var chosen = await EnqueueAsync("RT-2", options: new EnqueueOptions { Transport = "bulk" });
        var primary = new ScriptedTransport("primary");
        var bulk = new ScriptedTransport("bulk");
        var routes = new TransportRoutes().Add(primary).Add(bulk)
            .RouteEmailType(typeof(OrderConfirmationEmail).FullName!, "bulk", "primary");
        await new OutboxDispatcher<ShopContext>(Shop, routes, timeProvider: Clock).DispatchDueAsync();
        Assert.Equal(new[] { byType, chosen }.Order(), bulk.Sent.Select(e => e.OutboxId).Order());
        Assert.Empty(primary.Sent);

        // Down (no connection): the next transport of the route takes over in the same pass.
        var down = await EnqueueAsync("RT-3");
        var rejecting = await EnqueueAsync("RT-4", to: "nobody@example.com");
        var a = new ScriptedTransport("a")
        {
            Answer = e => e.Recipients[0].Address == "nobody@example.com"
                ? SendResult.FailedForAll(e, DeliveryStatus.PermanentFailure, new TransportReply(550, "5.1.1", "no such user"))
                : SendResult.FailedForAll(e, DeliveryStatus.TransientFailure, null, "connection refused"),
        };
        var b = new ScriptedTransport("b");
        var summary = await new OutboxDispatcher<ShopContext>(Shop, new TransportRoutes().Add(a).Add(b), timeProvider: Clock).DispatchDueAsync();
        Assert.Equal((1, 1), (summary.Sent, summary.Failed));
        Assert.Equal([down], b.Sent.Select(e => e.OutboxId));
        Assert.Equal(["a", "b"], (await LoadAsync(down)).Attempts.OrderBy(x => x.Number).Select(x => x.Transport));
        Assert.Equal(["a"], (await LoadAsync(rejecting)).Attempts.Select(x => x.Transport));
    }

    [Fact]
    public void Routes_reject_unknown_and_duplicate_transport_names()
    {
        var routes = new TransportRoutes().Add(new ScriptedTransport("a"));
        Assert.Contains("'a' is already added", Assert.Throws<ArgumentException>(() => routes.Add(new ScriptedTransport("a"))).Message);
        Assert.Contains("names transport 'zz'", Assert.Throws<ArgumentException>(() => routes.RouteEmailType("X", "a", "zz")).Message);
        Assert.Contains("-1", Assert.Throws<ArgumentException>(() => routes.Add(new ScriptedTransport("b"), maxMessagesPerSecond: -1)).Message);
        Assert.Contains("LeaseDuration", Assert.Throws<ArgumentOutOfRangeException>(() => Dispatcher(new ScriptedTransport(), new DispatcherOptions { SendTimeout = TimeSpan.FromMinutes(10) })).Message);
    }

    /// <summary>How early a timer may fire, and the system clock and the stopwatch may disagree, within one test.</summary>
    private static readonly TimeSpan Tolerance = TimeSpan.FromMilliseconds(25);

    [Fact]
    public async Task Throttle_spaces_sends_to_the_configured_rate()
    {
        await using (var db = Shop.CreateDbContext())
        {
            for (var i = 0; i < 9; i++)
            {
                db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "TH-" + i, 1m), to: $"t{i}@example.com");
            }

            await db.SaveChangesAsync();
        }

        var transport = new ScriptedTransport("limited");
        var routes = new TransportRoutes().Add(transport, maxMessagesPerSecond: 3);
        var began = TimeProvider.System.GetTimestamp();
        Assert.Equal(9, (await new OutboxDispatcher<ShopContext>(Shop, routes).DispatchDueAsync()).Sent);
        var batches = transport.Batches.ToArray();
        Assert.Equal([3, 3, 3], batches.Select(b => b.Count));

        // Group i's slot starts i seconds after the first, which started no earlier than the dispatch: measured from
        // there, a send that starts late (a loaded machine) cannot make the next group look early.
        for (var i = 1; i < batches.Length; i++)
        {
            var after = TimeProvider.System.GetElapsedTime(began, batches[i].Timestamp);
            Assert.True(after >= TimeSpan.FromSeconds(i) - Tolerance, $"group {i + 1} of 3 sent {after.TotalMilliseconds:0} ms after the dispatch began");
        }
    }

    [Fact]
    public async Task Throttle_is_shared_by_every_dispatcher_on_the_database()
    {
        await using (var db = Shop.CreateDbContext())
        {
            for (var i = 0; i < 12; i++)
            {
                db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "TS-" + i, 1m), to: $"s{i}@example.com");
            }

            await db.SaveChangesAsync();
        }

        // Two dispatchers, each with its own transport object under the same name and limit, as on two machines.
        var transports = new[] { new ScriptedTransport("relay"), new ScriptedTransport("relay") };
        var started = TimeProvider.System.GetTimestamp();
        var summaries = await Task.WhenAll(transports.Select((t, i) =>
            Task.Run(() => new OutboxDispatcher<ShopContext>(Shop, new TransportRoutes().Add(t, maxMessagesPerSecond: 3),
                new DispatcherOptions { BatchSize = 6, DispatcherId = "d" + i }).DispatchDueAsync())));
        Assert.Equal(12, summaries.Sum(s => s.Sent));

        // 12 messages at 3 per second between both: the schedule's last slot of 3 starts 3 s after the first, which
        // started no earlier than the dispatch, so the last send comes at least 3 s after it began, not 1 s (which is
        // what two separate limits of 3 per second would allow).
        var groups = transports.SelectMany(t => t.Batches).OrderBy(b => b.Timestamp).ToList();
        Assert.All(groups, g => Assert.InRange(g.Count, 1, 3));
        Assert.True(TimeProvider.System.GetElapsedTime(started, groups[^1].Timestamp) >= TimeSpan.FromSeconds(3) - Tolerance,
            $"12 messages went out within {TimeProvider.System.GetElapsedTime(started, groups[^1].Timestamp).TotalSeconds:0.00} s at a shared limit of 3/s");
        await using (var db = Shop.CreateDbContext())
        {
            var schedule = await db.Set<OutboxThrottle>().SingleAsync();
            Assert.Equal("relay", schedule.Transport);
        }
    }

    [Fact]
    public async Task Throttle_schedule_unavailable_releases_the_batch_unsent_without_counting_an_attempt()
    {
        var ids = new[] { await EnqueueAsync("TU-1"), await EnqueueAsync("TU-2") };
        await using (var db = Shop.CreateDbContext())
        {
            await db.Database.ExecuteSqlRawAsync("DROP TABLE typedmail_throttles");
        }

        var transport = new ScriptedTransport("relay");
        var summary = await new OutboxDispatcher<ShopContext>(Shop, new TransportRoutes().Add(transport, maxMessagesPerSecond: 10), timeProvider: Clock).DispatchBatchAsync();

        Assert.Equal((2, 0, 2), (summary.Claimed, summary.Sent, summary.Released));
        Assert.Empty(transport.Sent);
        foreach (var id in ids)
        {
            var row = await LoadAsync(id);
            Assert.Equal((OutboxMessageState.Queued, 0, (string?)null), (row.State, row.AttemptCount, row.LeaseOwner));
            Assert.Empty(row.Attempts);
        }
    }

    [Fact]
    public async Task Stopping_mid_batch_finishes_the_send_in_flight_and_releases_the_rest()
    {
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await EnqueueAsync("SD-" + i, options: new EnqueueOptions { Priority = 10 - i }));
        }

        using var stop = new CancellationTokenSource();
        var transport = new ScriptedTransport("one-at-a-time") { BeforeSend = async _ => { await stop.CancelAsync(); await Task.Delay(200); } };
        var routes = new TransportRoutes().Add(transport, maxMessagesPerSecond: 1);
        var summary = await new OutboxDispatcher<ShopContext>(Shop, routes, timeProvider: Clock).DispatchBatchAsync(stop.Token);
        Assert.Equal((3, 1, 2), (summary.Claimed, summary.Sent, summary.Released));

        Assert.Equal(OutboxMessageState.Sent, (await LoadAsync(ids[0])).State);
        foreach (var id in ids.Skip(1))
        {
            var row = await LoadAsync(id);
            Assert.Equal((OutboxMessageState.Queued, (string?)null, (DateTime?)null, 0), (row.State, row.LeaseOwner, row.LeaseExpiresAt, row.AttemptCount));
        }

        // Released mail is claimable at once.
        Assert.Equal(2, (await Dispatcher(new ScriptedTransport()).DispatchDueAsync()).Sent);
    }

    [Fact]
    public async Task Purge_deletes_old_finished_mail_its_log_and_orphaned_blobs_only()
    {
        var shared = new EmailAttachment("shared.pdf", "application/pdf", new byte[] { 1, 2, 3 });
        var own = new EmailAttachment("own.pdf", "application/pdf", new byte[] { 4, 5, 6 });
        var old = await EnqueueAsync("PU-1", options: new EnqueueOptions { Attachments = [shared, own], IdempotencyKey = "pu-1" });
        var dead = await EnqueueAsync("PU-2", to: "nobody@example.com");
        await Dispatcher(new ScriptedTransport
        {
            Answer = e => e.Recipients[0].Address == "nobody@example.com"
                ? SendResult.FailedForAll(e, DeliveryStatus.PermanentFailure, new TransportReply(550, null, "no"))
                : SendResult.AcceptedForAll(e, ScriptedTransport.Ok),
        }).DispatchDueAsync();
        Clock.Advance(TimeSpan.FromDays(40));
        var recent = await EnqueueAsync("PU-3", options: new EnqueueOptions { Attachments = [shared] });
        var queued = await EnqueueAsync("PU-4", options: new EnqueueOptions { NotBefore = Start.AddDays(100) });
        await Dispatcher(new ScriptedTransport()).DispatchDueAsync();

        await using (var db = Shop.CreateDbContext())
        {
            var result = await OutboxMaintenance.PurgeAsync(db, Start.AddDays(30));
            Assert.Equal(new PurgeResult(1, 1, 1), result);
            Assert.Equal(new[] { dead, recent, queued }.Order(), (await db.Set<OutboxMessage>().Select(m => m.Id).ToListAsync()).Order());
            Assert.Empty(await db.Set<OutboxAttempt>().Where(a => a.OutboxMessageId == dead).ToListAsync());
            Assert.Equal([shared.Content.ToArray()], await db.Set<OutboxBlob>().Select(b => b.Content).ToListAsync());
            Assert.Equal(0, await db.Set<OutboxRecipient>().CountAsync(r => r.OutboxMessageId == old));
            Assert.Equal(1, (await OutboxMaintenance.PurgeAsync(db, Start.AddDays(30), includeFailed: true)).Messages);
        }

        // The purged message's idempotency key is free again.
        await EnqueueAsync("PU-1", options: new EnqueueOptions { IdempotencyKey = "pu-1" });
        Assert.Equal(OutboxMessageState.Queued, (await LoadAsync(old)).State);
    }

    [Fact]
    public async Task Purge_waits_for_an_open_enqueue_that_reuses_an_old_blob_and_keeps_it()
    {
        var pdf = new EmailAttachment("terms.pdf", "application/pdf", new byte[] { 7, 8, 9 });
        await EnqueueAsync("PB-1", options: new EnqueueOptions { Attachments = [pdf] });
        await Dispatcher(new ScriptedTransport()).DispatchDueAsync();
        Clock.Advance(TimeSpan.FromDays(40));

        // The application's transaction reuses the stored blob (only a link row is written) and stays open while the
        // purge deletes the old message, whose blob then looks unlinked.
        await using var app = Shop.CreateDbContext(o => o.TimeProvider = Clock);
        await using var transaction = await app.Database.BeginTransactionAsync();
        var reused = app.Emails().Enqueue(new OrderConfirmationEmail("Ada", "PB-2", 1m), to: "ada@example.com", new EnqueueOptions { Attachments = [pdf] }).Id;
        await app.SaveChangesAsync();
        Assert.Equal(EntityState.Unchanged, app.ChangeTracker.Entries<OutboxBlob>().Single().State);

        await using var maintenance = Shop.CreateDbContext();
        // On its own thread: Microsoft.Data.Sqlite's async methods run synchronously, waiting out the lock in the call.
        var purge = Task.Run(() => OutboxMaintenance.PurgeAsync(maintenance, Start.AddDays(30)));
        await Task.Delay(500);
        Assert.False(purge.IsCompleted, "the purge must wait for the open transaction that links the blob");

        await transaction.CommitAsync();
        var result = await purge.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(new PurgeResult(1, 0, 0), result);

        await using var db = Shop.CreateDbContext();
        var link = await db.Set<OutboxAttachment>().Include(a => a.Blob).SingleAsync(a => a.OutboxMessageId == reused);
        Assert.Equal(pdf.Content.ToArray(), link.Blob!.Content);
    }

    [Fact]
    public async Task TypedMail_queries_raise_no_EF_Core_warnings()
    {
        var logs = new RecordingLoggerProvider();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(logs).AddFilter((category, level) => category!.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal) && level >= LogLevel.Warning));
        Shop.ConfigureContext = b => b.UseLoggerFactory(loggers);

        // Enqueue, suppression, dispatch with a retry and a lapsed lease, requeue, and the retention purge.
        var pdf = new EmailAttachment("terms.pdf", "application/pdf", new byte[] { 1, 2, 3 });
        var sent = await EnqueueAsync("W-1", options: new EnqueueOptions { Attachments = [pdf], IdempotencyKey = "w-1" });
        var failed = await EnqueueAsync("W-2", to: "gone@example.com");
        await using (var db = Shop.CreateDbContext())
        {
            await OutboxMaintenance.SuppressAsync(db, "blocked@example.com", "hard bounce");
            await OutboxProvider.For(db).ClaimAsync(db, "crashed", Guid.NewGuid(), 10, Start.UtcDateTime, Start.UtcDateTime.AddMinutes(5), default);
        }

        Clock.Advance(TimeSpan.FromMinutes(6));
        var transport = new ScriptedTransport { Answer = ScriptedTransport.PerRecipient(new Dictionary<string, TransportReply> { ["gone@example.com"] = new(550, "5.1.1", "no such user") }) };
        Assert.Equal(1, (await Dispatcher(transport).DispatchDueAsync()).Sent);
        await using (var db = Shop.CreateDbContext())
        {
            Assert.True(await OutboxMaintenance.RequeueAsync(db, failed));
        }

        Assert.Equal(1, (await Dispatcher(transport).DispatchDueAsync()).Failed);
        await using (var db = Shop.CreateDbContext())
        {
            Assert.Equal(2, (await OutboxMaintenance.PurgeAsync(db, Start.AddDays(1), includeFailed: true)).Messages);
        }

        Assert.NotEqual(sent, failed);
        Assert.Empty(logs.Lines);
    }

    [Fact]
    public async Task A_result_that_does_not_carry_the_envelope_recipient_counts_as_a_failure_for_now()
    {
        var id = await EnqueueAsync("ID-1");

        // Same address text, another object: the dispatcher does not match results back by address strings.
        var transport = new ScriptedTransport { Answer = email => SendResult.AcceptedForAll(email with { Recipients = [.. email.Recipients.Select(r => EmailAddress.Parse(r.ToString()))] }, ScriptedTransport.Ok) };
        Assert.Equal(1, (await Dispatcher(transport).DispatchDueAsync()).Deferred);
        var row = await LoadAsync(id);
        Assert.Equal(RecipientState.Pending, row.Recipients.Single().State);
        Assert.Contains("not one of the envelope's recipient objects", row.Attempts.Single().Error);
    }
}
