using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;

namespace TypedMail.Smtp;

/// <summary>
/// Opens one connection: TCP (Nagle off), TLS as <see cref="SmtpOptions.TlsMode"/> says with the certificate
/// validated, then AUTH with the password or an OAuth 2.0 token, asking the token provider again once when the
/// server refuses a token. The whole handshake is bounded by <see cref="SmtpOptions.ConnectTimeout"/>.
/// </summary>
internal sealed partial class SmtpConnector(SmtpOptions options, ILogger logger, Func<CancellationToken, ValueTask<Stream>>? openStream = null)
{
    private string Endpoint => $"{options.Host}:{options.EffectivePort}";

    /// <summary>A connected, secured and authenticated client.</summary>
    /// <exception cref="SocketException">The server cannot be reached.</exception>
    /// <exception cref="TimeoutException">The handshake took longer than <see cref="SmtpOptions.ConnectTimeout"/>.</exception>
    /// <exception cref="SslHandshakeException">TLS failed, for example because the certificate is not trusted.</exception>
    /// <exception cref="System.Security.Authentication.AuthenticationException">TLS is required but not offered, or credentials cannot be sent safely, or AUTH is not offered.</exception>
    /// <exception cref="MailKit.Security.AuthenticationException">The server refused the credentials or the token.</exception>
    /// <exception cref="SmtpCommandException">The server refused the greeting, EHLO or STARTTLS.</exception>
    /// <exception cref="SmtpProtocolException">The server broke the protocol or closed the connection.</exception>
    /// <exception cref="IOException">The connection failed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<RecordingSmtpClient> ConnectAsync(CancellationToken cancellationToken)
    {
        var client = new RecordingSmtpClient(options, logger.IsEnabled(LogLevel.Trace) ? new SmtpProtocolLogger(logger) : null)
        {
            Timeout = (int)options.CommandTimeout.TotalMilliseconds,
            ServerCertificateValidationCallback = options.ServerCertificateValidation,
        };
        if (options.ClientName is not null)
        {
            client.LocalDomain = options.ClientName;
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.ConnectTimeout);
            try
            {
                await HandshakeAsync(client, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"Connecting to the SMTP server {Endpoint} took longer than SmtpOptions.ConnectTimeout ({options.ConnectTimeout}).");
            }

            return client;
        }
        catch
        {
            client.Socket?.Dispose();
            client.Dispose();
            throw;
        }
    }

    private async Task HandshakeAsync(RecordingSmtpClient client, CancellationToken token)
    {
        // Required STARTTLS is asked for as "when available" and then checked, so the refusal names the setting.
        var secure = options.TlsMode switch
        {
            SmtpTlsMode.None => SecureSocketOptions.None,
            SmtpTlsMode.Implicit => SecureSocketOptions.SslOnConnect,
            _ => SecureSocketOptions.StartTlsWhenAvailable,
        };
        if (openStream is not null)
        {
            var stream = await openStream(token).ConfigureAwait(false);
            await client.ConnectAsync(stream, options.Host, options.EffectivePort, secure, token).ConfigureAwait(false);
        }
        else
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            client.Socket = socket;
            await socket.ConnectAsync(options.Host, options.EffectivePort, token).ConfigureAwait(false);
            await client.ConnectAsync(socket, options.Host, options.EffectivePort, secure, token).ConfigureAwait(false);
        }

        if (options.TlsMode == SmtpTlsMode.StartTls && !client.IsSecure)
        {
            throw new System.Security.Authentication.AuthenticationException(
                $"SmtpOptions.TlsMode is StartTls, but {Endpoint} does not offer STARTTLS: refusing to continue without TLS.");
        }

        if (options.UserName is { } user)
        {
            await AuthenticateAsync(client, user, token).ConfigureAwait(false);
        }
    }

    private async Task AuthenticateAsync(RecordingSmtpClient client, string user, CancellationToken token)
    {
        if (!client.IsSecure && !options.AllowAuthenticationWithoutTls)
        {
            throw new System.Security.Authentication.AuthenticationException(
                $"SmtpOptions.UserName is set, but the connection to {Endpoint} is not encrypted (SmtpOptions.TlsMode is {options.TlsMode}); "
                + "credentials are sent only over TLS unless SmtpOptions.AllowAuthenticationWithoutTls is set.");
        }

        if ((client.Capabilities & SmtpCapabilities.Authentication) == 0)
        {
            throw new System.Security.Authentication.AuthenticationException($"SmtpOptions.UserName is set, but {Endpoint} does not offer AUTH.");
        }

        if (options.AccessTokenProvider is not { } provider)
        {
            await client.AuthenticateAsync(new NetworkCredential(user, options.Password), token).ConfigureAwait(false);
            return;
        }

        var token1 = await provider.GetAccessTokenAsync(user, forceRefresh: false, token).ConfigureAwait(false);
        try
        {
            await client.AuthenticateAsync(OAuthMechanism(client, user, token1), token).ConfigureAwait(false);
        }
        catch (MailKit.Security.AuthenticationException)
        {
            // Usually an expired or revoked token: one more try with a fresh one.
            LogTokenRefused(logger, Endpoint, user);
            var token2 = await provider.GetAccessTokenAsync(user, forceRefresh: true, token).ConfigureAwait(false);
            await client.AuthenticateAsync(OAuthMechanism(client, user, token2), token).ConfigureAwait(false);
        }
    }

    private SaslMechanism OAuthMechanism(RecordingSmtpClient client, string user, string accessToken)
    {
        if (client.AuthenticationMechanisms.Contains("XOAUTH2"))
        {
            return new SaslMechanismOAuth2(user, accessToken);
        }

        if (client.AuthenticationMechanisms.Contains("OAUTHBEARER"))
        {
            return new SaslMechanismOAuthBearer(user, accessToken);
        }

        throw new System.Security.Authentication.AuthenticationException(
            $"SmtpOptions.AccessTokenProvider is set, but {Endpoint} offers neither XOAUTH2 nor OAUTHBEARER (it offers {string.Join(", ", client.AuthenticationMechanisms)}).");
    }

    [LoggerMessage(4, LogLevel.Information, "The SMTP server {Endpoint} refused the access token for {UserName}; asking the token provider for a fresh one.")]
    private static partial void LogTokenRefused(ILogger logger, string endpoint, string userName);
}
