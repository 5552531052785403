using System;
using System.Collections.Generic;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using MailKit;
using MailKit.Net.Smtp;
using MimeKit;
using TypedMail.Mime;

namespace TypedMail.Smtp;

/// <summary>
/// MailKit's <see cref="SmtpClient"/> that records every reply of a message's envelope instead of throwing at the
/// first refused recipient, so each recipient gets its own outcome. It also asks for delivery status
/// notifications with the outbox id as the envelope id, refuses a message over the server's SIZE before sending
/// it, and knows (through <see cref="SmtpDotTracker"/>) when the end of a message's data went out. One client is one pooled connection: never shared
/// between two sends at once.
/// </summary>
internal sealed class RecordingSmtpClient : SmtpClient
{
    private readonly SmtpOptions _options;
    private readonly SmtpDotTracker _tracker;
    private SmtpReply?[] _recipients = [];
    private int _nextRecipient;
    private Guid _outboxId;

    public RecordingSmtpClient(SmtpOptions options, IProtocolLogger? protocolLogger)
        : this(options, new SmtpDotTracker(protocolLogger))
    {
    }

    private RecordingSmtpClient(SmtpOptions options, SmtpDotTracker tracker)
        : base(tracker)
    {
        _options = options;
        _tracker = tracker;
        RequireTLS = options.RequireTls;
        DeliveryStatusNotificationType = options.DeliveryStatusReturn;
    }

    /// <summary>The socket under the connection, to see whether an idle connection was closed by the server.</summary>
    public Socket? Socket { get; set; }

    /// <summary>How many messages this connection has carried.</summary>
    public int MessagesSent { get; private set; }

    /// <summary>When the connection last went idle (<see cref="Environment.TickCount64"/>).</summary>
    public long LastUsed { get; private set; } = Environment.TickCount64;

    /// <summary>Set when the connection must not be reused: the server said 421, or the session's state is unknown.</summary>
    public bool IsBroken { get; set; }

    /// <summary>The reply to MAIL FROM of the last send, when it was refused.</summary>
    public SmtpReply? RefusedSender { get; private set; }

    /// <summary>The reply to each RCPT TO of the last send, in order; <see langword="null"/> where none came.</summary>
    public IReadOnlyList<SmtpReply?> RecipientReplies => _recipients;

    /// <summary>How many recipients of the last send the server accepted.</summary>
    public int AcceptedRecipients { get; private set; }

    /// <summary>Whether the last send wrote the end of the message's data (the final dot): from then on a lost connection leaves delivery unknown.</summary>
    public bool DotWritten => _tracker.DotWritten;

    /// <summary>
    /// Sends one message to the envelope recipients, recording each reply. Returns the server's final reply text
    /// (often with the provider's queue id).
    /// </summary>
    /// <exception cref="SmtpCommandException">The server refused the sender, every recipient, DATA or the message.</exception>
    /// <exception cref="SmtpMessageTooLargeException">The message is larger than the server's SIZE; nothing was sent.</exception>
    /// <remarks>Also throws what MailKit's <c>SmtpClient.SendAsync</c> throws.</remarks>
    public Task<string> SendAsync(Guid outboxId, MimeMessage message, MailboxAddress sender, IReadOnlyList<MailboxAddress> recipients, CancellationToken cancellationToken)
    {
        RefusedSender = null;
        AcceptedRecipients = 0;
        _tracker.Reset();
        _nextRecipient = 0;
        if (_recipients.Length == recipients.Count)
        {
            Array.Clear(_recipients);
        }
        else
        {
            _recipients = new SmtpReply?[recipients.Count];
        }

        _outboxId = outboxId;
        MessagesSent++;
        return SendAsync(MimeMessageBuilder.WireFormat, message, sender, recipients, cancellationToken);
    }

    /// <summary>Notes that the connection went back to the pool: its idle time starts now.</summary>
    public void MarkIdle() => LastUsed = Environment.TickCount64;

    /// <summary>Whether an idle connection can take another message: open, fresh, under its message cap, and not closed or written to by the server meanwhile.</summary>
    public bool IsReusable()
    {
        if (IsBroken || !IsConnected || MessagesSent >= _options.MaxMessagesPerConnection
            || Environment.TickCount64 - LastUsed >= _options.IdleTimeout.TotalMilliseconds)
        {
            return false;
        }

        try
        {
            // Readable while idle means closed (0 bytes) or an unasked reply such as a 421 timeout notice.
            return Socket is null || !Socket.Poll(0, SelectMode.SelectRead);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    /// <inheritdoc/>
    protected override void OnSenderNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response)
    {
        RefusedSender = new SmtpReply(response);
        base.OnSenderNotAccepted(message, mailbox, response);
    }

    /// <inheritdoc/>
    protected override void OnRecipientAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response)
    {
        AcceptedRecipients++;
        Record(response);
    }

    /// <inheritdoc/>
    /// <remarks>Records the refusal instead of throwing; when no recipient is accepted MailKit ends the transaction itself.</remarks>
    protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) => Record(response);

    /// <inheritdoc/>
    protected override string? GetEnvelopeId(MimeMessage message) => _options.DeliveryStatusNotifications is null ? null : _outboxId.ToString("N");

    /// <inheritdoc/>
    protected override DeliveryStatusNotification? GetDeliveryStatusNotifications(MimeMessage message, MailboxAddress mailbox)
        => _options.DeliveryStatusNotifications;

    /// <inheritdoc/>
    /// <remarks>MailKit measures the message before MAIL FROM; one over the server's SIZE stops here, before anything is sent.</remarks>
    protected override Task<long> GetSizeAsync(FormatOptions options, MimeMessage message, CancellationToken cancellationToken)
    {
        var measuring = base.GetSizeAsync(options, message, cancellationToken);
        return measuring.IsCompletedSuccessfully ? CheckSize(measuring) : CheckSizeAsync(measuring);

        async Task<long> CheckSizeAsync(Task<long> size)
        {
            await size.ConfigureAwait(false);
            return await CheckSize(size).ConfigureAwait(false);
        }
    }

    private Task<long> CheckSize(Task<long> measured)
    {
        var size = measured.Result;
        if ((Capabilities & SmtpCapabilities.Size) != 0 && MaxSize > 0 && size > MaxSize)
        {
            throw new SmtpMessageTooLargeException(size, MaxSize);
        }

        return measured;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Does nothing: <see cref="MimeMessageBuilder"/> prepared the message (7-bit, or 8-bit only where SMTPUTF8 is
    /// needed) and DKIM signed exactly those bytes, so nothing may re-encode it here.
    /// </remarks>
    protected override void Prepare(FormatOptions options, MimeMessage message, EncodingConstraint constraint, int maxLineLength)
    {
    }

    private void Record(SmtpResponse response)
    {
        if (_nextRecipient < _recipients.Length)
        {
            _recipients[_nextRecipient++] = new SmtpReply(response);
        }
    }

}

/// <summary>A reply's code and text as MailKit parsed it.</summary>
internal readonly record struct SmtpReply(int Code, string Text)
{
    public SmtpReply(SmtpResponse response)
        : this((int)response.StatusCode, response.Response)
    {
    }
}

/// <summary>The message is larger than the server takes (its SIZE); it was not sent.</summary>
internal sealed class SmtpMessageTooLargeException(long size, long maxSize)
    : Exception($"The message is {size} bytes and the server accepts at most {maxSize} (SIZE).")
{
}
