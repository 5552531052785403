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

/// <summary>Several batches in flight per dispatcher (<see cref="DispatcherOptions.BatchesInFlight"/>): overlap, no shared message, shutdown.</summary>
public abstract class QueueInFlightTests(ShopDatabase shop) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    protected ShopDatabase Shop { get; } = shop;

    public void Dispose() => Shop.Dispose();

    [Fact]
    public async Task Batches_in_flight_are_sent_side_by_side_and_never_share_a_message()
    {
        var ids = await EnqueueAsync(6);
        var inTransport = 0;
        var overlapped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var transport = new ScriptedTransport
        {
            BeforeSend = async _ =>
            {
                // Each send waits until another batch is in the transport too, so the test fails if batches do not overlap.
                if (Interlocked.Increment(ref inTransport) >= 2)
                {
                    overlapped.TrySetResult();
                }

                await overlapped.Task.WaitAsync(Patience);
                Interlocked.Decrement(ref inTransport);
            },
        };
        using var stop = new CancellationTokenSource();
        var run = Dispatcher(transport, batchesInFlight: 3).RunAsync(stop.Token);

        await Eventually.True(() => Task.FromResult(transport.Sent.Count >= ids.Count), "every message handed to the transport", Patience);
        await stop.CancelAsync();
        await run.WaitAsync(Patience);

        Assert.True(overlapped.Task.IsCompletedSuccessfully);
        Assert.Equal(ids.Order(), transport.Sent.Select(e => e.OutboxId).Order());
        await AssertSentOnceAsync(ids);
    }

    [Fact]
    public async Task Stopping_waits_for_every_batch_in_flight_and_records_its_outcomes()
    {
        var ids = await EnqueueAsync(4);
        var entered = 0;
        var bothIn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var proceed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var transport = new ScriptedTransport
        {
            BeforeSend = async _ =>
            {
                if (Interlocked.Increment(ref entered) == 2)
                {
                    bothIn.TrySetResult();
                }

                await proceed.Task;
            },
        };
        using var stop = new CancellationTokenSource();
        var run = Dispatcher(transport, batchesInFlight: 2).RunAsync(stop.Token);
        await bothIn.Task.WaitAsync(Patience);

        await stop.CancelAsync();
        await Task.Delay(100);
        Assert.False(run.IsCompleted, "RunAsync returned while two batches were still with the transport");

        proceed.SetResult();
        await run.WaitAsync(Patience);
        await AssertSentOnceAsync(ids);
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
