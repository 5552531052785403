using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TypedMail.Outbox;
using TypedMail.Transports;

namespace TypedMail.Dispatch;

/// <summary>What one dispatch pass did.</summary>
/// <param name="Claimed">Messages claimed.</param>
/// <param name="Sent">Messages now sent.</param>
/// <param name="Deferred">Messages that failed for now and will be retried.</param>
/// <param name="Failed">Messages that failed for good.</param>
public readonly record struct DispatchSummary(int Claimed, int Sent, int Deferred, int Failed)
{
    /// <summary>Adds two summaries.</summary>
    /// <param name="a">The first.</param>
    /// <param name="b">The second.</param>
    public static DispatchSummary operator +(DispatchSummary a, DispatchSummary b)
        => new(a.Claimed + b.Claimed, a.Sent + b.Sent, a.Deferred + b.Deferred, a.Failed + b.Failed);
}

/// <summary>
/// Claims due messages from the outbox, hands them to a transport, and records every attempt and its outcome.
/// Each batch uses its own <see cref="DbContext"/>.
/// </summary>
/// <typeparam name="TContext">The application's context, whose model includes the outbox.</typeparam>
public sealed partial class OutboxDispatcher<TContext>
    where TContext : DbContext
{
    private readonly IDbContextFactory<TContext> _contexts;
    private readonly IEmailTransport _transport;
    private readonly DispatcherOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    /// <summary>Creates a dispatcher.</summary>
    /// <param name="contexts">Creates a context per batch.</param>
    /// <param name="transport">Delivers the messages.</param>
    /// <param name="options">Batch size, lease and retry settings; defaults when <see langword="null"/>.</param>
    /// <param name="logger">Logs outcomes; none when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock; the system clock when <see langword="null"/>.</param>
    public OutboxDispatcher(
        IDbContextFactory<TContext> contexts,
        IEmailTransport transport,
        DispatcherOptions? options = null,
        ILogger<OutboxDispatcher<TContext>>? logger = null,
        TimeProvider? timeProvider = null)
    {
        _contexts = contexts ?? throw new ArgumentNullException(nameof(contexts));
        _transport = transport ?? throw new ArgumentNullException(nameof(transport));
        _options = options ?? new DispatcherOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        if (_options.BatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.BatchSize, "DispatcherOptions.BatchSize must be at least 1.");
        }
    }

    /// <summary>Sends batches until nothing is due.</summary>
    /// <param name="cancellationToken">Stops after the current batch's results are recorded.</param>
    public async Task<DispatchSummary> DispatchDueAsync(CancellationToken cancellationToken = default)
    {
        var total = default(DispatchSummary);
        while (true)
        {
            var batch = await DispatchBatchAsync(cancellationToken).ConfigureAwait(false);
            total += batch;
            if (batch.Claimed < _options.BatchSize)
            {
                return total;
            }
        }
    }

    /// <summary>Claims one batch of due messages, sends it and records the outcomes.</summary>
    /// <param name="cancellationToken">Cancels the batch; claimed messages are released by their lease.</param>
    public async Task<DispatchSummary> DispatchBatchAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow().UtcDateTime;
        var ids = await OutboxClaimers.For(db)
            .ClaimAsync(db, _options.DispatcherId, _options.BatchSize, now, now + _options.LeaseDuration, cancellationToken)
            .ConfigureAwait(false);
        if (ids.Count == 0)
        {
            return default;
        }

        var messages = await db.Set<OutboxMessage>()
            .Include(m => m.Recipients)
            .Where(m => ids.Contains(m.Id))
            .OrderByDescending(m => m.Priority).ThenBy(m => m.DueAt)
            .ToListAsync(cancellationToken).ConfigureAwait(false);

        var outgoing = new List<OutgoingEmail>(messages.Count);
        foreach (var message in messages)
        {
            outgoing.Add(OutboxMapping.ToOutgoing(message));
        }

        var started = _time.GetUtcNow().UtcDateTime;
        var timer = Stopwatch.StartNew();
        var results = await _transport.SendAsync(outgoing, cancellationToken).ConfigureAwait(false);
        var elapsed = timer.Elapsed.TotalMilliseconds;

        var summary = new DispatchSummary(messages.Count, 0, 0, 0);
        for (var i = 0; i < messages.Count; i++)
        {
            summary += Record(messages[i], outgoing[i], results[i], started, elapsed / messages.Count);
        }

        await db.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);
        return summary;
    }

    private DispatchSummary Record(OutboxMessage message, OutgoingEmail email, SendResult result, DateTime started, double durationMs)
    {
        message.AttemptCount++;
        var byAddress = new Dictionary<string, RecipientResult>(StringComparer.OrdinalIgnoreCase);
        foreach (var r in result.Recipients)
        {
            byAddress[r.Recipient.Address] = r;
        }

        var accepted = 0;
        var rejected = 0;
        var pending = 0;
        foreach (var recipient in message.Recipients)
        {
            if (recipient.State == RecipientState.Pending
                && byAddress.TryGetValue(EmailAddress.Parse(recipient.Address).Address, out var outcome))
            {
                recipient.ReplyCode = outcome.Reply?.Code;
                recipient.EnhancedStatus = outcome.Reply?.EnhancedStatus;
                recipient.ReplyText = outcome.Reply?.Text ?? result.Error;
                recipient.State = outcome.Status switch
                {
                    DeliveryStatus.Accepted => RecipientState.Accepted,
                    DeliveryStatus.PermanentFailure => RecipientState.Rejected,
                    _ => RecipientState.Pending,
                };
            }

            switch (recipient.State)
            {
                case RecipientState.Accepted: accepted++; break;
                case RecipientState.Rejected: rejected++; break;
                default: pending++; break;
            }
        }

        var outcomeKind = result.Status switch
        {
            DeliveryStatus.Accepted when pending == 0 && rejected == 0 => AttemptOutcome.Accepted,
            DeliveryStatus.Accepted => AttemptOutcome.PartiallyAccepted,
            DeliveryStatus.TransientFailure => AttemptOutcome.TransientFailure,
            _ => AttemptOutcome.PermanentFailure,
        };
        message.Attempts.Add(new OutboxAttempt
        {
            OutboxMessageId = message.Id,
            Number = message.AttemptCount,
            StartedAt = started,
            DurationMs = durationMs,
            Transport = _transport.Name,
            Outcome = outcomeKind,
            ReplyCode = result.Reply?.Code,
            EnhancedStatus = result.Reply?.EnhancedStatus,
            Dispatcher = _options.DispatcherId,
            ReplyText = result.Reply?.Text,
            Error = result.Error,
        });

        message.LeaseOwner = null;
        message.LeaseExpiresAt = null;
        var now = _time.GetUtcNow().UtcDateTime;
        if (pending == 0)
        {
            message.State = accepted > 0 ? OutboxMessageState.Sent : OutboxMessageState.Failed;
            message.SentAt = accepted > 0 ? now : null;
            message.LastError = rejected > 0 ? Describe(result) : null;
            if (accepted > 0)
            {
                LogSent(_logger, message.Id, message.EmailType, accepted, _transport.Name);
                return new DispatchSummary(0, 1, 0, 0);
            }

            LogFailed(_logger, message.Id, message.EmailType, message.LastError);
            return new DispatchSummary(0, 0, 0, 1);
        }

        message.LastError = Describe(result);
        if (message.AttemptCount >= _options.MaxAttempts)
        {
            message.State = OutboxMessageState.Failed;
            LogFailed(_logger, message.Id, message.EmailType, message.LastError);
            return new DispatchSummary(0, 0, 0, 1);
        }

        message.State = OutboxMessageState.Deferred;
        message.DueAt = now + RetryDelay(message.AttemptCount);
        LogDeferred(_logger, message.Id, message.EmailType, message.AttemptCount, message.DueAt, message.LastError);
        return new DispatchSummary(0, 0, 1, 0);
    }

    /// <summary>Exponential backoff with full jitter in the upper half: base × 2^(n−1), capped, times a random factor in [0.5, 1].</summary>
    internal TimeSpan RetryDelay(int attempt)
    {
        var exponent = Math.Min(attempt - 1, 30);
        var delay = Math.Min(_options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, exponent), _options.RetryMaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(delay * (0.5 + (Random.Shared.NextDouble() * 0.5)));
    }

    private static string Describe(SendResult result) => result.Reply?.ToString() ?? result.Error ?? result.Status.ToString();

    [LoggerMessage(1, LogLevel.Information, "Sent {MessageKey} ({EmailType}) to {Recipients} recipient(s) via {Transport}")]
    private static partial void LogSent(ILogger logger, Guid messageKey, string emailType, int recipients, string transport);

    [LoggerMessage(2, LogLevel.Warning, "Deferred {MessageKey} ({EmailType}) after attempt {Attempt} until {DueAt:o}: {Error}")]
    private static partial void LogDeferred(ILogger logger, Guid messageKey, string emailType, int attempt, DateTime dueAt, string? error);

    [LoggerMessage(3, LogLevel.Error, "Failed {MessageKey} ({EmailType}) for good: {Error}")]
    private static partial void LogFailed(ILogger logger, Guid messageKey, string emailType, string? error);
}
