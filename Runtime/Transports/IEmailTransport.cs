using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace TypedMail.Transports;

/// <summary>
/// Delivers messages: an SMTP server, a pickup folder, or anything else. The dispatcher hands a transport a
/// batch of claimed messages and records what the transport says about each one.
/// </summary>
/// <remarks>
/// A transport never throws for a message that could not be delivered: it reports the outcome in the
/// <see cref="SendResult"/> for that message. It throws at most when the call itself is cancelled.
/// </remarks>
public interface IEmailTransport
{
    /// <summary>A short name for logs and the attempt log, such as <c>smtp</c> or <c>pickup</c>.</summary>
    string Name { get; }

    /// <summary>Sends a batch of messages and returns one result per message, in the same order.</summary>
    /// <param name="batch">The messages to send.</param>
    /// <param name="cancellationToken">
    /// Cancels the send (the dispatcher's <c>SendTimeout</c>). A transport should then stop and return the results it has,
    /// the unfinished messages failed for now: a message the server already accepted is then recorded as sent, not sent
    /// again. A transport that throws instead loses those results: every message of the batch counts as failed for now.
    /// </param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled, and the transport keeps no partial results.</exception>
    Task<IReadOnlyList<SendResult>> SendAsync(IReadOnlyList<OutgoingEmail> batch, CancellationToken cancellationToken);
}

/// <summary>A message and its envelope: who it is from and which recipients still need it.</summary>
/// <param name="OutboxId">The outbox row this message came from.</param>
/// <param name="Message">The message content.</param>
/// <param name="Recipients">The envelope recipients (<c>RCPT TO</c>): every To, Cc and Bcc not yet accepted.</param>
public sealed record OutgoingEmail(Guid OutboxId, EmailMessage Message, IReadOnlyList<EmailAddress> Recipients)
{
    /// <summary>
    /// The envelope sender (<c>MAIL FROM</c>), where bounces go: the message's <c>From</c>, or a VERP address
    /// (<see cref="VerpAddress"/>) when the outbox has a bounce address.
    /// </summary>
    public EmailAddress MailFrom { get; init; } = Message.From;
}

/// <summary>How a message or one of its recipients fared.</summary>
public enum DeliveryStatus
{
    /// <summary>The server accepted it (2xx).</summary>
    Accepted,

    /// <summary>It failed for now (4xx, network error, timeout): try again later.</summary>
    TransientFailure,

    /// <summary>It failed for good (5xx): do not try again.</summary>
    PermanentFailure,
}

/// <summary>A server reply: the code, the enhanced status code (RFC 3463) when given, and the text.</summary>
/// <param name="Code">The three-digit reply code, such as 250 or 550.</param>
/// <param name="EnhancedStatus">The enhanced status code, such as <c>5.1.1</c>, or <see langword="null"/>.</param>
/// <param name="Text">The reply text, lines joined with a space.</param>
public sealed record TransportReply(int Code, string? EnhancedStatus, string Text)
{
    /// <inheritdoc/>
    public override string ToString() => EnhancedStatus is null ? $"{Code} {Text}" : $"{Code} {EnhancedStatus} {Text}";
}

/// <summary>The outcome for one recipient.</summary>
/// <param name="Recipient">
/// The recipient: the very <see cref="EmailAddress"/> object of <see cref="OutgoingEmail.Recipients"/> this result answers,
/// not a copy. The dispatcher applies the result to that recipient by this identity; a result naming any other object
/// breaks the transport's contract and counts as a failure for now of the whole message.
/// </param>
/// <param name="Status">Whether it was accepted or failed, for now or for good.</param>
/// <param name="Reply">The server's reply to this recipient, when there was one.</param>
public sealed record RecipientResult(EmailAddress Recipient, DeliveryStatus Status, TransportReply? Reply);

/// <summary>The outcome of sending one message.</summary>
/// <param name="Status">
/// <see cref="DeliveryStatus.Accepted"/> when the message was accepted for at least one recipient (see
/// <see cref="Recipients"/> for the others); otherwise why nothing was accepted.
/// </param>
/// <param name="Reply">The reply that decided the outcome (the reply to the message data, or the failing command).</param>
/// <param name="Recipients">One result per envelope recipient.</param>
/// <param name="Error">A description of a local or network failure, when there was no server reply.</param>
public sealed record SendResult(DeliveryStatus Status, TransportReply? Reply, IReadOnlyList<RecipientResult> Recipients, string? Error = null)
{
    /// <summary>
    /// For a failure for now: the shortest wait before the next try, when the server asked for one (such as a 454
    /// throttling reply); <see langword="null"/> leaves the dispatcher's backoff alone.
    /// </summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>Every recipient accepted with one reply.</summary>
    /// <param name="email">The message that was sent.</param>
    /// <param name="reply">The reply to the message.</param>
    public static SendResult AcceptedForAll(OutgoingEmail email, TransportReply reply)
    {
        var recipients = new RecipientResult[email.Recipients.Count];
        for (var i = 0; i < recipients.Length; i++)
        {
            recipients[i] = new RecipientResult(email.Recipients[i], DeliveryStatus.Accepted, reply);
        }

        return new SendResult(DeliveryStatus.Accepted, reply, recipients);
    }

    /// <summary>Nothing accepted: every recipient gets the same status.</summary>
    /// <param name="email">The message that failed.</param>
    /// <param name="status">A failure status.</param>
    /// <param name="reply">The server reply, if any.</param>
    /// <param name="error">A description of the failure when there was no reply.</param>
    public static SendResult FailedForAll(OutgoingEmail email, DeliveryStatus status, TransportReply? reply, string? error = null)
    {
        if (status == DeliveryStatus.Accepted)
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "A failure needs a failure status.");
        }

        var recipients = new RecipientResult[email.Recipients.Count];
        for (var i = 0; i < recipients.Length; i++)
        {
            recipients[i] = new RecipientResult(email.Recipients[i], status, reply);
        }

        return new SendResult(status, reply, recipients, error);
    }
}
