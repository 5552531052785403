using System;
using System.Collections.Generic;

namespace TypedMail.Outbox;

/// <summary>Where a queued message stands.</summary>
/// <remarks>
/// <c>Queued → Sending → Sent</c> is the happy path. A transient failure moves <c>Sending → Deferred</c> (due again at
/// <see cref="OutboxMessage.DueAt"/>); a permanent failure, or <see cref="OutboxMessage.AttemptCount"/> reaching the
/// dispatcher's limit, moves it to <c>Failed</c> (dead). A <c>Sending</c> message whose lease expired is claimable again.
/// </remarks>
public enum OutboxMessageState
{
    /// <summary>Waiting to be sent (at or after <see cref="OutboxMessage.DueAt"/>).</summary>
    Queued = 0,

    /// <summary>Claimed by a dispatcher; <see cref="OutboxMessage.LeaseOwner"/> holds it until <see cref="OutboxMessage.LeaseExpiresAt"/>.</summary>
    Sending = 1,

    /// <summary>Accepted by a transport for every recipient that was not rejected, suppressed or given up.</summary>
    Sent = 2,

    /// <summary>Failed for now; will be tried again at <see cref="OutboxMessage.DueAt"/>.</summary>
    Deferred = 3,

    /// <summary>Dead: no recipient accepted it and none will be tried again (rejected, suppressed, or too many attempts). See <see cref="OutboxMessage.LastError"/>.</summary>
    Failed = 4,
}

/// <summary>Whether a recipient is in To, Cc or Bcc.</summary>
public enum RecipientKind
{
    /// <summary>The <c>To</c> header.</summary>
    To = 0,

    /// <summary>The <c>Cc</c> header.</summary>
    Cc = 1,

    /// <summary>Envelope only.</summary>
    Bcc = 2,
}

/// <summary>Where one recipient of a message stands.</summary>
public enum RecipientState
{
    /// <summary>Not yet accepted; included in the next attempt.</summary>
    Pending = 0,

    /// <summary>Accepted by a transport; never sent to again.</summary>
    Accepted = 1,

    /// <summary>Rejected for good (5xx), or still failing after the last attempt; never sent to again.</summary>
    Rejected = 2,

    /// <summary>On the suppression list (<see cref="OutboxSuppression"/>) when the message was dispatched; never sent to.</summary>
    Suppressed = 3,
}

/// <summary>A message in the outbox: its rendered content, its state and its history.</summary>
public sealed class OutboxMessage
{
    /// <summary>
    /// The row's key: a time-ordered GUID (version 7), or, when <see cref="IdempotencyKey"/> is set, a GUID derived from
    /// that key, so a repeated enqueue of the same key yields the same id.
    /// </summary>
    public Guid Id { get; set; }

    /// <summary>
    /// The <c>Message-ID</c> header, without angle brackets: <see cref="Id"/> as 32 hex digits, <c>@</c>, a domain. Fixed
    /// at enqueue, so every retry carries the same one. It has no index of its own: find a message by its Message-ID
    /// through the key it holds (<see cref="KeyOfMessageId"/>).
    /// </summary>
    public string MessageId { get; set; } = "";

    /// <summary>
    /// The caller's key for this logical email (unique). While a message with this key exists, enqueueing the key again
    /// is a no-op. <see langword="null"/> when not given.
    /// </summary>
    public string? IdempotencyKey { get; set; }

    /// <summary>The email type, such as <c>MyApp.WelcomeEmail</c>.</summary>
    public string EmailType { get; set; } = "";

    /// <summary>
    /// The transport route asked for at enqueue (a transport name), or <see langword="null"/> to let the dispatcher's
    /// routing rules choose by <see cref="EmailType"/>.
    /// </summary>
    public string? Transport { get; set; }

    /// <summary>
    /// The email type's category (<see cref="EmailAttribute.Category"/>), such as <c>newsletter</c>; <see langword="null"/>
    /// for transactional mail. A recipient who unsubscribed from the category (<see cref="OutboxUnsubscription"/>) is suppressed.
    /// </summary>
    public string? Category { get; set; }

    /// <summary>
    /// The bounce mailbox whose local part prefixes the VERP envelope sender (<see cref="VerpAddress"/>), or
    /// <see langword="null"/> to use <see cref="From"/> as the envelope sender.
    /// </summary>
    public string? BounceAddress { get; set; }

    /// <summary>
    /// Extra header fields, in order, as a JSON array of <c>[name, value]</c> pairs: the caller's and the email type's,
    /// then the ones TypedMail stamps (<c>X-TypedMail-Id</c>, <c>X-TypedMail-Tags</c>, <c>List-Unsubscribe</c>).
    /// <see langword="null"/> when there are none.
    /// </summary>
    public string? Headers { get; set; }

    /// <summary>The tags, comma-separated (a tag cannot hold a comma), or <see langword="null"/>.</summary>
    public string? Tags { get; set; }

    /// <summary>The caller's metadata as a JSON object of strings, or <see langword="null"/>. Stored, never sent.</summary>
    public string? Metadata { get; set; }

    /// <summary>The current state.</summary>
    public OutboxMessageState State { get; set; }

    /// <summary>Higher is sent first.</summary>
    public int Priority { get; set; }

    /// <summary>When the message was enqueued (UTC); also its <c>Date</c> header.</summary>
    public DateTime CreatedAt { get; set; }

    /// <summary>The earliest time (UTC) it may be sent: the scheduled time (<c>NotBefore</c>), or the next retry.</summary>
    public DateTime DueAt { get; set; }

    /// <summary>The <c>From</c> mailbox as text.</summary>
    public string From { get; set; } = "";

    /// <summary>The <c>Reply-To</c> mailbox as text, or <see langword="null"/>.</summary>
    public string? ReplyTo { get; set; }

    /// <summary>
    /// The culture the email was rendered for (a .NET culture name such as <c>fr-CA</c>), chosen at enqueue; empty for
    /// the invariant culture (the neutral templates).
    /// </summary>
    public string Culture { get; set; } = "";

    /// <summary>The rendered subject.</summary>
    public string Subject { get; set; } = "";

    /// <summary>The rendered HTML body.</summary>
    public string? HtmlBody { get; set; }

    /// <summary>The rendered text body.</summary>
    public string? TextBody { get; set; }

    /// <summary>
    /// How many send attempts were made since the message was enqueued or last requeued: the attempts counted against
    /// <see cref="Dispatch.DispatcherOptions.MaxAttempts"/>. A requeue (<see cref="OutboxMaintenance.RequeueAsync"/>) adds it
    /// to <see cref="AttemptsBefore"/> and sets it back to 0, a fresh attempt budget.
    /// </summary>
    public int AttemptCount { get; set; }

    /// <summary>
    /// How many send attempts were made before the last requeue; 0 for a message never requeued. The attempt log numbers
    /// on from it: an attempt's <see cref="OutboxAttempt.Number"/> is <c>AttemptsBefore + AttemptCount</c>.
    /// </summary>
    public int AttemptsBefore { get; set; }

    /// <summary>The dispatcher holding the claim, while <see cref="State"/> is <see cref="OutboxMessageState.Sending"/>.</summary>
    public string? LeaseOwner { get; set; }

    /// <summary>
    /// Identifies one claim. A dispatcher records its results only if the token is still the one it claimed with, so a
    /// dispatcher whose lease was taken over never overwrites the new owner's work. A concurrency token.
    /// </summary>
    public Guid? LeaseToken { get; set; }

    /// <summary>When the claim lapses (UTC) and another dispatcher may take the message.</summary>
    public DateTime? LeaseExpiresAt { get; set; }

    /// <summary>When it reached <see cref="OutboxMessageState.Sent"/> (UTC).</summary>
    public DateTime? SentAt { get; set; }

    /// <summary>When it reached <see cref="OutboxMessageState.Failed"/> (UTC).</summary>
    public DateTime? FailedAt { get; set; }

    /// <summary>The last failure, for a deferred or failed message, or a sent one that some recipients rejected.</summary>
    public string? LastError { get; set; }

    /// <summary>The recipients, de-duplicated, with per-recipient state.</summary>
    public List<OutboxRecipient> Recipients { get; set; } = [];

    /// <summary>The attachments, in order; their content is in <see cref="OutboxBlob"/>s.</summary>
    public List<OutboxAttachment> Attachments { get; set; } = [];

    /// <summary>Every attempt to send it: the attempt log.</summary>
    public List<OutboxAttempt> Attempts { get; set; } = [];

    /// <summary>
    /// The <see cref="Id"/> of the message whose <see cref="MessageId"/> is <paramref name="messageId"/> (angle brackets
    /// and surrounding spaces allowed): the 32 hex digits before its <c>@</c>. Look the message up by that key, which is
    /// indexed, and compare the whole Message-ID, which is not.
    /// </summary>
    /// <param name="messageId">A Message-ID, such as <c>&lt;0193a5b2c4d87e6f9a0b1c2d3e4f5a6b@example.com&gt;</c>.</param>
    /// <returns>The key, or <see langword="null"/> when <paramref name="messageId"/> is not of the form TypedMail gives (then no outbox message has it).</returns>
    public static Guid? KeyOfMessageId(string messageId)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        var text = messageId.AsSpan().Trim().TrimStart('<').TrimEnd('>');
        var at = text.IndexOf('@');
        return at == 32 && Guid.TryParseExact(text[..at], "N", out var key) ? key : null;
    }
}

/// <summary>One recipient of a queued message, with its own outcome.</summary>
public sealed class OutboxRecipient
{
    /// <summary>The row's key.</summary>
    public long Id { get; set; }

    /// <summary>The message.</summary>
    public Guid OutboxMessageId { get; set; }

    /// <summary>To, Cc or Bcc.</summary>
    public RecipientKind Kind { get; set; }

    /// <summary>The mailbox as text, display name included.</summary>
    public string Address { get; set; } = "";

    /// <summary>Whether it is pending, accepted, rejected or suppressed.</summary>
    public RecipientState State { get; set; }

    /// <summary>The last reply code for this recipient, when a server gave one.</summary>
    public int? ReplyCode { get; set; }

    /// <summary>The last enhanced status code (RFC 3463) for this recipient, when a server gave one.</summary>
    public string? EnhancedStatus { get; set; }

    /// <summary>The last reply text for this recipient, or the local error or reason (such as the suppression).</summary>
    public string? ReplyText { get; set; }
}

/// <summary>How an attempt ended.</summary>
public enum AttemptOutcome
{
    /// <summary>Accepted for every recipient it was sent to.</summary>
    Accepted = 0,

    /// <summary>Accepted for some recipients; others failed, for now or for good.</summary>
    PartiallyAccepted = 1,

    /// <summary>Nothing accepted; failed for now (4xx, network error, timeout).</summary>
    TransientFailure = 2,

    /// <summary>Nothing accepted; failed for good (5xx).</summary>
    PermanentFailure = 3,
}

/// <summary>One attempt to send a message through one transport: a row of the attempt log.</summary>
public sealed class OutboxAttempt
{
    /// <summary>The row's key.</summary>
    public long Id { get; set; }

    /// <summary>The message.</summary>
    public Guid OutboxMessageId { get; set; }

    /// <summary>
    /// 1 for the first attempt, counted over the message's whole life: a requeue does not start it again (it is
    /// <see cref="OutboxMessage.AttemptsBefore"/> plus <see cref="OutboxMessage.AttemptCount"/> as of this attempt). A
    /// fail-over to another transport within one dispatch is a further attempt; so is a send whose lease lapsed.
    /// </summary>
    public int Number { get; set; }

    /// <summary>When it started (UTC).</summary>
    public DateTime StartedAt { get; set; }

    /// <summary>How long it took, in milliseconds.</summary>
    public double DurationMs { get; set; }

    /// <summary>The transport's name.</summary>
    public string Transport { get; set; } = "";

    /// <summary>The dispatcher that made the attempt (its <c>DispatcherId</c>).</summary>
    public string Dispatcher { get; set; } = "";

    /// <summary>How it ended.</summary>
    public AttemptOutcome Outcome { get; set; }

    /// <summary>The reply code that decided the outcome, when a server gave one.</summary>
    public int? ReplyCode { get; set; }

    /// <summary>The enhanced status code (RFC 3463), when the server gave one.</summary>
    public string? EnhancedStatus { get; set; }

    /// <summary>The reply text, when a server gave one.</summary>
    public string? ReplyText { get; set; }

    /// <summary>The local or network error (connection refused, timeout), when there was no reply.</summary>
    public string? Error { get; set; }
}

/// <summary>
/// Attachment content, stored once per distinct content: the key is the SHA-256 of the bytes, so the same file sent
/// to 10,000 recipients is one row here and 10,000 small <see cref="OutboxAttachment"/> rows.
/// </summary>
public sealed class OutboxBlob
{
    /// <summary>The SHA-256 of <see cref="Content"/>, 64 lowercase hex digits. The key.</summary>
    public string Sha256 { get; set; } = "";

    /// <summary>The content's length in bytes.</summary>
    public long Length { get; set; }

    /// <summary>The bytes.</summary>
    public byte[] Content { get; set; } = [];

    /// <summary>When it was first stored (UTC).</summary>
    public DateTime CreatedAt { get; set; }
}

/// <summary>An attachment of one message: its name and type, and a link to its content.</summary>
public sealed class OutboxAttachment
{
    /// <summary>The row's key.</summary>
    public long Id { get; set; }

    /// <summary>The message.</summary>
    public Guid OutboxMessageId { get; set; }

    /// <summary>The attachment's position in the message, from 0.</summary>
    public int Position { get; set; }

    /// <summary>The file name shown to the recipient.</summary>
    public string FileName { get; set; } = "";

    /// <summary>The media type, such as <c>application/pdf</c>.</summary>
    public string ContentType { get; set; } = "";

    /// <summary>For an inline part, the id the HTML refers to as <c>cid:</c>; otherwise <see langword="null"/>.</summary>
    public string? ContentId { get; set; }

    /// <summary>The content's key in <see cref="OutboxBlob"/>.</summary>
    public string BlobSha256 { get; set; } = "";

    /// <summary>The content.</summary>
    public OutboxBlob? Blob { get; set; }
}

/// <summary>
/// An address that is never sent to (hard bounces, complaints, unsubscribes). A dispatcher marks a pending recipient on
/// this list as <see cref="RecipientState.Suppressed"/> and leaves it out of the envelope; a message whose every
/// recipient is suppressed fails with that reason. Nothing is dropped silently.
/// </summary>
public sealed class OutboxSuppression
{
    /// <summary>The addr-spec, lowercased (<c>ada@example.com</c>). The key. See <see cref="Normalize"/>.</summary>
    public string Address { get; set; } = "";

    /// <summary>Why it is suppressed, such as <c>hard bounce</c> or <c>unsubscribed</c>.</summary>
    public string? Reason { get; set; }

    /// <summary>When it was added (UTC).</summary>
    public DateTime CreatedAt { get; set; }

    /// <summary>The form addresses are stored and compared in: the addr-spec (no display name), lowercased invariantly.</summary>
    /// <param name="address">The mailbox.</param>
    public static string Normalize(EmailAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.Address.ToLowerInvariant();
    }
}

/// <summary>
/// A recipient who unsubscribed from one category of mail (such as through one-click unsubscribe): a dispatcher
/// suppresses them for messages of that <see cref="OutboxMessage.Category"/> only. Transactional mail (no category)
/// still reaches them.
/// </summary>
public sealed class OutboxUnsubscription
{
    /// <summary>The addr-spec, lowercased (see <see cref="OutboxSuppression.Normalize"/>). Part of the key.</summary>
    public string Address { get; set; } = "";

    /// <summary>The category, as in <see cref="EmailAttribute.Category"/>. Part of the key.</summary>
    public string Category { get; set; } = "";

    /// <summary>When the recipient unsubscribed (UTC).</summary>
    public DateTime CreatedAt { get; set; }
}

/// <summary>
/// The send schedule of a throttled transport, shared by every dispatcher on the database: the time from which its
/// next messages may go. A dispatcher books a group of messages by moving it forward by the group's share of a second
/// (one statement, so concurrent bookings never overlap) and waits until the slot it booked begins.
/// </summary>
public sealed class OutboxThrottle
{
    /// <summary>The transport's name, as in <see cref="Dispatch.TransportRoutes"/>. The key.</summary>
    public string Transport { get; set; } = "";

    /// <summary>When the next unbooked slot begins, as UTC <see cref="DateTime.Ticks"/> (a number, so both databases can add to it).</summary>
    public long NextSlotTicks { get; set; }
}
