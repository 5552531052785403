using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using TypedMail.Diagnostics;
using TypedMail.Outbox;
using TypedMail.Outbox.Providers;
using TypedMail.Transports;

namespace TypedMail.Dispatch;

/// <summary>
/// The batch pipeline: claim → build → send → complete, for one batch, in its own <see cref="DbContext"/>. The claim
/// commits before anything is sent and the outcomes are written after the sends, set-based in one short transaction
/// (<see cref="OutboxProvider.WriteOutcomesAsync"/>), so no database transaction is open across an SMTP conversation
/// and a batch costs a few statements, not one per row. The rows are read without tracking; the change tracker is not
/// used to write them back. The decisions come from <see cref="DeliveryPolicy"/>, the transports from
/// <see cref="TransportRouter"/>, the provider SQL from <see cref="OutboxProvider"/>.
/// </summary>
internal sealed partial class DispatchBatch
{
    private const string LeaseExpired = "lease expired (dispatcher stopped mid-send)";

    private readonly TransportRouter _router;
    private readonly DeliveryPolicy _policy;
    private readonly DispatcherOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly TypedMailMetrics? _metrics;

    // One send at a time per dispatcher, whatever the batches in flight: the others claim, load and write meanwhile.
    // A send never waits behind another batch's for the transport's connections, so SendTimeout times the send alone.
    private readonly SemaphoreSlim _sendGate = new(1, 1);

    public DispatchBatch(TransportRouter router, DeliveryPolicy policy, DispatcherOptions options, ILogger logger, TimeProvider time, TypedMailMetrics? metrics)
    {
        _router = router;
        _policy = policy;
        _options = options;
        _logger = logger;
        _time = time;
        _metrics = metrics;
    }

    /// <summary>Claims one batch of due messages, sends it and records the outcomes.</summary>
    /// <param name="db">The batch's own context.</param>
    /// <param name="onClaimed">Told how many messages the claim returned, before anything is sent; none when <see langword="null"/>.</param>
    /// <param name="stop">Stops the batch gracefully: the send in progress finishes, the rest is released.</param>
    public async Task<DispatchSummary> RunAsync(DbContext db, Action<int>? onClaimed, CancellationToken stop)
    {
        var provider = OutboxProvider.For(db);
        var now = _time.GetUtcNow().UtcDateTime;
        var leaseToken = Guid.NewGuid();
        var leaseUntil = now + _options.LeaseDuration;

        // The claim and the writes that follow are never cancelled half-way: a claim whose reply was lost would leave
        // messages leased to nobody until the lease expires. The claim returns the rows; their recipients and
        // attachments follow in two queries.
        var messages = await provider.ClaimAsync(db, _options.DispatcherId, leaseToken, _options.BatchSize, now, leaseUntil, CancellationToken.None)
            .ConfigureAwait(false);
        onClaimed?.Invoke(messages.Count);
        if (messages.Count == 0)
        {
            return default;
        }

        var claimed = messages.Count;
        var loaded = await LoadAsync(db, messages).ConfigureAwait(false);
        messages.Sort(static (a, b) => a.Priority != b.Priority ? b.Priority.CompareTo(a.Priority) : a.DueAt.CompareTo(b.DueAt));

        var summary = await RecordLapsedLeasesAsync(provider, db, leaseToken, messages, loaded, now, leaseUntil).ConfigureAwait(false);
        await ApplySuppressionsAsync(db, messages).ConfigureAwait(false);
        var work = messages.ConvertAll(m => new Work(m, _router.Start(m)));

        await SendAllAsync(provider, db, work, leaseUntil, stop).ConfigureAwait(false);

        summary += new DispatchSummary(claimed, 0, 0, 0);
        var results = new List<(Work Item, DispatchSummary Summary)>(work.Count);
        foreach (var item in work)
        {
            results.Add((item, item.Released ? Release(item.Message) : Complete(item)));
        }

        var written = await WriteAsync(provider, db, leaseToken, messages, loaded, leaseUntil).ConfigureAwait(false);
        foreach (var (item, outcome) in results)
        {
            if (!written.Contains(item.Message.Id))
            {
                LogLeaseLost(_logger, item.Message.Id, item.Message.EmailType);
                summary += new DispatchSummary(0, 0, 0, 0, LeaseLost: 1);
                continue;
            }

            summary += outcome;
            if (!item.Released)
            {
                _metrics?.RecordOutcome(item.Message.State, item.Message.Attempts.LastOrDefault()?.Transport, item.Message.Tags);
            }
        }

        return summary;
    }

    /// <summary>
    /// Reads the claimed messages' recipients and attachments (blobs shared by several attachments read once) onto
    /// them, untracked, and notes each recipient's outcome columns as read, so only changed recipients are written back.
    /// </summary>
    private static async Task<LoadedRecipients> LoadAsync(DbContext db, List<OutboxMessage> messages)
    {
        var ids = messages.ConvertAll(m => m.Id);
        var byId = messages.ToDictionary(m => m.Id);
        var recipients = await db.Set<OutboxRecipient>().AsNoTracking().Where(r => ids.Contains(r.OutboxMessageId)).OrderBy(r => r.Id)
            .ToListAsync(CancellationToken.None).ConfigureAwait(false);
        foreach (var recipient in recipients)
        {
            byId[recipient.OutboxMessageId].Recipients.Add(recipient);
        }

        var attachments = await db.Set<OutboxAttachment>().AsNoTrackingWithIdentityResolution().Include(a => a.Blob).Where(a => ids.Contains(a.OutboxMessageId))
            .ToListAsync(CancellationToken.None).ConfigureAwait(false);
        foreach (var attachment in attachments)
        {
            byId[attachment.OutboxMessageId].Attachments.Add(attachment);
        }

        return new LoadedRecipients(recipients);
    }

    private async Task SendAllAsync(OutboxProvider provider, DbContext db, List<Work> work, DateTime leaseUntil, CancellationToken stop)
    {
        // Rounds: every message goes to the first transport of its route; a message whose transport was down moves on
        // to the next one in a later round.
        var round = work.Where(w => w.HasPendingRecipients).ToList();
        while (round.Count > 0)
        {
            var next = new List<Work>();
            foreach (var group in round.GroupBy(w => _router.Current(w.Route)))
            {
                var entry = _router.Find(group.Key);
                var items = group.ToList();
                if (entry is null)
                {
                    foreach (var item in items)
                    {
                        Record(item, group.Key, SendResult.FailedForAll(item.Outgoing, DeliveryStatus.TransientFailure, null,
                            $"No transport named '{group.Key}' is configured. Configured: {string.Join(", ", _router.Names)}."), _time.GetUtcNow().UtcDateTime, 0);
                        FailOver(item, next);
                    }

                    continue;
                }

                for (var offset = 0; offset < items.Count;)
                {
                    var chunk = items.Skip(offset).Take(entry.GroupSize).ToList();
                    offset += chunk.Count;
                    if (!await EnterSendAsync(stop).ConfigureAwait(false))
                    {
                        ReleaseUntried(work);
                        return;
                    }

                    try
                    {
                        if (!await MayStartSendAsync(provider, db, entry, chunk.Count, leaseUntil, stop).ConfigureAwait(false))
                        {
                            ReleaseUntried(work);
                            return;
                        }

                        await SendChunkAsync(entry, chunk, next).ConfigureAwait(false);
                    }
                    finally
                    {
                        _sendGate.Release();
                    }
                }
            }

            round = next;
        }
    }

    /// <summary>Stopping, or the lease is too short: what was not tried in this pass goes back unsent.</summary>
    private static void ReleaseUntried(List<Work> work)
    {
        foreach (var item in work)
        {
            item.Released = item.AttemptsThisPass == 0 && item.HasPendingRecipients;
        }
    }

    /// <summary>Waits for this dispatcher's send in progress, if any, to end; false when stopping meanwhile.</summary>
    private async Task<bool> EnterSendAsync(CancellationToken stop)
    {
        try
        {
            await _sendGate.WaitAsync(stop).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>
    /// False when the dispatcher is stopping or the lease is too short for a whole send and the write after it (half of
    /// what the lease holds beyond <see cref="DispatcherOptions.SendTimeout"/>): release instead. On a throttled
    /// transport, first books a slot of the schedule every dispatcher on the database shares, and waits for it.
    /// </summary>
    private async Task<bool> MayStartSendAsync(OutboxProvider provider, DbContext db, TransportRoutes.TransportEntry entry, int count, DateTime leaseUntil, CancellationToken stop)
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
                start = await provider.ReserveSendSlotAsync(db, entry.Name, now, TimeSpan.FromSeconds(count / rate), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex))
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

        // The send must end with time left to write its outcome under the lease: half of what the lease holds beyond
        // SendTimeout. A batch that waited for another's send may otherwise start late, end at the lease's edge, and be
        // claimed and sent again by another dispatcher while its outcome is being written.
        var writeAllowance = (_options.LeaseDuration - _options.SendTimeout) / 2;
        return _time.GetUtcNow().UtcDateTime + _options.SendTimeout + writeAllowance < leaseUntil;
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

                for (var i = 0; i < chunk.Count; i++)
                {
                    foreach (var r in results[i].Recipients)
                    {
                        if (chunk[i].RowOf(r.Recipient) is null)
                        {
                            throw new InvalidOperationException(
                                $"Transport '{entry.Name}' reported recipient '{r.Recipient.Address}' of message {batch[i].OutboxId}, which is not one of the envelope's recipient objects: a RecipientResult must carry the EmailAddress instance it answers.");
                        }
                    }
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
            if (TransportRouter.IsDown(results[i]))
            {
                _router.MarkDown(entry);
                FailOver(chunk[i], next);
            }
        }
    }

    private static void FailOver(Work item, List<Work> next)
    {
        if (item.HasPendingRecipients && TransportRouter.FailOver(item.Route))
        {
            next.Add(item);
        }
    }

    /// <summary>
    /// Updates the recipients from one transport's result and appends the attempt to the log. Each recipient result
    /// names the envelope address object it answers, so it is applied to that recipient's row by identity.
    /// </summary>
    private void Record(Work item, string transport, SendResult result, DateTime started, double durationMs)
    {
        var message = item.Message;
        message.AttemptCount++;
        item.AttemptsThisPass++;
        item.LastResult = result;
        var accepted = 0;
        var failed = 0;
        foreach (var outcome in result.Recipients)
        {
            if (item.RowOf(outcome.Recipient) is not { State: RecipientState.Pending } recipient)
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
            Number = LastAttemptNumber(message),
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

        // Only a message with recipients still pending is sent again (to the next transport of its route), to those alone.
        if (item.HasPendingRecipients)
        {
            item.RefreshOutgoing();
        }
    }

    /// <summary>Decides the message's state from its recipients after this pass.</summary>
    private DispatchSummary Complete(Work item)
    {
        var message = item.Message;
        var pending = message.Recipients.Count(r => r.State == RecipientState.Pending);
        var accepted = message.Recipients.Count(r => r.State == RecipientState.Accepted);
        var now = _time.GetUtcNow().UtcDateTime;
        var decision = _policy.Decide(message.AttemptCount, pending, accepted, item.LastResult?.RetryAfter, now);
        var error = item.LastResult is { } last ? Describe(last) : null;
        if (decision.State == OutboxMessageState.Deferred)
        {
            ClearLease(message);
            message.State = OutboxMessageState.Deferred;
            message.DueAt = decision.DueAt!.Value;
            message.LastError = error;
            LogDeferred(_logger, message.Id, message.EmailType, LastAttemptNumber(message), message.DueAt, message.LastError);
            return new DispatchSummary(0, 0, 1, 0);
        }

        Finish(message, decision, error, now, reason: null);
        return decision.State == OutboxMessageState.Sent ? new DispatchSummary(0, 1, 0, 0) : new DispatchSummary(0, 0, 0, 1);
    }

    /// <summary>
    /// The one way a message ends: its pending recipients given up when the policy says so (with
    /// <paramref name="pendingReply"/>), then sent when any recipient accepted it, failed otherwise. The last error
    /// describes the recipients that did not accept it, or <paramref name="reason"/> when one is given.
    /// </summary>
    private void Finish(OutboxMessage message, DeliveryDecision decision, string? pendingReply, DateTime now, string? reason)
    {
        ClearLease(message);
        if (decision.GiveUpPending)
        {
            foreach (var recipient in message.Recipients.Where(r => r.State == RecipientState.Pending))
            {
                recipient.State = RecipientState.Rejected;
                recipient.ReplyText ??= pendingReply;
            }
        }

        var notAccepted = message.Recipients.Where(r => r.State != RecipientState.Accepted).ToList();
        message.LastError = reason ?? (notAccepted.Count == 0 ? null : DescribeRecipients(notAccepted, _policy.GivesUp(message.AttemptCount)));
        message.State = decision.State;
        if (decision.State == OutboxMessageState.Sent)
        {
            message.SentAt = now;
            LogSent(_logger, message.Id, message.EmailType, message.Recipients.Count - notAccepted.Count, message.Attempts.LastOrDefault()?.Transport);
        }
        else
        {
            message.FailedAt = now;
            LogFailed(_logger, message.Id, message.EmailType, message.LastError);
        }
    }

    /// <summary>
    /// The claim counted each lapsed lease as an attempt (the dispatcher that held it stopped mid-send: killed, or
    /// crashed by the message itself). Logs those attempts and finishes the messages that are out of attempts without
    /// sending them again, then writes at once, before anything is sent, so a message that stops its dispatcher every
    /// time still ends. Removes from <paramref name="messages"/> the finished ones and any whose lease was already lost,
    /// and returns them as failed and lease-lost counts.
    /// </summary>
    private async Task<DispatchSummary> RecordLapsedLeasesAsync(OutboxProvider provider, DbContext db, Guid leaseToken, List<OutboxMessage> messages, LoadedRecipients loaded, DateTime now, DateTime leaseUntil)
    {
        var ids = messages.Where(m => m.AttemptCount > 0).Select(m => m.Id).ToList();
        if (ids.Count == 0)
        {
            return default;
        }

        var logged = await db.Set<OutboxAttempt>()
            .Where(a => ids.Contains(a.OutboxMessageId))
            .GroupBy(a => a.OutboxMessageId)
            .Select(g => new { Id = g.Key, Last = g.Max(a => a.Number) })
            .ToDictionaryAsync(g => g.Id, g => g.Last, CancellationToken.None).ConfigureAwait(false);
        var lapsed = new List<OutboxMessage>();
        var givenUp = new List<OutboxMessage>();
        foreach (var message in messages)
        {
            var last = logged.GetValueOrDefault(message.Id);
            var made = LastAttemptNumber(message);
            if (made <= last)
            {
                continue;
            }

            lapsed.Add(message);
            for (var number = last + 1; number <= made; number++)
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
            if (_policy.GivesUp(message.AttemptCount))
            {
                var pending = message.Recipients.Count(r => r.State == RecipientState.Pending);
                var accepted = message.Recipients.Count(r => r.State == RecipientState.Accepted);
                var decision = _policy.Decide(message.AttemptCount, pending, accepted, retryAfter: null, now);
                Finish(message, decision, LeaseExpired, now, $"{LeaseExpired}, {message.AttemptCount} times: given up after {_options.MaxAttempts} attempts");
                givenUp.Add(message);
            }
        }

        if (lapsed.Count == 0)
        {
            return default;
        }

        var written = await WriteAsync(provider, db, leaseToken, lapsed, loaded, leaseUntil).ConfigureAwait(false);
        var summary = default(DispatchSummary);
        foreach (var message in lapsed)
        {
            // The lapsed attempts are in the log now; what the send adds is written after it.
            message.Attempts.Clear();
            if (!written.Contains(message.Id))
            {
                LogLeaseLost(_logger, message.Id, message.EmailType);
                summary += new DispatchSummary(0, 0, 0, 0, LeaseLost: 1);
                messages.Remove(message);
            }
            else if (givenUp.Contains(message))
            {
                summary += new DispatchSummary(0, 0, 0, 1);
                messages.Remove(message);
            }
        }

        return summary;
    }

    /// <summary>The number in the attempt log of the message's latest attempt: it numbers on across requeues.</summary>
    private static int LastAttemptNumber(OutboxMessage message) => message.AttemptsBefore + message.AttemptCount;

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

        // LeaseToken stays: the outcome write checks it, and no claim matches a finished row.
    }

    /// <summary>
    /// Writes the outcomes of <paramref name="messages"/> set-based: their state columns, their recipients that changed
    /// since <paramref name="loaded"/>, their new attempts. A message whose lease another dispatcher took over is left
    /// alone: the new owner's outcome stands. A database outage is retried until the lease would expire.
    /// </summary>
    /// <returns>The ids of the messages written.</returns>
    private async Task<HashSet<Guid>> WriteAsync(OutboxProvider provider, DbContext db, Guid leaseToken, List<OutboxMessage> messages, LoadedRecipients loaded, DateTime leaseUntil)
    {
        var recipients = messages.SelectMany(m => m.Recipients).Where(loaded.Changed).ToList();
        var outcomes = new OutcomeBatch(messages, recipients, messages.SelectMany(m => m.Attempts).ToList());
        var failures = 0;
        while (true)
        {
            try
            {
                var written = await provider.WriteOutcomesAsync(db, leaseToken, outcomes, CancellationToken.None).ConfigureAwait(false);
                loaded.Accept(recipients);
                return written;
            }
            catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex) && _time.GetUtcNow().UtcDateTime < leaseUntil - TimeSpan.FromSeconds(1))
            {
                failures++;
                var delay = Backoff.Delay(failures, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5));
                LogSaveRetry(_logger, ex, messages.Count, delay);
                await Task.Delay(delay, _time).ConfigureAwait(false);
            }
        }
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
        // A category unsubscribe stops that category only; transactional mail (no category) is not looked up.
        var categories = messages.Where(m => m.Category is not null).Select(m => m.Category!).Distinct().ToList();
        var unsubscribed = categories.Count == 0
            ? []
            : (await db.Set<OutboxUnsubscription>().AsNoTracking()
                .Where(u => keys.Contains(u.Address) && categories.Contains(u.Category))
                .Select(u => new { u.Address, u.Category })
                .ToListAsync(CancellationToken.None).ConfigureAwait(false))
                .Select(u => (u.Address, u.Category)).ToHashSet();
        var categoryOf = messages.SelectMany(m => m.Recipients.Select(r => (r, m.Category))).ToDictionary(x => x.r, x => x.Category);
        foreach (var (recipient, key) in pending)
        {
            if (suppressed.TryGetValue(key, out var reason))
            {
                recipient.State = RecipientState.Suppressed;
                recipient.ReplyText = reason is null ? "suppressed" : "suppressed: " + reason;
            }
            else if (categoryOf[recipient] is { } category && unsubscribed.Contains((key, category)))
            {
                recipient.State = RecipientState.Suppressed;
                recipient.ReplyText = "suppressed: unsubscribed from " + category;
            }
        }
    }

    private static string Describe(SendResult result) => result.Reply?.ToString() ?? result.Error ?? result.Status.ToString();

    private static string DescribeRecipients(List<OutboxRecipient> recipients, bool gaveUp)
    {
        var parts = recipients.Take(5).Select(r => $"{EmailAddress.Parse(r.Address).Address}: {r.State}{(r.ReplyCode is { } c ? " " + c : "")} {r.ReplyText}".TrimEnd());
        var more = recipients.Count > 5 ? $" (and {recipients.Count - 5} more)" : "";
        return (gaveUp ? "Gave up after the last attempt. " : "") + string.Join("; ", parts) + more;
    }

    /// <summary>The outcome columns of the claimed recipients as last read or written, to write back only those that changed.</summary>
    private sealed class LoadedRecipients
    {
        private readonly Dictionary<OutboxRecipient, Outcome> _stored = new(ReferenceEqualityComparer.Instance);

        public LoadedRecipients(List<OutboxRecipient> recipients) => Accept(recipients);

        public bool Changed(OutboxRecipient recipient) => _stored[recipient] != Outcome.Of(recipient);

        public void Accept(List<OutboxRecipient> recipients)
        {
            foreach (var recipient in recipients)
            {
                _stored[recipient] = Outcome.Of(recipient);
            }
        }

        private readonly record struct Outcome(RecipientState State, int? ReplyCode, string? EnhancedStatus, string? ReplyText)
        {
            public static Outcome Of(OutboxRecipient r) => new(r.State, r.ReplyCode, r.EnhancedStatus, r.ReplyText);
        }
    }

    /// <summary>A claimed message on its way: its envelope, where it is on its route, and what this pass did.</summary>
    private sealed class Work
    {
        private readonly List<OutboxRecipient> _envelope = [];
        private readonly Dictionary<EmailAddress, OutboxRecipient> _rows = new(ReferenceEqualityComparer.Instance);

        public Work(OutboxMessage message, TransportRouter.Route route)
        {
            Message = message;
            Route = route;
            RefreshOutgoing();
        }

        public OutboxMessage Message { get; }

        public TransportRouter.Route Route { get; }

        public OutgoingEmail Outgoing { get; private set; } = null!;

        public SendResult? LastResult { get; set; }

        public int AttemptsThisPass { get; set; }

        public bool Released { get; set; }

        public bool HasPendingRecipients => Message.Recipients.Any(r => r.State == RecipientState.Pending);

        /// <summary>The recipient row behind an envelope address object of <see cref="Outgoing"/>; null for one the envelope does not hold.</summary>
        public OutboxRecipient? RowOf(EmailAddress address) => _rows.GetValueOrDefault(address);

        public void RefreshOutgoing()
        {
            Outgoing = OutboxMapping.ToOutgoing(Message, _envelope);
            _rows.Clear();
            for (var i = 0; i < _envelope.Count; i++)
            {
                _rows[Outgoing.Recipients[i]] = _envelope[i];
            }
        }
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

    [LoggerMessage(7, LogLevel.Error, "Transport {Transport} threw instead of reporting a result")]
    private static partial void LogTransportThrew(ILogger logger, Exception exception, string transport);

    [LoggerMessage(9, LogLevel.Warning, "Could not book a send slot for throttled transport {Transport}; the batch's unsent messages are released")]
    private static partial void LogThrottleUnavailable(ILogger logger, Exception exception, string transport);
}
