using System;
using TypedMail.Outbox;

namespace TypedMail.Dispatch;

/// <summary>What happens to a message after a dispatch pass.</summary>
/// <param name="State">Its next state: <see cref="OutboxMessageState.Deferred"/>, <see cref="OutboxMessageState.Sent"/> or <see cref="OutboxMessageState.Failed"/>.</param>
/// <param name="DueAt">When a deferred message is tried again; <see langword="null"/> once it is finished.</param>
/// <param name="GiveUpPending">Whether the recipients still pending are given up (rejected): the attempts ran out.</param>
internal readonly record struct DeliveryDecision(OutboxMessageState State, DateTime? DueAt, bool GiveUpPending);

/// <summary>
/// The delivery policy: from a message's history (its attempts so far and its recipients' states) and the last result,
/// the next state and due time. Pure: no database, no transport, no clock of its own.
/// </summary>
/// <param name="maxAttempts">Attempts before a message that keeps failing for now is given up.</param>
/// <param name="retryBaseDelay">The delay before the first retry.</param>
/// <param name="retryMaxDelay">The longest delay between retries.</param>
/// <param name="jitter">The random source of the retry jitter.</param>
internal sealed class DeliveryPolicy(int maxAttempts, TimeSpan retryBaseDelay, TimeSpan retryMaxDelay, Random jitter)
{
    public DeliveryPolicy(DispatcherOptions options)
        : this(options.MaxAttempts, options.RetryBaseDelay, options.RetryMaxDelay, Random.Shared)
    {
    }

    /// <summary>Whether a message with <paramref name="attempts"/> attempts is out of them.</summary>
    public bool GivesUp(int attempts) => attempts >= maxAttempts;

    /// <summary>The next state after a pass.</summary>
    /// <param name="attempts">The message's attempts so far, this pass's included.</param>
    /// <param name="pending">Recipients that still need the message (failed for now, or not tried).</param>
    /// <param name="accepted">Recipients that have accepted it, in this pass or an earlier one.</param>
    /// <param name="retryAfter">The shortest wait the server asked for (such as after 454), if any.</param>
    /// <param name="now">The current time (UTC).</param>
    public DeliveryDecision Decide(int attempts, int pending, int accepted, TimeSpan? retryAfter, DateTime now)
    {
        if (pending > 0 && !GivesUp(attempts))
        {
            var delay = RetryDelay(attempts);
            return new DeliveryDecision(OutboxMessageState.Deferred, now + (retryAfter is { } asked && asked > delay ? asked : delay), false);
        }

        return new DeliveryDecision(accepted > 0 ? OutboxMessageState.Sent : OutboxMessageState.Failed, null, pending > 0);
    }

    /// <summary>The wait after attempt <paramref name="attempt"/> failed for now: exponential from the base delay, capped, with jitter.</summary>
    public TimeSpan RetryDelay(int attempt) => Backoff.Delay(attempt, retryBaseDelay, retryMaxDelay, jitter);
}
