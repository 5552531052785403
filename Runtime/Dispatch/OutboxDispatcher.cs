using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TypedMail.Diagnostics;
using TypedMail.Outbox;
using TypedMail.Transports;

namespace TypedMail.Dispatch;

/// <summary>What one dispatch pass did.</summary>
/// <param name="Claimed">Messages claimed.</param>
/// <param name="Sent">Messages now sent.</param>
/// <param name="Deferred">Messages that failed for now and will be retried.</param>
/// <param name="Failed">Messages that failed for good.</param>
/// <param name="Released">Messages handed back unsent (shutdown, or a lease too short to send safely).</param>
/// <param name="LeaseLost">Messages whose results were not recorded because another dispatcher had taken them over.</param>
public readonly record struct DispatchSummary(int Claimed, int Sent, int Deferred, int Failed, int Released = 0, int LeaseLost = 0)
{
    /// <summary>Adds two summaries.</summary>
    /// <param name="a">The first.</param>
    /// <param name="b">The second.</param>
    public static DispatchSummary operator +(DispatchSummary a, DispatchSummary b)
        => new(a.Claimed + b.Claimed, a.Sent + b.Sent, a.Deferred + b.Deferred, a.Failed + b.Failed, a.Released + b.Released, a.LeaseLost + b.LeaseLost);
}

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
/// </remarks>
/// <typeparam name="TContext">The application's context, whose model includes the outbox.</typeparam>
public sealed partial class OutboxDispatcher<TContext>
    where TContext : DbContext
{
    private readonly IDbContextFactory<TContext> _contexts;
    private readonly TransportRoutes _routes;
    private readonly DispatcherOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly WakeSignal _signal = new();

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
        _routes = routes ?? throw new ArgumentNullException(nameof(routes));
        if (routes.Count == 0)
        {
            throw new ArgumentException("TransportRoutes has no transport: add one with TransportRoutes.Add.", nameof(routes));
        }

        _options = options ?? new DispatcherOptions();
        _options.Validate();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Counts saved outcomes; set by the hosting registration.</summary>
    internal TypedMailMetrics? Metrics { get; init; }

    /// <summary>Makes a running <see cref="RunAsync"/> look for due mail now instead of at its next poll.</summary>
    public void Wake() => _signal.Set();

    /// <summary>
    /// Dispatches continuously until <paramref name="cancellationToken"/> is cancelled: a batch whenever mail may be due
    /// (right after a local commit that enqueued mail, when a wake source such as PostgreSQL <c>LISTEN</c> says so, or
    /// every <see cref="DispatcherOptions.PollInterval"/>). Database outages are logged and retried with backoff.
    /// </summary>
    /// <param name="cancellationToken">
    /// Stops the loop gracefully: a send in progress finishes (within <see cref="DispatcherOptions.SendTimeout"/>) and its
    /// results are recorded; claimed messages not yet handed to a transport are released for others.
    /// </param>
    /// <returns>A task that completes when the loop has stopped; it does not throw on cancellation.</returns>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var registration = OutboxWakeups.Register(typeof(TContext), _signal);
        using var stopSources = new CancellationTokenSource();
        var sources = _options.WakeSources.Select(s => RunWakeSourceAsync(s, stopSources.Token)).ToList();
        var failures = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                DispatchSummary batch;
                try
                {
                    batch = await DispatchBatchAsync(cancellationToken).ConfigureAwait(false);
                    failures = 0;
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not OperationCanceledException)
                {
                    failures++;
                    var delay = TimeSpan.FromMilliseconds(Math.Min(100 * Math.Pow(2, Math.Min(failures, 10)), 30_000));
                    LogLoopFailed(_logger, ex, failures, delay);
                    if (!await WaitAsync(delay, cancellationToken).ConfigureAwait(false))
                    {
                        break;
                    }

                    continue;
                }

                if (batch.Claimed >= _options.BatchSize && batch.Released == 0)
                {
                    continue;
                }

                if (!await WaitAsync(_options.PollInterval, cancellationToken).ConfigureAwait(false))
                {
                    break;
                }
            }
        }
        finally
        {
            await stopSources.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(sources).ConfigureAwait(false);
        }
    }

    /// <summary>Sends batches until nothing is due.</summary>
    /// <param name="cancellationToken">Stops after the current send; see <see cref="DispatchBatchAsync"/>.</param>
    /// <returns>The sum of the batches.</returns>
    /// <exception cref="DbException">The database failed.</exception>
    public async Task<DispatchSummary> DispatchDueAsync(CancellationToken cancellationToken = default)
    {
        var total = default(DispatchSummary);
        while (!cancellationToken.IsCancellationRequested)
        {
            var batch = await DispatchBatchAsync(cancellationToken).ConfigureAwait(false);
            total += batch;
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
    public async Task<DispatchSummary> DispatchBatchAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return default;
        }

        await using var db = await _contexts.CreateDbContextAsync(CancellationToken.None).ConfigureAwait(false);
        var now = _time.GetUtcNow().UtcDateTime;
        var leaseToken = Guid.NewGuid();
        var leaseUntil = now + _options.LeaseDuration;

        // The claim and the writes that follow are never cancelled half-way: a claim whose reply was lost would leave
        // messages leased to nobody until the lease expires.
        var ids = await OutboxClaimers.For(db)
            .ClaimAsync(db, _options.DispatcherId, leaseToken, _options.BatchSize, now, leaseUntil, CancellationToken.None)
            .ConfigureAwait(false);
        if (ids.Count == 0)
        {
            return default;
        }

        var messages = await db.Set<OutboxMessage>()
            .Include(m => m.Recipients)
            .Include(m => m.Attachments).ThenInclude(a => a.Blob)
            .Where(m => ids.Contains(m.Id) && m.LeaseToken == leaseToken)
            .OrderByDescending(m => m.Priority).ThenBy(m => m.DueAt)
            .AsSplitQuery()
            .ToListAsync(CancellationToken.None).ConfigureAwait(false);

        var givenUp = await RecordLapsedLeasesAsync(db, messages, now).ConfigureAwait(false);
        await ApplySuppressionsAsync(db, messages).ConfigureAwait(false);
        var work = new List<Work>(messages.Count);
        foreach (var message in messages)
        {
            work.Add(new Work(message, _routes.RouteFor(message)));
        }

        await SendAllAsync(db, work, leaseUntil, cancellationToken).ConfigureAwait(false);

        var summary = new DispatchSummary(messages.Count + givenUp, 0, 0, givenUp);
        foreach (var item in work)
        {
            summary += item.Released ? Release(item.Message) : Complete(item);
        }

        summary = await SaveResultsAsync(db, work, summary, leaseUntil).ConfigureAwait(false);
        RecordMetrics(db, work);
        return summary;
    }

    /// <summary>Counts the outcomes that were saved: not the released messages, nor those another dispatcher took over.</summary>
    private void RecordMetrics(DbContext db, List<Work> work)
    {
        if (Metrics is not { } metrics)
        {
            return;
        }

        foreach (var item in work)
        {
            if (!item.Released && db.Entry(item.Message).State != EntityState.Detached)
            {
                metrics.RecordOutcome(item.Message.State, item.Message.Attempts.LastOrDefault()?.Transport);
            }
        }
    }

    private async Task SendAllAsync(DbContext db, List<Work> work, DateTime leaseUntil, CancellationToken stop)
    {
        // Rounds: every message goes to the first transport of its route; a message whose transport was down moves on
        // to the next one in a later round.
        var round = work.Where(w => w.HasPendingRecipients).ToList();
        while (round.Count > 0)
        {
            var next = new List<Work>();
            foreach (var group in round.GroupBy(w => w.CurrentTransport(_routes, _time)))
            {
                var entry = _routes.Find(group.Key);
                var items = group.ToList();
                if (entry is null)
                {
                    foreach (var item in items)
                    {
                        Record(item, group.Key, SendResult.FailedForAll(item.Outgoing, DeliveryStatus.TransientFailure, null,
                            $"No transport named '{group.Key}' is configured. Configured: {string.Join(", ", _routes.Names)}."), _time.GetUtcNow().UtcDateTime, 0);
                        Advance(item, next);
                    }

                    continue;
                }

                for (var offset = 0; offset < items.Count;)
                {
                    var chunk = items.Skip(offset).Take(entry.GroupSize).ToList();
                    offset += chunk.Count;
                    if (!await MayStartSendAsync(db, entry, chunk.Count, leaseUntil, stop).ConfigureAwait(false))
                    {
                        // Stopping, or the lease is too short: what was not tried in this pass goes back unsent.
                        foreach (var item in work)
                        {
                            item.Released = item.AttemptsThisPass == 0 && item.HasPendingRecipients;
                        }

                        return;
                    }

                    await SendChunkAsync(entry, chunk, next).ConfigureAwait(false);
                }
            }

            round = next;
        }
    }

    /// <summary>
    /// False when the dispatcher is stopping or the lease is too short for a whole send: release instead. On a throttled
    /// transport, first books a slot of the schedule every dispatcher on the database shares, and waits for it.
    /// </summary>
    private async Task<bool> MayStartSendAsync(DbContext db, TransportRoutes.TransportEntry entry, int count, DateTime leaseUntil, CancellationToken stop)
    {
        if (stop.IsCancellationRequested)
        {
            return false;
        }

        if (entry.MaxMessagesPerSecond is { } rate)
        {
            var now = _time.GetUtcNow().UtcDateTime;
            DateTime start;
            try
            {
                start = await OutboxClaimers.For(db)
                    .ReserveSendSlotAsync(db, entry.Name, now, TimeSpan.FromSeconds(count / rate), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsDatabaseUnavailable(ex))
            {
                // No slot, no send: what was not tried goes back unsent, not as a lapsed attempt.
                LogThrottleUnavailable(_logger, ex, entry.Name);
                return false;
            }

            if (start > now)
            {
                try
                {
                    await Task.Delay(start - now, _time, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return false;
                }
            }
        }

        return _time.GetUtcNow().UtcDateTime + _options.SendTimeout < leaseUntil;
    }

    private async Task SendChunkAsync(TransportRoutes.TransportEntry entry, List<Work> chunk, List<Work> next)
    {
        var batch = chunk.ConvertAll(w => w.Outgoing);
        var started = _time.GetUtcNow().UtcDateTime;
        var timer = Stopwatch.StartNew();
        IReadOnlyList<SendResult> results;
        using (var timeout = new CancellationTokenSource(_options.SendTimeout, _time))
        {
            try
            {
                results = await entry.Transport.SendAsync(batch, timeout.Token).ConfigureAwait(false);
                if (results.Count != batch.Count)
                {
                    throw new InvalidOperationException($"Transport '{entry.Name}' returned {results.Count} results for {batch.Count} messages.");
                }
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                var error = $"Timed out after {_options.SendTimeout.TotalSeconds:0.###} s (DispatcherOptions.SendTimeout).";
                results = batch.ConvertAll(o => SendResult.FailedForAll(o, DeliveryStatus.TransientFailure, null, error));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A transport reports failures in its results; one that throws broke its contract. Treat it as down.
                LogTransportThrew(_logger, ex, entry.Name);
                var error = $"Transport '{entry.Name}' threw {ex.GetType().Name}: {ex.Message}";
                results = batch.ConvertAll(o => SendResult.FailedForAll(o, DeliveryStatus.TransientFailure, null, error));
            }
        }

        var durationMs = timer.Elapsed.TotalMilliseconds / Math.Max(1, batch.Count);
        for (var i = 0; i < chunk.Count; i++)
        {
            Record(chunk[i], entry.Name, results[i], started, durationMs);
            if (IsTransportDown(results[i]))
            {
                entry.DownUntil = _time.GetTimestamp() + (long)(_options.TransportDownCooldown.TotalSeconds * _time.TimestampFrequency);
                Advance(chunk[i], next);
            }
        }
    }

    private static void Advance(Work item, List<Work> next)
    {
        if (item.MoveToNextTransport())
        {
            next.Add(item);
        }
    }

    /// <summary>The transport could not take the message at all: no connection, a timeout, or 421 (service not available).</summary>
    private static bool IsTransportDown(SendResult result)
        => result.Status == DeliveryStatus.TransientFailure
            && (result.Reply is null || result.Reply.Code == 421)
            && !result.Recipients.Any(r => r.Status == DeliveryStatus.Accepted);

    /// <summary>Updates the recipients from one transport's result and appends the attempt to the log.</summary>
    private void Record(Work item, string transport, SendResult result, DateTime started, double durationMs)
    {
        var message = item.Message;
        message.AttemptCount++;
        item.AttemptsThisPass++;
        item.LastResult = result;
        var byAddress = new Dictionary<string, RecipientResult>(StringComparer.OrdinalIgnoreCase);
        foreach (var r in result.Recipients)
        {
            byAddress[r.Recipient.Address] = r;
        }

        var accepted = 0;
        var failed = 0;
        foreach (var recipient in message.Recipients)
        {
            if (recipient.State != RecipientState.Pending
                || !byAddress.TryGetValue(EmailAddress.Parse(recipient.Address).Address, out var outcome))
            {
                continue;
            }

            recipient.ReplyCode = outcome.Reply?.Code;
            recipient.EnhancedStatus = outcome.Reply?.EnhancedStatus;
            recipient.ReplyText = outcome.Reply?.Text ?? result.Error;
            switch (outcome.Status)
            {
                case DeliveryStatus.Accepted:
                    recipient.State = RecipientState.Accepted;
                    accepted++;
                    break;
                case DeliveryStatus.PermanentFailure:
                    recipient.State = RecipientState.Rejected;
                    failed++;
                    break;
                default:
                    failed++;
                    break;
            }
        }

        message.Attempts.Add(new OutboxAttempt
        {
            OutboxMessageId = message.Id,
            Number = message.AttemptCount,
            StartedAt = started,
            DurationMs = durationMs,
            Transport = transport,
            Dispatcher = _options.DispatcherId,
            Outcome = (accepted, failed, result.Status) switch
            {
                ( > 0, 0, _) => AttemptOutcome.Accepted,
                ( > 0, _, _) => AttemptOutcome.PartiallyAccepted,
                (_, _, DeliveryStatus.PermanentFailure) => AttemptOutcome.PermanentFailure,
                _ => AttemptOutcome.TransientFailure,
            },
            ReplyCode = result.Reply?.Code,
            EnhancedStatus = result.Reply?.EnhancedStatus,
            ReplyText = result.Reply?.Text,
            Error = result.Error,
        });
        item.RefreshOutgoing();
    }

    /// <summary>Decides the message's state from its recipients after this pass.</summary>
    private DispatchSummary Complete(Work item)
    {
        var message = item.Message;
        ClearLease(message);
        var now = _time.GetUtcNow().UtcDateTime;
        var error = item.LastResult is { } last ? Describe(last) : null;
        var givingUp = message.AttemptCount >= _options.MaxAttempts;
        if (item.HasPendingRecipients && givingUp)
        {
            foreach (var recipient in message.Recipients.Where(r => r.State == RecipientState.Pending))
            {
                recipient.State = RecipientState.Rejected;
                recipient.ReplyText ??= error;
            }
        }

        if (!item.HasPendingRecipients)
        {
            var accepted = message.Recipients.Count(r => r.State == RecipientState.Accepted);
            var notAccepted = message.Recipients.Where(r => r.State != RecipientState.Accepted).ToList();
            message.LastError = notAccepted.Count == 0 ? null : DescribeRecipients(notAccepted, givingUp);
            if (accepted > 0)
            {
                message.State = OutboxMessageState.Sent;
                message.SentAt = now;
                LogSent(_logger, message.Id, message.EmailType, accepted, message.Attempts.LastOrDefault()?.Transport);
                return new DispatchSummary(0, 1, 0, 0);
            }

            message.State = OutboxMessageState.Failed;
            message.FailedAt = now;
            LogFailed(_logger, message.Id, message.EmailType, message.LastError);
            return new DispatchSummary(0, 0, 0, 1);
        }

        message.LastError = error;
        message.State = OutboxMessageState.Deferred;
        var delay = RetryDelay(message.AttemptCount);
        message.DueAt = now + (item.LastResult?.RetryAfter is { } asked && asked > delay ? asked : delay);
        LogDeferred(_logger, message.Id, message.EmailType, message.AttemptCount, message.DueAt, message.LastError);
        return new DispatchSummary(0, 0, 1, 0);
    }

    /// <summary>
    /// The claim counted each lapsed lease as an attempt (the dispatcher that held it stopped mid-send: killed, or
    /// crashed by the message itself). Logs those attempts and fails the messages that reached
    /// <see cref="DispatcherOptions.MaxAttempts"/> without sending them again, then saves at once, before anything is
    /// sent, so a message that stops its dispatcher every time still ends. Removes the failed ones from
    /// <paramref name="messages"/> and returns how many.
    /// </summary>
    private async Task<int> RecordLapsedLeasesAsync(DbContext db, List<OutboxMessage> messages, DateTime now)
    {
        var ids = messages.Where(m => m.AttemptCount > 0).Select(m => m.Id).ToList();
        if (ids.Count == 0)
        {
            return 0;
        }

        var logged = await db.Set<OutboxAttempt>()
            .Where(a => ids.Contains(a.OutboxMessageId))
            .GroupBy(a => a.OutboxMessageId)
            .Select(g => new { Id = g.Key, Last = g.Max(a => a.Number) })
            .ToDictionaryAsync(g => g.Id, g => g.Last, CancellationToken.None).ConfigureAwait(false);
        var givenUp = new List<OutboxMessage>();
        foreach (var message in messages)
        {
            var last = logged.GetValueOrDefault(message.Id);
            if (message.AttemptCount <= last)
            {
                continue;
            }

            for (var number = last + 1; number <= message.AttemptCount; number++)
            {
                message.Attempts.Add(new OutboxAttempt
                {
                    OutboxMessageId = message.Id,
                    Number = number,
                    StartedAt = now,
                    Transport = "",
                    Dispatcher = _options.DispatcherId,
                    Outcome = AttemptOutcome.TransientFailure,
                    Error = LeaseExpired,
                });
            }

            message.LastError = LeaseExpired;
            if (message.AttemptCount >= _options.MaxAttempts)
            {
                foreach (var recipient in message.Recipients.Where(r => r.State == RecipientState.Pending))
                {
                    recipient.State = RecipientState.Rejected;
                    recipient.ReplyText ??= LeaseExpired;
                }

                ClearLease(message);
                var accepted = message.Recipients.Any(r => r.State == RecipientState.Accepted);
                message.State = accepted ? OutboxMessageState.Sent : OutboxMessageState.Failed;
                if (accepted)
                {
                    message.SentAt = now;
                }
                else
                {
                    message.FailedAt = now;
                }

                message.LastError = $"{LeaseExpired}, {message.AttemptCount} times: given up after {_options.MaxAttempts} attempts";
                LogFailed(_logger, message.Id, message.EmailType, message.LastError);
                givenUp.Add(message);
            }
        }

        if (db.ChangeTracker.HasChanges())
        {
            await db.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);
        }

        messages.RemoveAll(givenUp.Contains);
        return givenUp.Count;
    }

    private const string LeaseExpired = "lease expired (dispatcher stopped mid-send)";

    /// <summary>Hands a message back unsent: the state it had before the claim, due as before, lease cleared.</summary>
    private static DispatchSummary Release(OutboxMessage message)
    {
        ClearLease(message);
        message.State = message.AttemptCount == 0 ? OutboxMessageState.Queued : OutboxMessageState.Deferred;
        return new DispatchSummary(0, 0, 0, 0, Released: 1);
    }

    private static void ClearLease(OutboxMessage message)
    {
        message.LeaseOwner = null;
        message.LeaseExpiresAt = null;

        // LeaseToken stays: it is the concurrency token the UPDATE checks, and no claim matches a finished row.
    }

    /// <summary>
    /// Saves the outcomes. A message whose lease another dispatcher took over (its lease token changed) is left alone:
    /// the new owner's outcome stands. A database outage is retried until the lease would expire.
    /// </summary>
    private async Task<DispatchSummary> SaveResultsAsync(DbContext db, List<Work> work, DispatchSummary summary, DateTime leaseUntil)
    {
        var failures = 0;
        while (true)
        {
            try
            {
                await db.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);
                return summary;
            }
            catch (DbUpdateConcurrencyException ex)
            {
                foreach (var entry in ex.Entries)
                {
                    if (entry.Entity is OutboxMessage lost)
                    {
                        LogLeaseLost(_logger, lost.Id, lost.EmailType);
                        Detach(db, lost);
                        summary = summary with { LeaseLost = summary.LeaseLost + 1 };
                    }
                }
            }
            catch (Exception ex) when (IsDatabaseUnavailable(ex) && _time.GetUtcNow().UtcDateTime < leaseUntil - TimeSpan.FromSeconds(1))
            {
                failures++;
                var delay = TimeSpan.FromMilliseconds(Math.Min(100 * Math.Pow(2, Math.Min(failures, 8)), 5_000));
                LogSaveRetry(_logger, ex, work.Count, delay);
                await Task.Delay(delay, _time).ConfigureAwait(false);
            }
        }
    }

    private static void Detach(DbContext db, OutboxMessage message)
    {
        foreach (var r in message.Recipients.ToList())
        {
            db.Entry(r).State = EntityState.Detached;
        }

        foreach (var a in message.Attempts.ToList())
        {
            db.Entry(a).State = EntityState.Detached;
        }

        db.Entry(message).State = EntityState.Detached;
    }

    /// <summary>Classifies by type: the database or the network to it failed (not a constraint or a bug).</summary>
    internal static bool IsDatabaseUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is DbException or SocketException or IOException or TimeoutException)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Marks pending recipients on the suppression list as suppressed, with the reason.</summary>
    private static async Task ApplySuppressionsAsync(DbContext db, List<OutboxMessage> messages)
    {
        var pending = messages.SelectMany(m => m.Recipients).Where(r => r.State == RecipientState.Pending)
            .Select(r => (Recipient: r, Key: OutboxSuppression.Normalize(EmailAddress.Parse(r.Address)))).ToList();
        if (pending.Count == 0)
        {
            return;
        }

        var keys = pending.Select(p => p.Key).Distinct().ToList();
        var suppressed = await db.Set<OutboxSuppression>().AsNoTracking()
            .Where(s => keys.Contains(s.Address))
            .ToDictionaryAsync(s => s.Address, s => s.Reason, CancellationToken.None).ConfigureAwait(false);
        foreach (var (recipient, key) in pending)
        {
            if (suppressed.TryGetValue(key, out var reason))
            {
                recipient.State = RecipientState.Suppressed;
                recipient.ReplyText = reason is null ? "suppressed" : "suppressed: " + reason;
            }
        }
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

    /// <summary>Exponential backoff with jitter in the upper half: base × 2^(n−1), capped, times a random factor in [0.5, 1].</summary>
    internal TimeSpan RetryDelay(int attempt)
    {
        var exponent = Math.Min(attempt - 1, 30);
        var delay = Math.Min(_options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, exponent), _options.RetryMaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(delay * (0.5 + (Random.Shared.NextDouble() * 0.5)));
    }

    private static string Describe(SendResult result) => result.Reply?.ToString() ?? result.Error ?? result.Status.ToString();

    private static string DescribeRecipients(List<OutboxRecipient> recipients, bool gaveUp)
    {
        var parts = recipients.Take(5).Select(r => $"{EmailAddress.Parse(r.Address).Address}: {r.State}{(r.ReplyCode is { } c ? " " + c : "")} {r.ReplyText}".TrimEnd());
        var more = recipients.Count > 5 ? $" (and {recipients.Count - 5} more)" : "";
        return (gaveUp ? "Gave up after the last attempt. " : "") + string.Join("; ", parts) + more;
    }

    private sealed class Work(OutboxMessage message, IReadOnlyList<string> route)
    {
        private int _routeIndex;

        public OutboxMessage Message { get; } = message;

        public OutgoingEmail Outgoing { get; private set; } = OutboxMapping.ToOutgoing(message);

        public SendResult? LastResult { get; set; }

        public int AttemptsThisPass { get; set; }

        public bool Released { get; set; }

        public bool HasPendingRecipients => Message.Recipients.Any(r => r.State == RecipientState.Pending);

        /// <summary>The route's next transport that is not down, or its first one when all are.</summary>
        public string CurrentTransport(TransportRoutes routes, TimeProvider time)
        {
            var now = time.GetTimestamp();
            for (var i = _routeIndex; i < route.Count; i++)
            {
                if (routes.Find(route[i]) is not { } entry || entry.DownUntil <= now)
                {
                    _routeIndex = i;
                    return route[i];
                }
            }

            return route[_routeIndex];
        }

        public bool MoveToNextTransport()
        {
            if (_routeIndex + 1 >= route.Count || !HasPendingRecipients)
            {
                return false;
            }

            _routeIndex++;
            return true;
        }

        public void RefreshOutgoing() => Outgoing = OutboxMapping.ToOutgoing(Message);
    }

    [LoggerMessage(1, LogLevel.Information, "Sent {MessageKey} ({EmailType}) to {Recipients} recipient(s) via {Transport}")]
    private static partial void LogSent(ILogger logger, Guid messageKey, string emailType, int recipients, string? transport);

    [LoggerMessage(2, LogLevel.Warning, "Deferred {MessageKey} ({EmailType}) after attempt {Attempt} until {DueAt:o}: {Error}")]
    private static partial void LogDeferred(ILogger logger, Guid messageKey, string emailType, int attempt, DateTime dueAt, string? error);

    [LoggerMessage(3, LogLevel.Error, "Failed {MessageKey} ({EmailType}) for good: {Error}")]
    private static partial void LogFailed(ILogger logger, Guid messageKey, string emailType, string? error);

    [LoggerMessage(4, LogLevel.Warning, "Lease on {MessageKey} ({EmailType}) was taken over by another dispatcher; its result was not recorded here")]
    private static partial void LogLeaseLost(ILogger logger, Guid messageKey, string emailType);

    [LoggerMessage(5, LogLevel.Warning, "Recording results of {Count} message(s) failed; retrying in {Delay}")]
    private static partial void LogSaveRetry(ILogger logger, Exception exception, int count, TimeSpan delay);

    [LoggerMessage(6, LogLevel.Error, "Dispatch failed ({Failures} in a row); retrying in {Delay}")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception, int failures, TimeSpan delay);

    [LoggerMessage(7, LogLevel.Error, "Transport {Transport} threw instead of reporting a result")]
    private static partial void LogTransportThrew(ILogger logger, Exception exception, string transport);

    [LoggerMessage(8, LogLevel.Error, "Wake source {Source} stopped")]
    private static partial void LogWakeSourceFailed(ILogger logger, Exception exception, string source);

    [LoggerMessage(9, LogLevel.Warning, "Could not book a send slot for throttled transport {Transport}; the batch's unsent messages are released")]
    private static partial void LogThrottleUnavailable(ILogger logger, Exception exception, string transport);
}
