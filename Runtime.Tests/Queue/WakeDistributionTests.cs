using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using TypedMail.Dispatch;
using TypedMail.Outbox;
using TypedMail.Runtime.Tests.Infrastructure;

namespace TypedMail.Runtime.Tests.Queue;

/// <summary>
/// How a commit's wake-up is shared out among the dispatchers of its database, without a database: each dispatcher is a
/// <see cref="WakeSignal"/> with a lane waiting on it (idle) or none (busy), and a commit is a
/// <see cref="OutboxWakeups.Pulse"/>, a notification a <see cref="FakeSource"/> call, a full claim a
/// <see cref="OutboxWakeups.WakeOneMore"/>. The context type and the
/// database name are this class's own, so no other test's commits reach them.
/// </summary>
public sealed class WakeDistributionTests : IDisposable
{
    private const string Database = "Host=db-a;Database=shop";
    private readonly List<IDisposable> _registrations = [];
    private CancellationTokenSource _lanes = new();

    public void Dispose()
    {
        _lanes.Cancel();
        _registrations.ForEach(r => r.Dispose());
        _lanes.Dispose();
    }

    [Fact]
    public async Task A_commit_of_one_email_wakes_one_of_four_idle_dispatchers()
    {
        var dispatchers = Register(4);
        var lanes = dispatchers.ConvertAll(Wait);

        OutboxWakeups.Pulse(typeof(DistributionContext), Database, 1);

        Assert.Equal(1, await WokenAsync(lanes));
    }

    [Fact]
    public async Task A_commit_wakes_one_idle_dispatcher_per_batch_it_fills()
    {
        var dispatchers = Register(5, batchSize: 50);
        var lanes = dispatchers.ConvertAll(Wait);

        // 120 messages fill three batches of 50.
        OutboxWakeups.Pulse(typeof(DistributionContext), Database, 120);

        Assert.Equal(3, await WokenAsync(lanes));
    }

    [Fact]
    public async Task Commits_take_turns_among_idle_dispatchers()
    {
        var dispatchers = Register(3);
        var woken = new List<int>();
        for (var commit = 0; commit < 6; commit++)
        {
            var lanes = dispatchers.ConvertAll(Wait);
            OutboxWakeups.Pulse(typeof(DistributionContext), Database, 1);
            await SettleAsync(lanes);
            var results = await ResultsAsync(lanes);
            Assert.Single(results, r => r);
            woken.Add(results.IndexOf(true));
            Rearm();
        }

        // Each dispatcher in turn, twice.
        Assert.Equal(3, woken.Take(3).Distinct().Count());
        Assert.Equal(woken.Take(3), woken.Skip(3));
    }

    [Fact]
    public async Task A_commit_prefers_a_dispatcher_whose_every_lane_waits()
    {
        var dispatchers = Register(2);
        var (partly, whole) = (dispatchers[0], dispatchers[1]);

        // The whole-idle dispatcher was woken last; the other has one lane busy and one waiting.
        var first = Wait(whole);
        OutboxWakeups.Pulse(typeof(DistributionContext), Database, 1);
        Assert.Equal(1, await WokenAsync([first]));
        Assert.False(await partly.WaitAsync(TimeSpan.Zero, CancellationToken.None));
        Rearm();
        var lanes = new List<Task<bool>> { Wait(partly), Wait(whole), Wait(whole) };

        OutboxWakeups.Pulse(typeof(DistributionContext), Database, 1);

        await SettleAsync(lanes);
        var results = await ResultsAsync(lanes);
        Assert.False(results[0]);
        Assert.Single(results.Skip(1), r => r);
    }

    [Fact]
    public async Task A_burst_of_commits_while_every_dispatcher_is_busy_is_owed_once_to_the_first_lane_that_waits()
    {
        // No lane waits: every dispatcher is in the middle of a batch. Twenty commits arrive meanwhile.
        var dispatchers = Register(3);
        for (var commit = 0; commit < 20; commit++)
        {
            OutboxWakeups.Pulse(typeof(DistributionContext), Database, 1);
        }

        // No busy dispatcher was interrupted: none has a wake-up of its own.
        Assert.All(dispatchers, d => Assert.Equal(0, d.IdleLanes));

        // The first lane to wait, whichever dispatcher's, claims at once, so no commit waits for a poll; the burst is
        // one claim, not one per commit nor one per dispatcher.
        Assert.True(await dispatchers[1].WaitAsync(TimeSpan.Zero, CancellationToken.None));
        foreach (var dispatcher in dispatchers)
        {
            Assert.False(await dispatcher.WaitAsync(TimeSpan.Zero, CancellationToken.None));
        }
    }

    [Fact]
    public async Task An_owed_wake_up_ends_the_wait_of_a_lane_that_comes_to_wait_later_and_only_on_its_database()
    {
        var other = Register(1, database: "Host=db-b;Database=shop")[0];
        var own = Register(2);
        OutboxWakeups.Pulse(typeof(DistributionContext), Database, 1);

        var otherLane = Wait(other);
        var ownLane = own[0].WaitAsync(Timeout.InfiniteTimeSpan, _lanes.Token);

        Assert.True(await ownLane.WaitAsync(TimeSpan.FromSeconds(10)));
        await _lanes.CancelAsync();
        Assert.Equal([false], await ResultsAsync([otherLane]));
    }

    [Fact]
    public async Task A_claim_that_starts_covers_the_owed_wake_up()
    {
        var dispatchers = Register(2);
        OutboxWakeups.Pulse(typeof(DistributionContext), Database, 1);

        // A lane that goes on claiming (its batch was full) reads the commit's rows: no lane need wake for them.
        dispatchers[0].Claiming();

        Assert.False(await dispatchers[0].WaitAsync(TimeSpan.Zero, CancellationToken.None));
        Assert.False(await dispatchers[1].WaitAsync(TimeSpan.Zero, CancellationToken.None));
    }

    [Fact]
    public async Task A_wake_up_of_its_own_comes_before_the_owed_one()
    {
        var dispatchers = Register(2);
        OutboxWakeups.Pulse(typeof(DistributionContext), Database, 1);
        dispatchers[0].Set();

        // Its own wake-up ends the first wait; the owed one is left for the next lane to wait, of either dispatcher.
        Assert.True(await dispatchers[0].WaitAsync(TimeSpan.Zero, CancellationToken.None));
        Assert.True(await dispatchers[1].WaitAsync(TimeSpan.Zero, CancellationToken.None));
        Assert.False(await dispatchers[0].WaitAsync(TimeSpan.Zero, CancellationToken.None));
    }

    [Fact]
    public async Task What_idle_dispatchers_cannot_take_is_owed_to_the_database()
    {
        var idle = Register(1, batchSize: 50)[0];
        var busy = Register(1, batchSize: 50)[0];
        var lane = Wait(idle);

        OutboxWakeups.Pulse(typeof(DistributionContext), Database, 80);

        Assert.Equal(1, await WokenAsync([lane]));
        Assert.True(await busy.WaitAsync(TimeSpan.Zero, CancellationToken.None));
        Assert.False(await idle.WaitAsync(TimeSpan.Zero, CancellationToken.None));
    }

    [Fact]
    public async Task A_commit_wakes_only_dispatchers_of_its_own_database()
    {
        var other = Register(2, database: "Host=db-b;Database=shop");
        var own = Register(1);
        var otherLanes = other.ConvertAll(Wait);
        var ownLanes = own.ConvertAll(Wait);

        OutboxWakeups.Pulse(typeof(DistributionContext), Database, 200);

        await SettleAsync(ownLanes);
        Assert.Equal([true], await ResultsAsync(ownLanes));
        Assert.Equal([false, false], await ResultsAsync(otherLanes));
    }

    [Fact]
    public async Task A_commit_to_a_database_no_dispatcher_names_is_shared_out_among_those_of_its_context_type()
    {
        var dispatchers = Register(3, database: "Data Source=/srv/shop.db");
        var lanes = dispatchers.ConvertAll(Wait);

        OutboxWakeups.Pulse(typeof(DistributionContext), "Data Source=shop.db", 1);

        Assert.Equal(1, await WokenAsync(lanes));
    }

    [Fact]
    public async Task A_full_claim_wakes_an_idle_lane_of_another_dispatcher_or_else_is_owed_to_the_database()
    {
        var dispatchers = Register(3);
        var (claimer, idle, busy) = (dispatchers[0], dispatchers[1], dispatchers[2]);
        var lane = Wait(idle);

        OutboxWakeups.WakeOneMore(Database, owe: true);

        Assert.Equal(1, await WokenAsync([lane]));
        Assert.False(await claimer.WaitAsync(TimeSpan.Zero, CancellationToken.None));
        Assert.False(await busy.WaitAsync(TimeSpan.Zero, CancellationToken.None));

        // Nobody idle: the first lane to be free takes it, here another dispatcher's; nobody else is woken.
        OutboxWakeups.WakeOneMore(Database, owe: true);

        Assert.True(await busy.WaitAsync(TimeSpan.Zero, CancellationToken.None));
        Assert.False(await claimer.WaitAsync(TimeSpan.Zero, CancellationToken.None));
        Assert.False(await idle.WaitAsync(TimeSpan.Zero, CancellationToken.None));

        // A claimer with one lane claims again by itself: nothing is owed.
        OutboxWakeups.WakeOneMore(Database, owe: false);

        Assert.All(await Task.WhenAll(dispatchers.Select(d => d.WaitAsync(TimeSpan.Zero, CancellationToken.None))), Assert.False);
    }

    [Fact]
    public async Task Dispatchers_on_one_database_share_one_listener_and_a_notification_wakes_one_of_them()
    {
        var dispatchers = Register(3);
        var sources = new[] { new FakeSource(), new FakeSource(), new FakeSource() };
        var logged = new RecordingLoggerProvider();
        var shares = sources.Select(s => OutboxWakeups.ListenForNotifications(Database, s, logged.CreateLogger("listener"))).ToList();
        await sources[0].Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var lanes = dispatchers.ConvertAll(Wait);

        sources[0].Notify("another process");

        Assert.Equal(1, await WokenAsync(lanes));
        Assert.False(sources[1].Started.Task.IsCompleted);
        Assert.False(sources[2].Started.Task.IsCompleted);

        // The listener stops with the last dispatcher that shares it.
        await shares[0].ReleaseAsync();
        await shares[1].ReleaseAsync();
        Assert.False(sources[0].Stopped.Task.IsCompleted);
        await shares[2].ReleaseAsync();
        Assert.True(sources[0].Stopped.Task.IsCompleted);
        Assert.DoesNotContain(logged.Lines, l => l.StartsWith("Error", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_listener_ignores_this_processs_own_notifications_and_wakes_for_other_processes()
    {
        var dispatchers = Register(2);
        var source = new FakeSource();
        var share = OutboxWakeups.ListenForNotifications(Database, source, NullLogger.Instance);
        await source.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        try
        {
            // This process's commit woke its dispatchers already; its notification must not wake or owe another.
            source.Notify(OutboxWakeups.Sender);
            Assert.All(await Task.WhenAll(dispatchers.Select(d => d.WaitAsync(TimeSpan.Zero, CancellationToken.None))), Assert.False);

            // Another process's, or a reconnection that may have missed some: one dispatcher claims.
            foreach (var sender in new[] { "another process", null })
            {
                var lanes = dispatchers.ConvertAll(Wait);
                source.Notify(sender);
                Assert.Equal(1, await WokenAsync(lanes));
                Rearm();
            }
        }
        finally
        {
            await share.ReleaseAsync();
        }
    }

    [Fact]
    public async Task A_commit_while_this_process_listens_wakes_a_dispatcher_of_any_context_type_on_the_database()
    {
        // The dispatcher reads the outbox through another context type than the commit's; its notification, which used
        // to wake it, is ignored as this process's own, so the commit wakes it in-process.
        var other = new WakeSignal();
        _registrations.Add(OutboxWakeups.Register(typeof(OtherContext), Database, other, 50));
        var lane = Wait(other);
        var source = new FakeSource();
        var share = OutboxWakeups.ListenForNotifications(Database, source, NullLogger.Instance);
        try
        {
            OutboxWakeups.Pulse(typeof(DistributionContext), Database, 1);
            Assert.Equal(1, await WokenAsync([lane]));
        }
        finally
        {
            await share.ReleaseAsync();
        }

        // Without a listener, context types keep their commits apart.
        Rearm();
        lane = Wait(other);
        OutboxWakeups.Pulse(typeof(DistributionContext), Database, 1);
        Assert.False(await other.WaitAsync(TimeSpan.Zero, CancellationToken.None));
        await _lanes.CancelAsync();
        Assert.Equal([false], await ResultsAsync([lane]));
    }

    private List<WakeSignal> Register(int count, int batchSize = 50, string database = Database)
    {
        var signals = new List<WakeSignal>();
        for (var i = 0; i < count; i++)
        {
            var signal = new WakeSignal();
            _registrations.Add(OutboxWakeups.Register(typeof(DistributionContext), database, signal, batchSize));
            signals.Add(signal);
        }

        return signals;
    }

    /// <summary>A lane waiting on <paramref name="signal"/> until woken or the test looks; its dispatcher is idle meanwhile.</summary>
    private Task<bool> Wait(WakeSignal signal)
    {
        var lane = signal.WaitAsync(Timeout.InfiniteTimeSpan, _lanes.Token);
        Assert.True(signal.IdleLanes > 0);
        return lane;
    }

    private void Rearm()
    {
        _lanes.Dispose();
        _lanes = new CancellationTokenSource();
    }

    /// <summary>Waits until one of <paramref name="lanes"/> is woken, then stops every waiting lane.</summary>
    private async Task SettleAsync(List<Task<bool>> lanes)
    {
        await Task.WhenAny(lanes).WaitAsync(TimeSpan.FromSeconds(10));
        await _lanes.CancelAsync();
    }

    /// <summary>For each lane: woken, or stopped without a wake-up.</summary>
    private static async Task<List<bool>> ResultsAsync(List<Task<bool>> lanes)
    {
        var results = new List<bool>();
        foreach (var lane in lanes)
        {
            try
            {
                results.Add(await lane);
            }
            catch (OperationCanceledException)
            {
                results.Add(false);
            }
        }

        return results;
    }

    /// <summary>How many of <paramref name="lanes"/> were woken.</summary>
    private async Task<int> WokenAsync(List<Task<bool>> lanes)
    {
        await SettleAsync(lanes);
        return (await ResultsAsync(lanes)).Count(r => r);
    }

    /// <summary>A notification source whose notifications the test sends.</summary>
    private sealed class FakeSource : IOutboxNotificationSource
    {
        private Action<string?>? _notified;

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Stopped { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task ListenAsync(Action<string?> notified, CancellationToken cancellationToken)
        {
            _notified = notified;
            Started.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            finally
            {
                Stopped.TrySetResult();
            }
        }

        public void Notify(string? sender) => _notified!(sender);
    }

    /// <summary>A context type no other test commits through.</summary>
    private sealed class DistributionContext(DbContextOptions options) : DbContext(options);

    /// <summary>Another context type on the same database.</summary>
    private sealed class OtherContext(DbContextOptions options) : DbContext(options);
}
