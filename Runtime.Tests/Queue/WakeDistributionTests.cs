using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using TypedMail.Dispatch;
using TypedMail.Outbox;

namespace TypedMail.Runtime.Tests.Queue;

/// <summary>
/// How a commit's wake-up is shared out among the dispatchers of its database, without a database: each dispatcher is a
/// <see cref="WakeSignal"/> with a lane waiting on it (idle) or none (busy), and a commit is a
/// <see cref="OutboxWakeups.Pulse"/>, a notification a <see cref="FakeSource"/> call. The context type and the
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
    public async Task A_commit_while_every_dispatcher_is_busy_wakes_each_once_whatever_the_burst()
    {
        // No lane waits: every dispatcher is in the middle of a batch. Twenty commits arrive meanwhile.
        var dispatchers = Register(3);
        for (var commit = 0; commit < 20; commit++)
        {
            OutboxWakeups.Pulse(typeof(DistributionContext), Database, 1);
        }

        // Each dispatcher's next wait returns at once, so no commit waits for a poll; and the burst collapses into one
        // claim per dispatcher, not one per commit.
        foreach (var dispatcher in dispatchers)
        {
            Assert.True(await dispatcher.WaitAsync(TimeSpan.Zero, CancellationToken.None));
            Assert.False(await dispatcher.WaitAsync(TimeSpan.Zero, CancellationToken.None));
        }
    }

    [Fact]
    public async Task A_busy_dispatcher_is_woken_for_what_idle_ones_cannot_take()
    {
        var idle = Register(1, batchSize: 50)[0];
        var busy = Register(1, batchSize: 50)[0];
        var lane = Wait(idle);

        OutboxWakeups.Pulse(typeof(DistributionContext), Database, 80);

        Assert.Equal(1, await WokenAsync([lane]));
        Assert.True(await busy.WaitAsync(TimeSpan.Zero, CancellationToken.None));
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
    public async Task A_full_claim_wakes_an_idle_lane_of_another_dispatcher_or_else_only_its_own()
    {
        var dispatchers = Register(3);
        var (claimer, idle, busy) = (dispatchers[0], dispatchers[1], dispatchers[2]);
        var lane = Wait(idle);

        OutboxWakeups.WakeOneMore(Database, claimer);

        Assert.Equal(1, await WokenAsync([lane]));
        Assert.False(await claimer.WaitAsync(TimeSpan.Zero, CancellationToken.None));
        Assert.False(await busy.WaitAsync(TimeSpan.Zero, CancellationToken.None));

        // Nobody idle: the claimer's next free lane takes it; the other busy dispatcher is left alone.
        OutboxWakeups.WakeOneMore(Database, claimer);

        Assert.True(await claimer.WaitAsync(TimeSpan.Zero, CancellationToken.None));
        Assert.False(await busy.WaitAsync(TimeSpan.Zero, CancellationToken.None));
        Assert.False(await idle.WaitAsync(TimeSpan.Zero, CancellationToken.None));
    }

    [Fact]
    public async Task Dispatchers_on_one_database_share_one_listener_and_a_notification_wakes_one_of_them()
    {
        var dispatchers = Register(3);
        var sources = new[] { new FakeSource(), new FakeSource(), new FakeSource() };
        var shares = sources.Select(s => OutboxWakeups.ListenForNotifications(Database, s, ex => Assert.Fail(ex.ToString()))).ToList();
        await sources[0].Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var lanes = dispatchers.ConvertAll(Wait);

        sources[0].Notify();

        Assert.Equal(1, await WokenAsync(lanes));
        Assert.False(sources[1].Started.Task.IsCompleted);
        Assert.False(sources[2].Started.Task.IsCompleted);

        // The listener stops with the last dispatcher that shares it.
        await shares[0].ReleaseAsync();
        await shares[1].ReleaseAsync();
        Assert.False(sources[0].Stopped.Task.IsCompleted);
        await shares[2].ReleaseAsync();
        Assert.True(sources[0].Stopped.Task.IsCompleted);
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

    /// <summary>A wake source whose notifications the test sends.</summary>
    private sealed class FakeSource : IOutboxWakeSource
    {
        private Action? _wake;

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Stopped { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task ListenAsync(Action wake, CancellationToken cancellationToken)
        {
            _wake = wake;
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

        public void Notify() => _wake!();
    }

    /// <summary>A context type no other test commits through.</summary>
    private sealed class DistributionContext(DbContextOptions options) : DbContext(options);
}
