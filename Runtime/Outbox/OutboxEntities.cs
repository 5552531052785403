using System;
using System.Collections.Generic;

namespace TypedMail.Outbox;

/// <summary>Where a queued message stands.</summary>
public enum OutboxMessageState
{
    /// <summary>Waiting to be sent (at or after <see cref="OutboxMessage.DueAt"/>).</summary>
    Queued = 0,

    /// <summary>Claimed by a dispatcher whose lease has not expired.</summary>
    Sending = 1,

    /// <summary>Accepted by the transport for every recipient that was not rejected for good.</summary>
    Sent = 2,

    /// <summary>Failed for now; will be tried again at <see cref="OutboxMessage.DueAt"/>.</summary>
    Deferred = 3,

    /// <summary>Failed for good (a permanent rejection, or too many attempts); see <see cref="OutboxMessage.LastError"/>.</summary>
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
    /// <summary>Not yet accepted.</summary>
    Pending = 0,

    /// <summary>Accepted by the transport; never sent to again.</summary>
    Accepted = 1,

    /// <summary>Rejected for good; never sent to again.</summary>
    Rejected = 2,
}

/// <summary>A message in the outbox: its rendered content, its state and its history.</summary>
public sealed class OutboxMessage
{
    /// <summary>The row's key (a time-ordered GUID).</summary>
    public Guid Id { get; set; }

    /// <summary>The <c>Message-ID</c> header, without angle brackets. Fixed at enqueue, so every retry carries the same one.</summary>
    public string MessageId { get; set; } = "";

    /// <summary>The email type, such as <c>MyApp.WelcomeEmail</c>.</summary>
    public string EmailType { get; set; } = "";

    /// <summary>The current state.</summary>
    public OutboxMessageState State { get; set; }

    /// <summary>Higher is sent first.</summary>
    public int Priority { get; set; }

    /// <summary>When the message was enqueued (UTC); also its <c>Date</c> header.</summary>
    public DateTime CreatedAt { get; set; }

    /// <summary>The earliest time (UTC) it may be sent: the scheduled time, or the next retry.</summary>
    public DateTime DueAt { get; set; }

    /// <summary>The <c>From</c> mailbox as text.</summary>
    public string From { get; set; } = "";

    /// <summary>The <c>Reply-To</c> mailbox as text, or <see langword="null"/>.</summary>
    public string? ReplyTo { get; set; }

    /// <summary>The rendered subject.</summary>
    public string Subject { get; set; } = "";

    /// <summary>The rendered HTML body.</summary>
    public string? HtmlBody { get; set; }

    /// <summary>The rendered text body.</summary>
    public string? TextBody { get; set; }

    /// <summary>How many send attempts were made.</summary>
    public int AttemptCount { get; set; }

    /// <summary>The dispatcher holding the claim, while <see cref="State"/> is <see cref="OutboxMessageState.Sending"/>.</summary>
    public string? LeaseOwner { get; set; }

    /// <summary>When the claim lapses (UTC) and another dispatcher may take the message.</summary>
    public DateTime? LeaseExpiresAt { get; set; }

    /// <summary>When the transport accepted it (UTC).</summary>
    public DateTime? SentAt { get; set; }

    /// <summary>The last failure, for a deferred or failed message.</summary>
    public string? LastError { get; set; }

    /// <summary>The recipients, with per-recipient state.</summary>
    public List<OutboxRecipient> Recipients { get; set; } = [];

    /// <summary>Every attempt to send it.</summary>
    public List<OutboxAttempt> Attempts { get; set; } = [];
}

/// <summary>One recipient of a queued message.</summary>
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

    /// <summary>Whether it has been accepted or rejected.</summary>
    public RecipientState State { get; set; }

    /// <summary>The last server reply for this recipient.</summary>
    public string? LastReply { get; set; }
}

/// <summary>How an attempt ended.</summary>
public enum AttemptOutcome
{
    /// <summary>Accepted for every remaining recipient.</summary>
    Accepted = 0,

    /// <summary>Accepted for some recipients, rejected for others.</summary>
    PartiallyAccepted = 1,

    /// <summary>Failed for now.</summary>
    TransientFailure = 2,

    /// <summary>Failed for good.</summary>
    PermanentFailure = 3,
}

/// <summary>One attempt to send a message: the attempt log.</summary>
public sealed class OutboxAttempt
{
    /// <summary>The row's key.</summary>
    public long Id { get; set; }

    /// <summary>The message.</summary>
    public Guid OutboxMessageId { get; set; }

    /// <summary>1 for the first attempt.</summary>
    public int Number { get; set; }

    /// <summary>When it started (UTC).</summary>
    public DateTime StartedAt { get; set; }

    /// <summary>How long it took, in milliseconds.</summary>
    public double DurationMs { get; set; }

    /// <summary>The transport's name.</summary>
    public string Transport { get; set; } = "";

    /// <summary>How it ended.</summary>
    public AttemptOutcome Outcome { get; set; }

    /// <summary>The reply code, when the server gave one.</summary>
    public int? ReplyCode { get; set; }

    /// <summary>The enhanced status code (RFC 3463), when the server gave one.</summary>
    public string? EnhancedStatus { get; set; }

    /// <summary>The reply text, or the local error.</summary>
    public string? Detail { get; set; }
}
