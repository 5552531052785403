using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using TypedMail.Dispatch;
using TypedMail.Outbox;
using TypedMail.Runtime.Tests.Emails;
using TypedMail.Runtime.Tests.Infrastructure;

namespace TypedMail.Runtime.Tests.Queue;

public sealed class QueueInFlightTestsSqlite() : QueueInFlightTests(new SqliteShop());

[Collection(PostgresCollection.Name)]
public sealed class QueueInFlightTestsPostgres(PostgresCluster cluster) : QueueInFlightTests(new PostgresShop(cluster));

/// <summary>Several batches in flight per dispatcher (<see cref="DispatcherOptions.BatchesInFlight"/>): claims overlap the send, no shared message, shutdown.</summary>
public abstract class QueueInFlightTests(ShopDatabase shop) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    protected ShopDatabase Shop { get; } = shop;

    public void Dispose() => Shop.Dispose();

    [Fact]
    public async Task The_next_batch_is_claimed_while_one_is_sent_and_no_message_is_in_two_batches()
    {
        var ids = await EnqueueAsync(6);
        var inTransport = 0;
        var mostInTransport = 0;
        var claimedDuringSend = 0;
        var transport = new ScriptedTransport
        {
            BeforeSend = async _ =>
            {
                var now = Interlocked.Increment(ref inTransport);
                InterlockedMax(ref mostInTransport, now);

                // Held until another batch has been claimed, so the test fails if claims wait for the send.
                var deadline = DateTime.UtcNow + Patience;
                while (await CountAsync(OutboxMessageState.Sending) < 4 && await CountAsync(OutboxMessageState.Queued) > 0 && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(20);
                }

                if (await CountAsync(OutboxMessageState.Sending) >= 4)
                {
                    Interlocked.Increment(ref claimedDuringSend);
                }

                Interlocked.Decrement(ref inTransport);
            },
        };
        using var stop = new CancellationTokenSource();
        var run = Dispatcher(transport, batchesInFlight: 3).RunAsync(stop.Token);

        await Eventually.True(async () => await CountAsync(OutboxMessageState.Sent) == ids.Count, "every message sent", Patience);
        await stop.CancelAsync();
        await run.WaitAsync(Patience);

        Assert.True(claimedDuringSend > 0, "no batch was claimed while another was being sent");
        Assert.Equal(1, mostInTransport);
        Assert.Equal(ids.Order(), transport.Sent.Select(e => e.OutboxId).Order());
        await AssertSentOnceAsync(ids);
    }

    [Fact]
    public async Task Stopping_finishes_the_send_in_flight_records_it_and_releases_the_batches_waiting_to_send()
    {
        var ids = await EnqueueAsync(4);
        var sending = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var proceed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var transport = new ScriptedTransport
        {
            BeforeSend = async _ =>
            {
                sending.TrySetResult();
                await proceed.Task;
            },
        };
        using var stop = new CancellationTokenSource();
        var run = Dispatcher(transport, batchesInFlight: 2).RunAsync(stop.Token);
        await sending.Task.WaitAsync(Patience);
        await Eventually.True(async () => await CountAsync(OutboxMessageState.Sending) == 4, "the second batch claimed", Patience);

        await stop.CancelAsync();
        await Task.Delay(100);
        Assert.False(run.IsCompleted, "RunAsync returned while a batch was still with the transport");

        proceed.SetResult();
        await run.WaitAsync(Patience);
        var sent = transport.Sent.Select(e => e.OutboxId).ToList();
        Assert.Equal(2, sent.Count);
        await AssertSentOnceAsync(sent);
        await using var db = Shop.CreateDbContext();
        var released = await db.Set<OutboxMessage>().Where(m => ids.Contains(m.Id) && !sent.Contains(m.Id)).ToListAsync();
        Assert.Equal(2, released.Count);
        Assert.All(released, m => Assert.Equal((OutboxMessageState.Queued, (string?)null, 0), (m.State, m.LeaseOwner, m.AttemptCount)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(17)]
    public void Batches_in_flight_out_of_range_is_refused_naming_the_setting_and_value(int value)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Dispatcher(new ScriptedTransport(), value));
        Assert.StartsWith($"DispatcherOptions.BatchesInFlight must be 1 to 16; it is {value}.", error.Message, StringComparison.Ordinal);
    }

    private OutboxDispatcher<ShopContext> Dispatcher(ScriptedTransport transport, int batchesInFlight)
        => new(Shop, transport, new DispatcherOptions { BatchSize = 2, BatchesInFlight = batchesInFlight, PollInterval = TimeSpan.FromMilliseconds(100) });

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    private async Task<int> CountAsync(OutboxMessageState state)
    {
        await using var db = Shop.CreateDbContext();
        return await db.Set<OutboxMessage>().CountAsync(m => m.State == state);
    }

    private async Task<List<Guid>> EnqueueAsync(int count)
    {
        await using var db = Shop.CreateDbContext();
        var ids = Enumerable.Range(0, count).Select(i => db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "IF-" + i, 1m), to: $"ada{i}@example.com").Id).ToList();
        await db.SaveChangesAsync();
        return ids;
    }

    /// <summary>Every message sent, its lease cleared, one attempt logged: no batch was left unrecorded.</summary>
    private async Task AssertSentOnceAsync(List<Guid> ids)
    {
        await using var db = Shop.CreateDbContext();
        var rows = await db.Set<OutboxMessage>().Include(m => m.Attempts).Where(m => ids.Contains(m.Id)).ToListAsync();
        Assert.Equal(ids.Count, rows.Count);
        Assert.All(rows, m => Assert.Equal((OutboxMessageState.Sent, (string?)null, 1, 1), (m.State, m.LeaseOwner, m.AttemptCount, m.Attempts.Count)));
    }
}
