using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TypedMail.Transports;

namespace TypedMail.Smtp;

/// <summary>
/// Sends mail to an SMTP server (RFC 5321) over a pool of connections: each message's envelope and content
/// are pipelined when the server offers PIPELINING, one connection carries many messages, and a batch is
/// spread over up to <see cref="SmtpOptions.PoolSize"/> connections. Every recipient's reply code and enhanced
/// status code is reported; a delivery failure is a result, never an exception.
/// </summary>
public sealed partial class SmtpTransport : IEmailTransport, IAsyncDisposable
{
    // How often one worker reconnects within a send after its connection failed (421, lost connection).
    private const int MaxReconnects = 3;

    private readonly SmtpOptions _options;
    private readonly SmtpConnectionPool _pool;
    private readonly ILogger _logger;

    /// <summary>Creates the transport. Nothing connects until the first send.</summary>
    /// <param name="options">The server and how to reach it; validated here.</param>
    /// <param name="logger">Logs connection failures and reconnects (never a credential); none when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">A setting in <paramref name="options"/> is invalid; the message names it.</exception>
    public SmtpTransport(SmtpOptions options, ILogger<SmtpTransport>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _pool = new SmtpConnectionPool(options, ct => SmtpConnection.ConnectAsync(_options, ct));
    }

    /// <inheritdoc/>
    public string Name => "smtp";

    /// <inheritdoc/>
    /// <remarks>
    /// A reply of 421, a lost connection or a timeout before the end of a message's data puts that message back
    /// for another connection (up to three tries); one lost after its data was sent is a transient failure, as
    /// its delivery is unknown. Messages that cannot be written, or that the server cannot take (SMTPUTF8, SIZE),
    /// fail for good without being sent. When no connection can be made, every message fails for now with the reason.
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

        var errors = await Task.WhenAll(workers).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return queue.Finish(Array.Find(errors, e => e is not null));
    }

    /// <summary>Opens a connection (TCP, TLS, EHLO, AUTH) to check the settings, and keeps it for the next send.</summary>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <exception cref="SocketException">The server cannot be reached.</exception>
    /// <exception cref="TimeoutException">The handshake took longer than <see cref="SmtpOptions.ConnectTimeout"/>.</exception>
    /// <exception cref="SmtpCommandException">The server refused the greeting, EHLO, STARTTLS or AUTH (535: wrong credentials).</exception>
    /// <exception cref="SmtpProtocolException">The server broke the protocol.</exception>
    /// <exception cref="AuthenticationException">TLS is required but not offered, the certificate is not trusted, or credentials cannot be sent safely.</exception>
    /// <exception cref="IOException">The connection failed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The transport was disposed.</exception>
    public async Task VerifyConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = await _pool.RentAsync(cancellationToken).ConfigureAwait(false);
        await _pool.ReturnAsync(connection).ConfigureAwait(false);
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
            SmtpConnection connection;
            try
            {
                connection = await _pool.RentAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                LogConnectFailed(_logger, _options.Host, _options.EffectivePort, ex);
                return $"Could not connect to {_options.Host}:{_options.EffectivePort}: {ex.Message}";
            }

            try
            {
                await connection.RunAsync(queue, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                error = $"The connection to {_options.Host}:{_options.EffectivePort} failed: {ex.Message}";
                if (++reconnects > MaxReconnects)
                {
                    LogGaveUp(_logger, _options.Host, _options.EffectivePort, reconnects - 1, ex);
                    return error;
                }

                LogReconnecting(_logger, _options.Host, _options.EffectivePort, ex);
            }
            finally
            {
                await _pool.ReturnAsync(connection).ConfigureAwait(false);
            }
        }

        return error;
    }

    [LoggerMessage(1, LogLevel.Warning, "Could not connect to the SMTP server {Host}:{Port}.")]
    private static partial void LogConnectFailed(ILogger logger, string host, int port, Exception exception);

    [LoggerMessage(2, LogLevel.Information, "The connection to the SMTP server {Host}:{Port} failed; reconnecting.")]
    private static partial void LogReconnecting(ILogger logger, string host, int port, Exception exception);

    [LoggerMessage(3, LogLevel.Warning, "The connection to the SMTP server {Host}:{Port} failed again after {Reconnects} reconnects; giving up for this batch.")]
    private static partial void LogGaveUp(ILogger logger, string host, int port, int reconnects, Exception exception);
}
