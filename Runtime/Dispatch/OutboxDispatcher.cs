using System;
using System.Data.Common;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TypedMail.Diagnostics;
using TypedMail.Outbox;
using TypedMail.Outbox.Providers;
using TypedMail.Transports;

namespace TypedMail.Dispatch;

/// <summary>
/// Claims due messages from the outbox, hands them to transports, and records every attempt and its outcome.
/// Each batch uses its own <see cref="DbContext"/>. Run it continuously with <see cref="RunAsync"/>, or one pass at a
/// time with <see cref="DispatchDueAsync"/> and <see cref="DispatchBatchAsync"/>.
/// </summary>
/// <remarks>
/// Delivery is exactly once when nothing crashes and at least once when something does: results are recorded only
/// while this dispatcher's claim (its lease token) is still the message's, so a dispatcher whose lease was taken over
/// never overwrites the new owner's outcome; a dispatcher killed between the server's acceptance and the database
/// write leaves the message to be claimed and sent again when its lease expires.
/// This class is the run loop; a batch goes through <c>DispatchBatch</c> (claim → build → send → complete), which
/// takes its decisions from <c>DeliveryPolicy</c>, its transports from <c>TransportRouter</c>, and its SQL from the
/// provider layer (<c>OutboxProvider</c>).
/// </remarks>
/// <typeparam name="TContext">The application's context, whose model includes the outbox.</typeparam>
public sealed partial class OutboxDispatcher<TContext>
    where TContext : DbContext
{
    private readonly IDbContextFactory<TContext> _contexts;
    private readonly DispatcherOptions _options;
    private readonly ILogger _logger;
    private readonly WakeSignal _signal = new();
    private readonly Lazy<DispatchBatch> _batch;

    /// <summary>Creates a dispatcher that sends through one transport.</summary>
    /// <param name="contexts">Creates a context per batch.</param>
    /// <param name="transport">Delivers the messages.</param>
    /// <param name="options">Batch size, lease, retry and polling settings; defaults when <see langword="null"/>.</param>
    /// <param name="logger">Logs outcomes; none when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock; the system clock when <see langword="null"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public OutboxDispatcher(
        IDbContextFactory<TContext> contexts,
        IEmailTransport transport,
        DispatcherOptions? options = null,
        ILogger<OutboxDispatcher<TContext>>? logger = null,
        TimeProvider? timeProvider = null)
        : this(contexts, new TransportRoutes().Add(transport ?? throw new ArgumentNullException(nameof(transport))), options, logger, timeProvider)
    {
    }

    /// <summary>Creates a dispatcher that sends through several transports, routed and failed over by <paramref name="routes"/>.</summary>
    /// <param name="contexts">Creates a context per batch.</param>
    /// <param name="routes">The transports and routing rules; at least one transport.</param>
    /// <param name="options">Batch size, lease, retry and polling settings; defaults when <see langword="null"/>.</param>
    /// <param name="logger">Logs outcomes; none when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock; the system clock when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="routes"/> has no transport.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public OutboxDispatcher(
        IDbContextFactory<TContext> contexts,
        TransportRoutes routes,
        DispatcherOptions? options = null,
        ILogger<OutboxDispatcher<TContext>>? logger = null,
        TimeProvider? timeProvider = null)
    {
        _contexts = contexts ?? throw new ArgumentNullException(nameof(contexts));
        ArgumentNullException.ThrowIfNull(routes);
        if (routes.Count == 0)
        {
            throw new ArgumentException("TransportRoutes has no transport: add one with TransportRoutes.Add.", nameof(routes));
        }

        _options = options ?? new DispatcherOptions();
        _options.Validate();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        var time = timeProvider ?? TimeProvider.System;
        var router = new TransportRouter(routes, _options.TransportDownCooldown, time);
        _batch = new Lazy<DispatchBatch>(() => new DispatchBatch(router, new DeliveryPolicy(_options), _options, _logger, time, Metrics));
    }

    /// <summary>Counts saved outcomes; set by the hosting registration.</summary>
    internal TypedMailMetrics? Metrics { get; init; }

    /// <summary>
    /// Makes the logger of the notification listener this dispatcher starts, under its own category; set by the hosting
    /// registration. Without it the listener logs through this dispatcher's logger.
    /// </summary>
    internal ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Makes a running <see cref="RunAsync"/> look for due mail now instead of at its next poll.</summary>
    public void Wake() => _signal.Set();

    /// <summary>
    /// Dispatches continuously until <paramref name="cancellationToken"/> is cancelled: a batch whenever mail may be due
    /// (right after a local commit that enqueued mail, when a wake source such as PostgreSQL <c>LISTEN</c> says so, or
    /// every <see cref="DispatcherOptions.PollInterval"/>), up to <see cref="DispatcherOptions.BatchesInFlight"/> batches
    /// at once while the backlog fills them. Database outages are logged as warnings and retried with
    /// backoff; other failures are logged as errors and retried the same way.
    /// </summary>
    /// <param name="cancellationToken">
    /// Stops the loop gracefully: the sends in progress (one per batch in flight) finish (within
    /// <see cref="DispatcherOptions.SendTimeout"/>) and their results are recorded; claimed messages not yet handed to a
    /// transport are released for others. The task completes once every batch in flight has been recorded.
    /// </param>
    /// <returns>A task that completes when the loop has stopped; it does not throw on cancellation.</returns>
    /// <exception cref="InvalidOperationException">
    /// <see cref="DispatcherOptions.ListenForNotifications"/> is set but the database cannot notify, or the
    /// <c>TypedMail.PostgreSql</c> package is missing.
    /// </exception>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        string database;
        IOutboxNotificationSource? notifications = null;
        await using (var db = await _contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
        {
            database = OutboxWakeups.DatabaseOf(db);
            if (_options.ListenForNotifications)
            {
                notifications = OutboxProvider.For(db).CreateWakeSource(db);
            }
        }

        using var registration = OutboxWakeups.Register(typeof(TContext), database, _signal, _options.BatchSize);
        var listener = notifications is null ? null
            : OutboxWakeups.ListenForNotifications(database, notifications, LoggerFactory?.CreateLogger(OutboxWakeups.ListenerCategory) ?? _logger);
        using var stopSources = new CancellationTokenSource();
        var sources = _options.WakeSources.Select(s => RunWakeSourceAsync(s, stopSources.Token)).ToList();
        try
        {
            var lanes = Enumerable.Range(0, _options.BatchesInFlight).Select(lane => RunLaneAsync(lane, database, cancellationToken));
            await Task.WhenAll(lanes).ConfigureAwait(false);
        }
        finally
        {
            await stopSources.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(sources).ConfigureAwait(false);
            if (listener is not null)
            {
                await listener.ReleaseAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// One of the <see cref="DispatcherOptions.BatchesInFlight"/> lanes of <see cref="RunAsync"/>: batch after batch
    /// while they come back full, then a wait for a wake-up. The lanes run side by side, so one lane's claim and
    /// outcome write overlap another's send. Lane 0 also polls every <see cref="DispatcherOptions.PollInterval"/>; the
    /// others wait for a wake-up only, which a lane whose claim came back full gives, so an idle dispatcher queries the
    /// database once per poll however many lanes it has. A lane about to wait takes the wake-up owed to the database, if
    /// any, and claims at once instead; a claim that starts covers it. Each lane finishes its batch before it returns.
    /// </summary>
    private async Task RunLaneAsync(int lane, string database, CancellationToken cancellationToken)
    {
        var poll = lane == 0 ? _options.PollInterval : Timeout.InfiniteTimeSpan;

        // With one lane, a full batch is followed by the next claim anyway: nothing to owe when no lane is idle.
        var owe = _options.BatchesInFlight > 1;
        void OnClaimed(int claimed)
        {
            if (claimed >= _options.BatchSize)
            {
                // More may be due: start an idle lane on it while this one sends, this dispatcher's or another's, or
                // owe the database one for the first lane to be free.
                OutboxWakeups.WakeOneMore(database, owe);
            }
        }

        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            DispatchSummary batch;
            try
            {
                _signal.Claiming();
                batch = await RunBatchAsync(OnClaimed, cancellationToken).ConfigureAwait(false);
                failures = 0;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not OperationCanceledException)
            {
                failures++;
                var delay = Backoff.Delay(failures, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30));
                if (DatabaseErrors.IsUnavailable(ex))
                {
                    // A database restart the loop rides out is routine: alerting on Error must not fire for it.
                    LogDatabaseUnavailable(_logger, ex, failures, delay);
                }
                else
                {
                    LogLoopFailed(_logger, ex, failures, delay);
                }

                if (!await WaitAsync(delay, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                continue;
            }

            if (batch.Claimed >= _options.BatchSize && batch.Released == 0)
            {
                continue;
            }

            if (!await WaitAsync(poll, cancellationToken).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    /// <summary>Sends batches until nothing is due.</summary>
    /// <param name="progress">Told the summary of each batch as it completes, such as for a progress bar; none when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops after the current send; see <see cref="DispatchBatchAsync"/>.</param>
    /// <returns>The sum of the batches.</returns>
    /// <exception cref="DbException">The database failed.</exception>
    public async Task<DispatchSummary> DispatchDueAsync(IProgress<DispatchSummary>? progress = null, CancellationToken cancellationToken = default)
    {
        var total = default(DispatchSummary);
        while (!cancellationToken.IsCancellationRequested)
        {
            var batch = await DispatchBatchAsync(cancellationToken).ConfigureAwait(false);
            total += batch;
            progress?.Report(batch);
            if (batch.Claimed < _options.BatchSize || batch.Released > 0)
            {
                break;
            }
        }

        return total;
    }

    /// <summary>Claims one batch of due messages, sends it and records the outcomes.</summary>
    /// <param name="cancellationToken">
    /// Stops the batch gracefully: a send in progress finishes and is recorded; messages not yet handed to a transport
    /// are released (their lease cleared) so another dispatcher can take them at once. Nothing is claimed once it is cancelled.
    /// </param>
    /// <returns>What the batch did.</returns>
    /// <exception cref="DbException">The database failed while claiming or loading (nothing was sent), or stayed down while recording for the whole lease.</exception>
    public Task<DispatchSummary> DispatchBatchAsync(CancellationToken cancellationToken = default) => RunBatchAsync(onClaimed: null, cancellationToken);

    private async Task<DispatchSummary> RunBatchAsync(Action<int>? onClaimed, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return default;
        }

        await using var db = await _contexts.CreateDbContextAsync(CancellationToken.None).ConfigureAwait(false);
        return await _batch.Value.RunAsync(db, onClaimed, cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await _signal.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private async Task RunWakeSourceAsync(IOutboxWakeSource source, CancellationToken cancellationToken)
    {
        try
        {
            await source.ListenAsync(_signal.Set, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            LogWakeSourceFailed(_logger, ex, source.GetType().Name);
        }
    }

    [LoggerMessage(6, LogLevel.Error, "Dispatch failed ({Failures} in a row); retrying in {Delay}")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception, int failures, TimeSpan delay);

    [LoggerMessage(8, LogLevel.Error, "Wake source {Source} stopped")]
    private static partial void LogWakeSourceFailed(ILogger logger, Exception exception, string source);

    [LoggerMessage(10, LogLevel.Warning, "The outbox database is unavailable ({Failures} in a row); retrying in {Delay}")]
    private static partial void LogDatabaseUnavailable(ILogger logger, Exception exception, int failures, TimeSpan delay);
}
