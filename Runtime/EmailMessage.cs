using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using TypedMail.Mime;

namespace TypedMail;

/// <summary>
/// A complete message: headers, bodies and attachments, ready to be written as RFC 5322/MIME.
/// The outbox stores these fields at enqueue time and rebuilds the message when it is sent.
/// </summary>
public sealed class EmailMessage
{
    /// <summary>The <c>From</c> mailbox.</summary>
    public required EmailAddress From { get; init; }

    /// <summary>The <c>To</c> mailboxes.</summary>
    public IReadOnlyList<EmailAddress> To { get; init; } = [];

    /// <summary>The <c>Cc</c> mailboxes.</summary>
    public IReadOnlyList<EmailAddress> Cc { get; init; } = [];

    /// <summary>Blind copies: recipients in the envelope only, never written to the headers.</summary>
    public IReadOnlyList<EmailAddress> Bcc { get; init; } = [];

    /// <summary>The <c>Reply-To</c> mailbox, or <see langword="null"/>.</summary>
    public EmailAddress? ReplyTo { get; init; }

    /// <summary>The subject, unencoded.</summary>
    public required string Subject { get; init; }

    /// <summary>The <c>Date</c> header: when the message was enqueued.</summary>
    public required DateTimeOffset Date { get; init; }

    /// <summary>The <c>Message-ID</c> without angle brackets, <c>id@domain</c>. Stable across retries.</summary>
    public required string MessageId { get; init; }

    /// <summary>The HTML body, or <see langword="null"/>.</summary>
    public string? HtmlBody { get; init; }

    /// <summary>The plain-text body, or <see langword="null"/>.</summary>
    public string? TextBody { get; init; }

    /// <summary>
    /// Attachments, and inline parts (those with a <see cref="EmailAttachment.ContentId"/>) that the HTML body
    /// shows with <c>cid:</c>. Inline parts go with the HTML in <c>multipart/related</c>; without an HTML body they
    /// are attached like the others.
    /// </summary>
    public IReadOnlyList<EmailAttachment> Attachments { get; init; } = [];

    /// <summary>
    /// Extra header fields, in order. Names and values are validated when written: a value with CR or LF, or a
    /// field the message writes itself (<c>From</c>, <c>Subject</c>, <c>Content-*</c>...), is a <see cref="MessageFormatException"/>.
    /// Printable ASCII values are written as they are; others become encoded-words.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>
    /// Writes the message in wire form as MimeKit builds it for sending, without a DKIM signature (RFC 5322/MIME,
    /// CRLF line endings, 7-bit clean unless an address has a non-ASCII local part). The same message always gives
    /// the same bytes.
    /// </summary>
    /// <param name="destination">Where the message is written.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <exception cref="MessageFormatException">A header or body cannot be written as a valid message; nothing was written.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="IOException">Writing to <paramref name="destination"/> failed.</exception>
    public async Task WriteToAsync(Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        using var message = MimeMessageBuilder.Unsigned.Build(this);
        await message.WriteToAsync(MimeMessageBuilder.WireFormat, destination, cancellationToken).ConfigureAwait(false);
    }
}
