using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;
using TypedMail.Mime;
using TypedMail.Transports;

namespace TypedMail.Smtp;

/// <summary>
/// Sends mail through MailKit's <see cref="SmtpClient"/> over a pool of connections: a batch is spread over up to
/// <see cref="SmtpOptions.PoolSize"/> connections sending at once, one client each, and a connection carries up to
/// <see cref="SmtpOptions.MaxMessagesPerConnection"/> messages. Every recipient's reply code and enhanced status
/// code is reported; a delivery failure is a result, never an exception.
/// </summary>
public sealed partial class SmtpTransport : IEmailTransport, IAsyncDisposable
{
    // How often one worker reconnects within a send after its connection failed (421, lost connection, timeout).
    private const int MaxReconnects = 3;

    private readonly SmtpOptions _options;
    private readonly SmtpConnectionPool _pool;
    private readonly MimeMessageBuilder _builder;
    private readonly ILogger _logger;

    /// <summary>Creates the transport, without DKIM signing. Nothing connects until the first send.</summary>
    /// <param name="options">The server and how to reach it; validated here.</param>
    /// <param name="logger">
    /// Logs connection failures and reconnects, and at Trace the SMTP conversation with AUTH payloads redacted
    /// (never a password or token); none when <see langword="null"/>.
    /// </param>
    /// <exception cref="ArgumentException">A setting in <paramref name="options"/> is invalid; the message names it.</exception>
    public SmtpTransport(SmtpOptions options, ILogger<SmtpTransport>? logger = null)
        : this(options, null, logger, openStream: null)
    {
    }

    /// <summary>Creates the transport. Nothing connects until the first send.</summary>
    /// <param name="options">The server and how to reach it; validated here.</param>
    /// <param name="dkim">The DKIM keys messages are signed with, per <c>From</c> domain, or <see langword="null"/> to sign nothing.</param>
    /// <param name="logger">
    /// Logs connection failures and reconnects, and at Trace the SMTP conversation with AUTH payloads redacted
    /// (never a password or token); none when <see langword="null"/>.
    /// </param>
    /// <exception cref="ArgumentException">A setting in <paramref name="options"/> or <paramref name="dkim"/> is invalid; the message names it.</exception>
    public SmtpTransport(SmtpOptions options, DkimOptions? dkim, ILogger<SmtpTransport>? logger)
        : this(options, dkim, logger, openStream: null)
    {
    }

    /// <summary>For tests: connections are opened over the streams <paramref name="openStream"/> gives (a scripted server).</summary>
    internal SmtpTransport(SmtpOptions options, DkimOptions? dkim, ILogger? logger, Func<CancellationToken, ValueTask<Stream>>? openStream)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _builder = new MimeMessageBuilder(dkim);
        _logger = logger ?? NullLogger.Instance;
        _pool = new SmtpConnectionPool(options, new SmtpConnector(options, _logger, openStream).ConnectAsync);
    }

    /// <inheritdoc/>
    public string Name => "smtp";

    /// <inheritdoc/>
    /// <remarks>
    /// A reply of 421, a lost connection or a timeout before the whole message was written puts that message back
    /// for another connection (up to three tries); one lost after its content was written is a transient failure,
    /// as it may have been delivered. A 454 (throttling) is a transient failure with
    /// <see cref="SendResult.RetryAfter"/> set to <see cref="SmtpOptions.ThrottledRetryDelay"/>. Messages that cannot
    /// be built, or that the server cannot take (SMTPUTF8, SIZE), fail for good without being sent. When no
    /// connection can be made, every message fails for now with the reason. When <paramref name="cancellationToken"/>
    /// is cancelled the send stops and returns what it has: the results of messages the server already answered, and
    /// a failure for now for the rest.
    /// </remarks>
    public async Task<IReadOnlyList<SendResult>> SendAsync(IReadOnlyList<OutgoingEmail> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
        {
            return [];
        }

        var queue = new SmtpSendQueue(batch);
        var workers = new Task<string?>[Math.Min(_options.PoolSize, batch.Count)];
        for (var i = 0; i < workers.Length; i++)
        {
            workers[i] = WorkAsync(queue, cancellationToken);
        }

        try
        {
            var errors = await Task.WhenAll(workers).ConfigureAwait(false);
            return queue.Finish(Array.Find(errors, e => e is not null));
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // Every worker has stopped (cancelled, or failed by the cancellation closing its connection). Keep what the server already answered, so an accepted message is recorded as
            // sent and not sent again; the message on the wire and those not started fail for now.
            return queue.Finish(Cancelled);
        }
    }

    /// <summary>The error of the messages a cancelled send did not finish.</summary>
    internal const string Cancelled = "The send was cancelled (timed out) before the server's reply to this message; it may have been delivered.";

    /// <summary>Opens a connection (TCP, TLS, EHLO, AUTH) to check the settings, and keeps it for the next send.</summary>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <exception cref="SocketException">The server cannot be reached.</exception>
    /// <exception cref="TimeoutException">The handshake took longer than <see cref="SmtpOptions.ConnectTimeout"/>.</exception>
    /// <exception cref="SslHandshakeException">TLS failed, for example because the server's certificate is not trusted.</exception>
    /// <exception cref="System.Security.Authentication.AuthenticationException">TLS is required but not offered, credentials cannot be sent safely, or AUTH is not offered.</exception>
    /// <exception cref="MailKit.Security.AuthenticationException">The server refused the credentials or the access token (535).</exception>
    /// <exception cref="SmtpCommandException">The server refused the greeting, EHLO or STARTTLS.</exception>
    /// <exception cref="SmtpProtocolException">The server broke the protocol or closed the connection.</exception>
    /// <exception cref="IOException">The connection failed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The transport was disposed.</exception>
    public async Task VerifyConnectionAsync(CancellationToken cancellationToken)
    {
        var client = await _pool.RentAsync(cancellationToken).ConfigureAwait(false);
        await _pool.ReturnAsync(client).ConfigureAwait(false);
    }

    /// <summary>Closes the idle connections with QUIT.</summary>
    public ValueTask DisposeAsync() => _pool.DisposeAsync();

    /// <summary>One connection's share of a send; returns why it stopped early, or <see langword="null"/>.</summary>
    private async Task<string?> WorkAsync(SmtpSendQueue queue, CancellationToken cancellationToken)
    {
        await Task.Yield();
        string? error = null;
        var reconnects = 0;
        while (queue.HasWork)
        {
            RecordingSmtpClient client;
            try
            {
                client = await _pool.RentAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                cancellationToken.ThrowIfCancellationRequested();
                throw;
            }
            catch (Exception ex)
            {
                // Any failure to connect, TLS, AUTH or to get a token: the messages wait for the next send.
                LogConnectFailed(_logger, _options.Host, _options.EffectivePort, ex);
                return $"Could not connect to {_options.Host}:{_options.EffectivePort}: {Describe(ex)}";
            }

            try
            {
                while (!client.IsBroken && client.MessagesSent < _options.MaxMessagesPerConnection && queue.TryTake(out var index))
                {
                    await SendOneAsync(client, queue, index, cancellationToken).ConfigureAwait(false);
                }

                if (client.IsBroken && queue.HasWork)
                {
                    error = queue.LastConnectionError;
                    if (++reconnects > MaxReconnects)
                    {
                        LogGaveUp(_logger, _options.Host, _options.EffectivePort, reconnects - 1, error);
                        return error;
                    }

                    LogReconnecting(_logger, _options.Host, _options.EffectivePort, error);
                }
            }
            finally
            {
                await _pool.ReturnAsync(client).ConfigureAwait(false);
            }
        }

        return error;
    }

    /// <summary>Sends one message on <paramref name="client"/> and records its result, or puts it back when the connection failed before it was written.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendOneAsync(RecordingSmtpClient client, SmtpSendQueue queue, int index, CancellationToken cancellationToken)
    {
        var email = queue.Batch[index];
        var unsendable = Unsendable(client, email, NeedsSmtpUtf8(email));
        if (unsendable is not null)
        {
            queue.Complete(index, unsendable);
            return;
        }

        MimeMessage message;
        try
        {
            message = _builder.Build(email.Message);
        }
        catch (MessageFormatException ex)
        {
            queue.Complete(index, SendResult.FailedForAll(email, DeliveryStatus.PermanentFailure, null, ex.Message));
            return;
        }

        using var built = message;
        var recipients = new MailboxAddress[email.Recipients.Count];
        for (var i = 0; i < recipients.Length; i++)
        {
            recipients[i] = MimeMessageBuilder.Mailbox(email.Recipients[i]);
        }

        try
        {
            var text = await client.SendAsync(email.OutboxId, message, MimeMessageBuilder.Mailbox(email.MailFrom), recipients, cancellationToken).ConfigureAwait(false);
            queue.Complete(index, SmtpResults.Completed(email, client, SmtpResults.Reply(250, text), _options));
        }
        catch (SmtpMessageTooLargeException ex)
        {
            queue.Complete(index, SendResult.FailedForAll(email, DeliveryStatus.PermanentFailure, null, ex.Message));
        }
        catch (SmtpCommandException ex) when (!cancellationToken.IsCancellationRequested && !SmtpResults.ServerClosing(client, ex))
        {
            // A reply read after the send was cancelled is not trusted: a cancelled pipelined envelope was seen answered
            // with 503 (bad sequence), which is no verdict on the message. The cancellation path fails it for now instead.
            queue.Complete(index, SmtpResults.Refused(email, client, ex, _options));
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // A 421, a lost connection, a timeout, or anything else that leaves the session's state unknown: this connection is done.
            client.IsBroken = true;
            var error = $"The connection to {_options.Host}:{_options.EffectivePort} failed: {Describe(ex)}";
            if (client.DotWritten)
            {
                queue.Complete(index, SendResult.FailedForAll(email, DeliveryStatus.TransientFailure, null,
                    "The connection failed after the message was sent and before the server confirmed it, so it may have been delivered: " + error));
            }
            else
            {
                queue.Retry(index, error);
            }

            queue.LastConnectionError = error;
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // Cancelled mid-send: MailKit may report it as a closed connection; the caller sees the cancellation.
            client.IsBroken = true;
            cancellationToken.ThrowIfCancellationRequested();
            throw;
        }
    }

    /// <summary>A result for a message the server cannot take as it is, or <see langword="null"/> when it can be sent.</summary>
    private SendResult? Unsendable(RecordingSmtpClient client, OutgoingEmail email, bool international)
    {
        string? error = null;
        var status = DeliveryStatus.PermanentFailure;
        if (email.Recipients.Count == 0)
        {
            error = "The message has no envelope recipients.";
        }
        else if (international && (client.Capabilities & SmtpCapabilities.UTF8) == 0)
        {
            error = $"An address has a non-ASCII local part, which needs SMTPUTF8 (RFC 6531), and {_options.Host}:{_options.EffectivePort} does not offer it.";
        }
        else if (_options.RequireTls && (client.Capabilities & SmtpCapabilities.RequireTLS) == 0)
        {
            // Another transport, or this server later, may offer it.
            status = DeliveryStatus.TransientFailure;
            error = $"SmtpOptions.RequireTls is set, but {_options.Host}:{_options.EffectivePort} does not offer REQUIRETLS (RFC 8689): the message was not sent.";
        }

        return error is null ? null : SendResult.FailedForAll(email, status, null, error);
    }

    private static bool NeedsSmtpUtf8(OutgoingEmail email)
    {
        if (email.MailFrom.RequiresSmtpUtf8 || MimeMessageBuilder.RequiresSmtpUtf8(email.Message))
        {
            return true;
        }

        foreach (var address in email.Recipients)
        {
            if (address.RequiresSmtpUtf8)
            {
                return true;
            }
        }

        return false;
    }

    private string Describe(Exception ex) => ex switch
    {
        TimeoutException => $"the server did not answer within SmtpOptions.CommandTimeout ({_options.CommandTimeout}) or SmtpOptions.ConnectTimeout ({_options.ConnectTimeout}): {ex.Message}",
        SmtpCommandException command => $"the server answered {(int)command.StatusCode} {command.Message}",
        _ => ex.Message,
    };

    [LoggerMessage(1, LogLevel.Warning, "Could not connect to the SMTP server {Host}:{Port}.")]
    private static partial void LogConnectFailed(ILogger logger, string host, int port, Exception exception);

    [LoggerMessage(2, LogLevel.Information, "The connection to the SMTP server {Host}:{Port} failed ({Error}); reconnecting.")]
    private static partial void LogReconnecting(ILogger logger, string host, int port, string? error);

    [LoggerMessage(3, LogLevel.Warning, "The connection to the SMTP server {Host}:{Port} failed again after {Reconnects} reconnects ({Error}); giving up for this batch.")]
    private static partial void LogGaveUp(ILogger logger, string host, int port, int reconnects, string? error);
}
