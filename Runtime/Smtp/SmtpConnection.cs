using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace TypedMail.Smtp;

/// <summary>
/// One SMTP session (RFC 5321): greeting, EHLO (HELO as a fallback), STARTTLS or implicit TLS, AUTH, then any
/// number of messages. With PIPELINING (RFC 2920) a message's MAIL, RCPT and DATA go in one write, and its
/// content shares a write with the next message's envelope, so a message costs one round trip. Every reply is
/// checked in order. After any exception the connection is broken and must be disposed.
/// </summary>
internal sealed partial class SmtpConnection : IAsyncDisposable
{
    private const int ScratchSize = 8 * 1024;

    private readonly SmtpStream _stream;
    private readonly SmtpOptions _options;
    private readonly string _clientName;
    private readonly byte[] _scratch = new byte[ScratchSize];
    private readonly SmtpDotStuffer _stuffer = new();
    private readonly List<SmtpTransaction> _inFlight = new(2);
    private CancellationTokenSource? _timeouts;
    private string _step = "connect";
    private bool _needsReset;

    private SmtpConnection(SmtpStream stream, SmtpOptions options, string clientName)
    {
        _stream = stream;
        _options = options;
        _clientName = clientName;
        Endpoint = $"{options.Host}:{options.EffectivePort}";
    }

    /// <summary>What the server offered in its last EHLO.</summary>
    public SmtpCapabilities Capabilities { get; private set; } = SmtpCapabilities.None;

    /// <summary><c>host:port</c>, for messages.</summary>
    public string Endpoint { get; }

    /// <summary>Whether TLS is on.</summary>
    public bool IsEncrypted => _stream.IsEncrypted;

    /// <summary>Set by any failure: the session's state is unknown and the connection must not be reused.</summary>
    public bool IsBroken { get; private set; }

    /// <summary>When the connection last finished sending (<see cref="Environment.TickCount64"/>).</summary>
    public long LastUsed { get; private set; } = Environment.TickCount64;

    /// <summary>Connects over TCP (Nagle off) and runs the handshake.</summary>
    /// <exception cref="SocketException">The server cannot be reached.</exception>
    /// <exception cref="TimeoutException">The handshake took longer than <see cref="SmtpOptions.ConnectTimeout"/>.</exception>
    /// <exception cref="SmtpCommandException">The server refused the greeting, EHLO, STARTTLS or AUTH.</exception>
    /// <exception cref="SmtpProtocolException">The server broke the protocol.</exception>
    /// <exception cref="AuthenticationException">TLS is required but not offered, the certificate is not trusted, or credentials cannot be sent safely.</exception>
    /// <exception cref="IOException">The connection failed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<SmtpConnection> ConnectAsync(SmtpOptions options, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(options.ConnectTimeout);
                try
                {
                    await socket.ConnectAsync(options.Host, options.EffectivePort, timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException($"Connecting to {options.Host}:{options.EffectivePort} took longer than {options.ConnectTimeout}.");
                }
            }

            var clientName = options.ClientName ?? AddressLiteral(socket.LocalEndPoint);
            return await OpenAsync(new NetworkStream(socket, ownsSocket: true), socket, options, clientName, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Runs the handshake over a connected stream (a socket's, or a scripted one in tests).</summary>
    /// <exception cref="TimeoutException">The handshake took longer than <see cref="SmtpOptions.ConnectTimeout"/>.</exception>
    /// <exception cref="SmtpCommandException">The server refused the greeting, EHLO, STARTTLS or AUTH.</exception>
    /// <exception cref="SmtpProtocolException">The server broke the protocol.</exception>
    /// <exception cref="AuthenticationException">TLS is required but not offered, the certificate is not trusted, or credentials cannot be sent safely.</exception>
    /// <exception cref="IOException">The connection failed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    internal static async Task<SmtpConnection> OpenAsync(Stream stream, Socket? socket, SmtpOptions options, string clientName, CancellationToken cancellationToken)
    {
        var connection = new SmtpConnection(new SmtpStream(stream, socket), options, clientName);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.ConnectTimeout);
            try
            {
                await connection.HandshakeAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"The SMTP server {connection.Endpoint} did not complete the {connection._step} within {options.ConnectTimeout}.");
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Says QUIT and waits briefly for the reply; never throws for a failure of the server.</summary>
    public async Task QuitAsync(CancellationToken cancellationToken)
    {
        if (IsBroken)
        {
            return;
        }

        IsBroken = true;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(Math.Min(5, _options.CommandTimeout.TotalSeconds)));
        try
        {
            _stream.WriteLine("QUIT");
            await _stream.FlushAsync(timeout.Token).ConfigureAwait(false);
            await _stream.ReadResponseAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SmtpProtocolException or OperationCanceledException or ObjectDisposedException)
        {
            // The connection is being closed anyway.
        }
    }

    /// <summary>Whether an idle connection can take another send.</summary>
    public bool IsReusable(TimeSpan idleTimeout)
        => !IsBroken && Environment.TickCount64 - LastUsed < idleTimeout.TotalMilliseconds && _stream.IsIdleAndOpen;

    public async ValueTask DisposeAsync()
    {
        IsBroken = true;
        ReleaseInFlight();
        await _stream.DisposeAsync().ConfigureAwait(false);
    }

    private async Task HandshakeAsync(CancellationToken token)
    {
        if (_options.TlsMode == SmtpTlsMode.Implicit)
        {
            _step = "TLS handshake";
            await _stream.StartTlsAsync(TlsOptions(), token).ConfigureAwait(false);
        }

        _step = "greeting";
        var greeting = await _stream.ReadResponseAsync(token).ConfigureAwait(false);
        if (greeting.Code != SmtpStatusCode.ServiceReady)
        {
            throw new SmtpCommandException("the connection (greeting)", greeting.Reply);
        }

        await HelloAsync(token).ConfigureAwait(false);
        if (_options.TlsMode is SmtpTlsMode.StartTls or SmtpTlsMode.StartTlsWhenAvailable)
        {
            if (Capabilities.StartTls)
            {
                var ready = await CommandAsync("STARTTLS", "STARTTLS", token).ConfigureAwait(false);
                if (ready.Code != SmtpStatusCode.ServiceReady)
                {
                    throw new SmtpCommandException("STARTTLS", ready.Reply);
                }

                _step = "TLS handshake";
                await _stream.StartTlsAsync(TlsOptions(), token).ConfigureAwait(false);
                await HelloAsync(token).ConfigureAwait(false);
            }
            else if (_options.TlsMode == SmtpTlsMode.StartTls)
            {
                throw new AuthenticationException(
                    $"SmtpOptions.TlsMode is StartTls, but {Endpoint} does not offer STARTTLS: refusing to continue without TLS.");
            }
        }

        if (_options.UserName is not null)
        {
            await AuthenticateAsync(_options.UserName, _options.Password!, token).ConfigureAwait(false);
        }
    }

    private async Task HelloAsync(CancellationToken token)
    {
        var ehlo = await CommandAsync("EHLO " + _clientName, "EHLO", token).ConfigureAwait(false);
        if (ehlo.Class == 2)
        {
            Capabilities = SmtpCapabilities.Parse(ehlo);
            return;
        }

        if (ehlo.Class != 5)
        {
            throw new SmtpCommandException("EHLO", ehlo.Reply);
        }

        // An old server without ESMTP (RFC 5321 3.2): HELO, and no extensions.
        var helo = await CommandAsync("HELO " + _clientName, "HELO", token).ConfigureAwait(false);
        if (helo.Class != 2)
        {
            throw new SmtpCommandException("HELO", helo.Reply);
        }

        Capabilities = SmtpCapabilities.None;
    }

    private async Task AuthenticateAsync(string user, string password, CancellationToken token)
    {
        if (!_stream.IsEncrypted && !_options.AllowAuthenticationWithoutTls)
        {
            throw new AuthenticationException(
                $"SmtpOptions.UserName is set, but the connection to {Endpoint} is not encrypted (SmtpOptions.TlsMode is {_options.TlsMode}); "
                + "credentials are sent only over TLS unless SmtpOptions.AllowAuthenticationWithoutTls is set.");
        }

        if (!Capabilities.Auth)
        {
            throw new AuthenticationException($"SmtpOptions.UserName is set, but {Endpoint} does not offer AUTH.");
        }

        // The commands carry the credentials: the names given for errors never include the arguments.
        if (Capabilities.AuthPlain)
        {
            var plain = await CommandAsync("AUTH PLAIN " + Base64("\0" + user + "\0" + password), "AUTH PLAIN", token).ConfigureAwait(false);
            ExpectPositive(plain, "AUTH PLAIN");
        }
        else if (Capabilities.AuthLogin)
        {
            ExpectChallenge(await CommandAsync("AUTH LOGIN", "AUTH LOGIN", token).ConfigureAwait(false));
            ExpectChallenge(await CommandAsync(Base64(user), "AUTH LOGIN (user name)", token).ConfigureAwait(false));
            ExpectPositive(await CommandAsync(Base64(password), "AUTH LOGIN (password)", token).ConfigureAwait(false), "AUTH LOGIN");
        }
        else
        {
            throw new AuthenticationException($"{Endpoint} offers none of the AUTH mechanisms this client supports (PLAIN, LOGIN).");
        }

        static void ExpectChallenge(SmtpResponse reply)
        {
            if (reply.Code != SmtpStatusCode.AuthenticationChallenge)
            {
                throw new SmtpCommandException("AUTH LOGIN", reply.Reply);
            }
        }

        static void ExpectPositive(SmtpResponse reply, string command)
        {
            // 235 by the RFC; postfix's smtp-sink answers 250.
            if (reply.Class != 2)
            {
                throw new SmtpCommandException(command, reply.Reply);
            }
        }

        static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
    }

    private async Task<SmtpResponse> CommandAsync(string line, string name, CancellationToken token)
    {
        _step = name;
        _stream.WriteLine(line);
        await _stream.FlushAsync(token).ConfigureAwait(false);
        return await _stream.ReadResponseAsync(token).ConfigureAwait(false);
    }

    private SslClientAuthenticationOptions TlsOptions() => new()
    {
        TargetHost = _options.Host,
        RemoteCertificateValidationCallback = _options.ServerCertificateValidation,
    };

    private static string AddressLiteral(EndPoint? endPoint)
    {
        if (endPoint is not IPEndPoint { Address: var address })
        {
            return "localhost";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return address.AddressFamily == AddressFamily.InterNetwork
            ? $"[{address}]"
            : $"[IPv6:{new IPAddress(address.GetAddressBytes())}]";
    }
}
