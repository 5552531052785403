using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using TypedMail.Dispatch;
using TypedMail.Outbox;
using TypedMail.PostgreSql;
using TypedMail.Runtime.Tests.Emails;
using TypedMail.Runtime.Tests.Infrastructure;

namespace TypedMail.Runtime.Tests.Queue;

/// <summary>A context type of its own, so commits made by other tests running in parallel never wake these tests' dispatchers.</summary>
public sealed class WakeProbeContext(DbContextOptions<WakeProbeContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.AddTypedMailOutbox();
}

/// <summary>Another context type: a dispatcher for it is woken only by PostgreSQL notifications, like one on another machine.</summary>
public sealed class RemoteProbeContext(DbContextOptions<RemoteProbeContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.AddTypedMailOutbox();
}

/// <summary>A third context type, through which the PostgreSQL tests commit as another process would.</summary>
public sealed class ElsewhereProbeContext(DbContextOptions<ElsewhereProbeContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.AddTypedMailOutbox();
}

public sealed class QueueWakeupTestsSqlite() : QueueWakeupTests(new SqliteShop())
{
    [Fact]
    public async Task ListenForNotifications_on_SQLite_fails_at_start_naming_the_setting()
    {
        var dispatcher = new OutboxDispatcher<ShopContext>(Shop, new ScriptedTransport(), new DispatcherOptions { ListenForNotifications = true });
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => dispatcher.RunAsync(CancellationToken.None));
        Assert.Contains("TypedMail:Dispatcher:ListenForNotifications", error.Message);
        Assert.Contains("Microsoft.EntityFrameworkCore.Sqlite", error.Message);
    }
}

[Collection(PostgresCollection.Name)]
public sealed class QueueWakeupTestsPostgres(PostgresCluster cluster) : QueueWakeupTests(new PostgresShop(cluster))
{
    [Fact]
    public async Task Commit_notifies_other_machines_and_rollback_does_not()
    {
        await using var listener = new NpgsqlConnection(Shop.ConnectionString);
        await listener.OpenAsync();
        var notifications = 0;
        listener.Notification += (_, e) => Interlocked.Increment(ref notifications);
        await using (var listen = new NpgsqlCommand("LISTEN " + PostgreSqlNotificationWakeSource.Channel, listener))
        {
            await listen.ExecuteNonQueryAsync();
        }

        await using (var db = CreateProbe())
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "N-1", 1m), to: "ada@example.com");
            await db.SaveChangesAsync();
            Assert.False(await listener.WaitAsync(300));
            await tx.RollbackAsync();
        }

        Assert.False(await listener.WaitAsync(300));
        await using (var db = CreateProbe())
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "N-2", 1m), to: "ada@example.com");
            await db.SaveChangesAsync();
            await tx.CommitAsync();
        }

        Assert.True(await listener.WaitAsync(10_000));
        Assert.Equal(1, notifications);
    }

    [Fact]
    public async Task A_transaction_of_many_rows_and_saves_notifies_once()
    {
        await using var listener = new NpgsqlConnection(Shop.ConnectionString);
        await listener.OpenAsync();
        var notifications = 0;
        listener.Notification += (_, e) => Interlocked.Increment(ref notifications);
        await using (var listen = new NpgsqlCommand("LISTEN " + PostgreSqlNotificationWakeSource.Channel, listener))
        {
            await listen.ExecuteNonQueryAsync();
        }

        // Three saves of 40 emails in one transaction: 120 rows, one committing transaction, one notification.
        await using (var db = CreateProbe())
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            for (var save = 0; save < 3; save++)
            {
                for (var i = 0; i < 40; i++)
                {
                    db.Emails().Enqueue(new OrderConfirmationEmail("Ada", $"B-{save}-{i}", 1m), to: $"c{save}-{i}@example.com");
                }

                await db.SaveChangesAsync();
            }

            await tx.CommitAsync();
        }

        Assert.True(await listener.WaitAsync(10_000));
        while (await listener.WaitAsync(500))
        {
        }

        Assert.Equal(1, notifications);
    }

    [Fact]
    public async Task Listen_wakes_a_dispatcher_that_no_local_commit_wakes()
    {
        var transport = new ScriptedTransport();
        var sent = new TaskCompletionSource();
        transport.BeforeSend = _ => { sent.TrySetResult(); return Task.CompletedTask; };
        var source = new PostgreSqlNotificationWakeSource(Shop.ConnectionString);
        var listening = new TaskCompletionSource();
        source.Listening += (_, _) => listening.TrySetResult();
        var options = new DispatcherOptions { PollInterval = TimeSpan.FromMinutes(10) };
        options.WakeSources.Add(source);
        var remote = new OutboxDispatcher<RemoteProbeContext>(new Factory<RemoteProbeContext>(Shop, o => new RemoteProbeContext(o)), transport, options);
        using var stop = new CancellationTokenSource();
        var run = remote.RunAsync(stop.Token);
        await listening.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await Task.Delay(200);

        await using (var db = CreateProbe())
        {
            db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "N-3", 1m), to: "ada@example.com");
            await db.SaveChangesAsync();
        }

        await sent.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Single(transport.Sent);
    }

    [Fact]
    public async Task Dispatchers_listening_in_one_process_share_one_connection()
    {
        var transport = new ScriptedTransport();
        var sent = new TaskCompletionSource();
        transport.BeforeSend = _ => { sent.TrySetResult(); return Task.CompletedTask; };
        using var stop = new CancellationTokenSource();
        var runs = Enumerable.Range(0, 3).Select(_ => new OutboxDispatcher<RemoteProbeContext>(
                new Factory<RemoteProbeContext>(Shop, o => new RemoteProbeContext(o)), transport,
                new DispatcherOptions { PollInterval = TimeSpan.FromMinutes(10), ListenForNotifications = true })
            .RunAsync(stop.Token)).ToList();

        // Only another process's NOTIFY can wake them; commit until one is heard.
        for (var i = 0; !sent.Task.IsCompleted; i++)
        {
            Assert.True(i < 60, "no wake-up within 30 s");
            await CommitFromAnotherProcessAsync("S-" + i);
            await Task.WhenAny(sent.Task, Task.Delay(500));
        }

        await using (var connection = new NpgsqlConnection(Shop.ConnectionString))
        {
            await connection.OpenAsync();
            await using var count = new NpgsqlCommand(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN " + PostgreSqlNotificationWakeSource.Channel + "'", connection);
            Assert.Equal(1L, await count.ExecuteScalarAsync());
        }

        await stop.CancelAsync();
        await Task.WhenAll(runs).WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_listener_ignores_the_notifications_of_its_own_process_and_hears_another_processs()
    {
        // Two listeners standing for two processes: this one, and another whose sender is its own. Each has a dispatcher
        // of its own (a database spelling of its own, so that no commit here wakes it in-process).
        var (here, there) = (new WakeSignal(), new WakeSignal());
        var (hereDatabase, thereDatabase) = (Shop.ConnectionString + ";Application Name=here", Shop.ConnectionString + ";Application Name=there");
        using var hereRegistration = OutboxWakeups.Register(typeof(RemoteProbeContext), hereDatabase, here, batchSize: 50);
        using var thereRegistration = OutboxWakeups.Register(typeof(RemoteProbeContext), thereDatabase, there, batchSize: 50);
        var (hereSource, thereSource) = (new PostgreSqlNotificationWakeSource(Shop.ConnectionString), new PostgreSqlNotificationWakeSource(Shop.ConnectionString));
        var listening = new[] { new TaskCompletionSource(), new TaskCompletionSource() };
        hereSource.Listening += (_, _) => listening[0].TrySetResult();
        thereSource.Listening += (_, _) => listening[1].TrySetResult();
        var hereListener = new OutboxWakeups.SharedListener(hereDatabase, hereSource, OutboxWakeups.Sender, NullLogger.Instance);
        var thereListener = new OutboxWakeups.SharedListener(thereDatabase, thereSource, "another process", NullLogger.Instance);
        try
        {
            await Task.WhenAll(listening.Select(l => l.Task)).WaitAsync(TimeSpan.FromSeconds(30));

            // A commit of this process: the other process's listener wakes its dispatcher, this one's does not.
            await using (var db = CreateProbe())
            {
                db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "P-1", 1m), to: "ada@example.com");
                await db.SaveChangesAsync();
            }

            Assert.True(await there.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None));
            Assert.False(await here.WaitAsync(TimeSpan.FromMilliseconds(500), CancellationToken.None));

            // A commit of the other process: the other way round.
            await NotifyAsAsync("another process");
            Assert.True(await here.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None));
            Assert.False(await there.WaitAsync(TimeSpan.FromMilliseconds(500), CancellationToken.None));
        }
        finally
        {
            await hereListener.ReleaseAsync();
            await thereListener.ReleaseAsync();
        }
    }

    [Fact]
    public async Task The_shared_listener_logs_under_its_own_category()
    {
        var categories = new ConcurrentQueue<string>();
        var dispatcherLines = new RecordingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new CategoryRecorder(categories)));
        var options = new DispatcherOptions { PollInterval = TimeSpan.FromMinutes(10), ListenForNotifications = true };
        var dispatcher = new OutboxDispatcher<RemoteProbeContext>(
            new Factory<RemoteProbeContext>(Shop, o => new RemoteProbeContext(o)), new ScriptedTransport(), options,
            new Logger<OutboxDispatcher<RemoteProbeContext>>(new LoggerFactory([dispatcherLines])))
        {
            LoggerFactory = factory,
        };
        using var stop = new CancellationTokenSource();
        var run = dispatcher.RunAsync(stop.Token);
        for (var i = 0; !categories.Contains(OutboxWakeups.ListenerCategory); i++)
        {
            Assert.True(i < 100, "the listener logged nothing within 10 s");
            await Task.Delay(100);
        }

        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.DoesNotContain(dispatcherLines.Lines, l => l.Contains("Listening", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ListenForNotifications_set_as_an_option_wakes_the_dispatcher()
    {
        var transport = new ScriptedTransport();
        var sent = new TaskCompletionSource();
        transport.BeforeSend = _ => { sent.TrySetResult(); return Task.CompletedTask; };
        var options = new DispatcherOptions { PollInterval = TimeSpan.FromMinutes(10), ListenForNotifications = true };
        var remote = new OutboxDispatcher<RemoteProbeContext>(new Factory<RemoteProbeContext>(Shop, o => new RemoteProbeContext(o)), transport, options);
        using var stop = new CancellationTokenSource();
        var run = remote.RunAsync(stop.Token);

        // Only another process's NOTIFY can wake it (the poll is 10 minutes away); a commit before LISTEN is in place
        // goes unheard, so commit until one is heard.
        for (var i = 0; !sent.Task.IsCompleted; i++)
        {
            Assert.True(i < 60, "no wake-up within 30 s");
            Assert.False(run.IsCompleted, $"the dispatcher stopped: {run.Exception}");
            await CommitFromAnotherProcessAsync("N-" + i);
            await Task.WhenAny(sent.Task, Task.Delay(500));
        }

        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.NotEmpty(transport.Sent);
    }

    /// <summary>
    /// Commits mail as another process would: through a database spelling and a context type no dispatcher here has (so
    /// nothing is woken in-process, and this process's own notification is ignored), then notifies as that process.
    /// </summary>
    private async Task CommitFromAnotherProcessAsync(string number)
    {
        var options = new DbContextOptionsBuilder<ElsewhereProbeContext>()
            .UseNpgsql(Shop.ConnectionString + ";Application Name=elsewhere")
            .UseTypedMail(o => o.DefaultFrom = "Shop <shop@example.com>")
            .Options;
        await using (var db = new ElsewhereProbeContext(options))
        {
            db.Emails().Enqueue(new OrderConfirmationEmail("Ada", number, 1m), to: "ada@example.com");
            await db.SaveChangesAsync();
        }

        await NotifyAsAsync("another process");
    }

    /// <summary>Sends TypedMail's notification as the process <paramref name="sender"/>.</summary>
    private async Task NotifyAsAsync(string sender)
    {
        await using var connection = new NpgsqlConnection(Shop.ConnectionString);
        await connection.OpenAsync();
        await using var notify = new NpgsqlCommand($"NOTIFY {PostgreSqlNotificationWakeSource.Channel}, '{sender}'", connection);
        await notify.ExecuteNonQueryAsync();
    }

    /// <summary>Records the category of every logger made.</summary>
    private sealed class CategoryRecorder(ConcurrentQueue<string> categories) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName)
        {
            categories.Enqueue(categoryName);
            return NullLogger.Instance;
        }

        public void Dispose()
        {
        }
    }
}

/// <summary>The commit interceptor wakes local dispatchers right after the enqueueing transaction commits, never before, never on rollback.</summary>
public abstract class QueueWakeupTests(ShopDatabase shop) : IDisposable
{
    protected ShopDatabase Shop { get; } = shop;

    public void Dispose() => Shop.Dispose();

    protected WakeProbeContext CreateProbe() => new Factory<WakeProbeContext>(Shop, o => new WakeProbeContext(o)).CreateDbContext();

    /// <summary>Registers <paramref name="signal"/> as a dispatcher of probe contexts on this test's database.</summary>
    private protected IDisposable RegisterProbe(WakeSignal signal)
    {
        using var db = CreateProbe();
        return OutboxWakeups.Register(typeof(WakeProbeContext), OutboxWakeups.DatabaseOf(db), signal, batchSize: 50);
    }

    [Fact]
    public async Task Wakes_after_commit_only()
    {
        var signal = new WakeSignal();
        using var registration = RegisterProbe(signal);
        async Task<bool> Woken() => await signal.WaitAsync(TimeSpan.Zero, CancellationToken.None);

        await using (var db = CreateProbe())
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "W-1", 1m), to: "ada@example.com");
            await db.SaveChangesAsync();
            Assert.False(await Woken());
            await tx.RollbackAsync();
            Assert.False(await Woken());
        }

        await using (var db = CreateProbe())
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "W-2", 1m), to: "ada@example.com");
            await db.SaveChangesAsync();
            Assert.False(await Woken());
            await tx.CommitAsync();
            Assert.True(await Woken());
        }

        await using (var db = CreateProbe())
        {
            // SaveChanges without a transaction of the caller's commits by itself.
            db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "W-3", 1m), to: "ada@example.com", new EnqueueOptions { IdempotencyKey = "w-3" });
            await db.SaveChangesAsync();
            Assert.True(await Woken());
            db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "W-4", 1m), to: "ada@example.com");
            db.SaveChanges();
            Assert.True(await Woken());

            // No mail in this SaveChanges: no wake-up.
            await db.Set<OutboxMessage>().ExecuteUpdateAsync(s => s.SetProperty(m => m.Priority, 1));
            var row = await db.Set<OutboxMessage>().FirstAsync();
            row.Priority = 2;
            await db.SaveChangesAsync();
            Assert.False(await Woken());
        }
    }

    [Fact]
    public async Task Bulk_enqueue_wakes_after_commit_only()
    {
        var signal = new WakeSignal();
        using var registration = RegisterProbe(signal);
        async Task<bool> Woken() => await signal.WaitAsync(TimeSpan.Zero, CancellationToken.None);
        BulkEmail<OrderConfirmationEmail>[] Batch(string prefix) => [new(new("Ada", prefix + "1", 1m), "ada@example.com"), new(new("Bob", prefix + "2", 1m), "bob@example.com")];

        await using (var db = CreateProbe())
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            Assert.Equal(2, await db.Emails().EnqueueManyAsync(Batch("BW-")));
            Assert.False(await Woken());
            await tx.RollbackAsync();
            Assert.False(await Woken());
        }

        await using (var db = CreateProbe())
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            await db.Emails().EnqueueManyAsync(Batch("BX-"));
            Assert.False(await Woken());
            await tx.CommitAsync();
            Assert.True(await Woken());

            // Without a transaction of the caller's, the call commits by itself.
            await db.Emails().EnqueueManyAsync(Batch("BY-"));
            Assert.True(await Woken());
        }
    }

    [Fact]
    public async Task A_commit_while_the_dispatcher_is_busy_is_sent_as_soon_as_it_is_free_without_waiting_for_its_poll()
    {
        var transport = new ScriptedTransport();
        var first = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var second = new TaskCompletionSource();
        transport.BeforeSend = async batch =>
        {
            if (first.TrySetResult())
            {
                await release.Task;
            }
            else
            {
                second.TrySetResult();
            }
        };
        var dispatcher = new OutboxDispatcher<WakeProbeContext>(
            new Factory<WakeProbeContext>(Shop, o => new WakeProbeContext(o)), transport,
            new DispatcherOptions { PollInterval = TimeSpan.FromMinutes(10), BatchesInFlight = 1 });
        using var stop = new CancellationTokenSource();
        var run = dispatcher.RunAsync(stop.Token);
        await Task.Delay(500);

        await using (var db = CreateProbe())
        {
            db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "BZ-1", 1m), to: "ada@example.com");
            await db.SaveChangesAsync();
        }

        // Its only lane is sending: the next commit finds no lane idle, and is owed to the database.
        await first.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await using (var db = CreateProbe())
        {
            db.Emails().Enqueue(new OrderConfirmationEmail("Bob", "BZ-2", 1m), to: "bob@example.com");
            await db.SaveChangesAsync();
        }

        release.SetResult();
        await second.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(["ada@example.com", "bob@example.com"], transport.Sent.Select(e => e.Recipients[0].Address));
    }

    [Fact]
    public async Task Running_dispatcher_sends_committed_mail_without_waiting_for_its_poll()
    {
        var transport = new ScriptedTransport();
        var sent = new TaskCompletionSource();
        transport.BeforeSend = _ => { sent.TrySetResult(); return Task.CompletedTask; };
        var dispatcher = new OutboxDispatcher<WakeProbeContext>(
            new Factory<WakeProbeContext>(Shop, o => new WakeProbeContext(o)), transport, new DispatcherOptions { PollInterval = TimeSpan.FromMinutes(10) });
        using var stop = new CancellationTokenSource();
        var run = dispatcher.RunAsync(stop.Token);
        await Task.Delay(500);
        Assert.False(sent.Task.IsCompleted);

        await using (var db = CreateProbe())
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "RW-1", 1m), to: "ada@example.com");
            await db.SaveChangesAsync();
            await tx.CommitAsync();
        }

        await sent.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30));
        await using var check = CreateProbe();
        Assert.Equal(OutboxMessageState.Sent, (await check.Set<OutboxMessage>().SingleAsync()).State);
    }
}

/// <summary>Creates contexts of another type on a shop database.</summary>
public sealed class Factory<TContext>(ShopDatabase shop, Func<DbContextOptions<TContext>, TContext> create) : IDbContextFactory<TContext>
    where TContext : DbContext
{
    public TContext CreateDbContext()
    {
        var builder = new DbContextOptionsBuilder<TContext>();
        shop.UseProvider(builder);
        builder.UseTypedMail(o => o.DefaultFrom = "Shop <shop@example.com>");
        return create(builder.Options);
    }
}
