using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using TypedMail.Mime;
using TypedMail.Transports;

namespace TypedMail.Smtp;

/// <summary>
/// One SMTP session (RFC 5321): greeting, EHLO (HELO as a fallback), STARTTLS or implicit TLS, AUTH, then any
/// number of messages. With PIPELINING (RFC 2920) a message's MAIL, RCPT and DATA go in one write, and its
/// content shares a write with the next message's envelope, so a message costs one round trip. Every reply is
/// checked in order. After any exception the connection is broken and must be disposed.
/// </summary>
internal sealed class SmtpConnection : IAsyncDisposable
{
    private const int ScratchSize = 8 * 1024;

    private readonly SmtpStream _stream;
    private readonly SmtpOptions _options;
    private readonly string _clientName;
    private readonly byte[] _scratch = new byte[ScratchSize];
    private readonly SmtpDotStuffer _stuffer = new();
    private readonly List<Transaction> _inFlight = new(2);
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

    /// <summary>
    /// Sends messages from <paramref name="queue"/> until it is empty, recording each result. Failures of a
    /// message (a 4xx or 5xx reply, a message that cannot be written) are results; failures of the connection
    /// throw, after every message in flight has been settled: put back in the queue when it is certain it was
    /// not delivered, otherwise failed for now.
    /// </summary>
    /// <exception cref="SmtpCommandException">The server answered 421 (closing) or refused RSET.</exception>
    /// <exception cref="SmtpProtocolException">The server broke the protocol or closed the connection.</exception>
    /// <exception cref="TimeoutException">A write or reply took longer than <see cref="SmtpOptions.CommandTimeout"/>.</exception>
    /// <exception cref="IOException">The connection failed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task RunAsync(SmtpSendQueue queue, CancellationToken cancellationToken)
    {
        if (IsBroken)
        {
            throw new InvalidOperationException("The connection is broken and cannot send.");
        }

        using var timeouts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _timeouts = timeouts;
        try
        {
            if (Capabilities.Pipelining)
            {
                await RunPipelinedAsync(queue).ConfigureAwait(false);
            }
            else
            {
                await RunOneByOneAsync(queue).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            IsBroken = true;
            if (cancellationToken.IsCancellationRequested)
            {
                ReleaseInFlight();
                throw;
            }

            if (ex is OperationCanceledException)
            {
                var timeout = new TimeoutException($"The SMTP server {Endpoint} did not take {_step} within {_options.CommandTimeout}.");
                SettleInFlight(queue, timeout.Message);
                throw timeout;
            }

            SettleInFlight(queue, ex.Message);
            throw;
        }
        finally
        {
            _timeouts = null;
            LastUsed = Environment.TickCount64;
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

    private async Task RunPipelinedAsync(SmtpSendQueue queue)
    {
        // The message whose content was written and whose final reply is still to come.
        Transaction? sent = null;
        while (true)
        {
            var next = Next(queue);
            if (next is not null)
            {
                WriteEnvelope(next);
            }

            _step = next is null ? "the end of the data" : "the envelope";
            await _stream.FlushAsync(Deadline()).ConfigureAwait(false);
            if (sent is not null)
            {
                sent.DataWritten = true;
                await ReadFinalReplyAsync(sent, queue).ConfigureAwait(false);
                sent = null;
            }

            if (next is null)
            {
                return;
            }

            if (next.ResetWritten)
            {
                var reset = await ReadAsync("RSET", next).ConfigureAwait(false);
                if (reset.Class != 2)
                {
                    throw new SmtpCommandException("RSET", reset.Reply);
                }
            }

            next.Mail = await ReadAsync("MAIL FROM", next).ConfigureAwait(false);
            for (var i = 0; i < next.Recipients.Length; i++)
            {
                next.Recipients[i] = await ReadAsync("RCPT TO", next).ConfigureAwait(false);
            }

            var data = await ReadAsync("DATA", next).ConfigureAwait(false);
            if (data.Code != SmtpStatusCode.StartMailInput)
            {
                _needsReset = next.Mail.Class == 2;
                Complete(next, queue, data);
                continue;
            }

            if (next.Mail.Class == 2 && next.Accepted > 0)
            {
                await WriteContentAsync(next).ConfigureAwait(false);
            }
            else
            {
                // RFC 2920 3.1: DATA was accepted although nothing before it was; end it with an empty message.
                Complete(next, queue, data);
                _stream.Advance(_stuffer.Finish(_stream.GetSpan(8)));
            }

            sent = next;
        }
    }

    private async Task RunOneByOneAsync(SmtpSendQueue queue)
    {
        while (Next(queue) is { } message)
        {
            if (_needsReset)
            {
                _stream.WriteLine("RSET");
                await _stream.FlushAsync(Deadline()).ConfigureAwait(false);
                var reset = await ReadAsync("RSET", message).ConfigureAwait(false);
                if (reset.Class != 2)
                {
                    throw new SmtpCommandException("RSET", reset.Reply);
                }

                _needsReset = false;
            }

            WriteMailCommand(message);
            await _stream.FlushAsync(Deadline()).ConfigureAwait(false);
            message.Mail = await ReadAsync("MAIL FROM", message).ConfigureAwait(false);
            if (message.Mail.Class != 2)
            {
                Complete(message, queue, message.Mail);
                continue;
            }

            for (var i = 0; i < message.Recipients.Length; i++)
            {
                _stream.WriteLine("RCPT TO:<", message.Email.Recipients[i].AsciiAddress, ">");
                await _stream.FlushAsync(Deadline()).ConfigureAwait(false);
                message.Recipients[i] = await ReadAsync("RCPT TO", message).ConfigureAwait(false);
            }

            if (message.Accepted == 0)
            {
                _needsReset = true;
                Complete(message, queue, message.Mail);
                continue;
            }

            _stream.WriteLine("DATA");
            await _stream.FlushAsync(Deadline()).ConfigureAwait(false);
            var data = await ReadAsync("DATA", message).ConfigureAwait(false);
            if (data.Code != SmtpStatusCode.StartMailInput)
            {
                _needsReset = true;
                Complete(message, queue, data);
                continue;
            }

            await WriteContentAsync(message).ConfigureAwait(false);
            await _stream.FlushAsync(Deadline()).ConfigureAwait(false);
            message.DataWritten = true;
            await ReadFinalReplyAsync(message, queue).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The next message that can go on this connection. Messages that cannot be written, need SMTPUTF8 the server
    /// lacks, or pass its SIZE limit fail for good here, before anything is sent.
    /// </summary>
    private Transaction? Next(SmtpSendQueue queue)
    {
        while (queue.TryTake(out var index))
        {
            var email = queue.Batch[index];
            MimeContent content;
            try
            {
                content = MimeWriter.Open(email.Message);
            }
            catch (MessageFormatException ex)
            {
                queue.Complete(index, SendResult.FailedForAll(email, DeliveryStatus.PermanentFailure, null, ex.Message));
                continue;
            }

            var error = Unsendable(email, content, out var size);
            if (error is not null)
            {
                content.Dispose();
                queue.Complete(index, SendResult.FailedForAll(email, DeliveryStatus.PermanentFailure, null, error));
                continue;
            }

            var transaction = new Transaction(index, email, content, size);
            _inFlight.Add(transaction);
            return transaction;
        }

        return null;
    }

    private string? Unsendable(OutgoingEmail email, MimeContent content, out long size)
    {
        size = 0;
        if (email.Recipients.Count == 0)
        {
            return "The message has no envelope recipients.";
        }

        if (NeedsSmtpUtf8(email, content) && !Capabilities.SmtpUtf8)
        {
            return $"An address has a non-ASCII local part, which needs SMTPUTF8 (RFC 6531), and {Endpoint} does not offer it.";
        }

        if (Capabilities.MaxSize > 0)
        {
            size = content.MeasureLength();
            if (size > Capabilities.MaxSize)
            {
                return $"The message is {size} bytes and {Endpoint} accepts at most {Capabilities.MaxSize} (SIZE).";
            }
        }

        return null;
    }

    private static bool NeedsSmtpUtf8(OutgoingEmail email, MimeContent content)
    {
        if (content.RequiresSmtpUtf8 || email.MailFrom.RequiresSmtpUtf8)
        {
            return true;
        }

        foreach (var recipient in email.Recipients)
        {
            if (recipient.RequiresSmtpUtf8)
            {
                return true;
            }
        }

        return false;
    }

    private void WriteEnvelope(Transaction message)
    {
        if (_needsReset)
        {
            _stream.WriteLine("RSET");
            message.ResetWritten = true;
            _needsReset = false;
        }

        WriteMailCommand(message);
        foreach (var recipient in message.Email.Recipients)
        {
            _stream.WriteLine("RCPT TO:<", recipient.AsciiAddress, ">");
        }

        _stream.WriteLine("DATA");
    }

    private void WriteMailCommand(Transaction message)
    {
        var parameters = NeedsSmtpUtf8(message.Email, message.Content)
            ? Capabilities.EightBitMime ? "> SMTPUTF8 BODY=8BITMIME" : "> SMTPUTF8"
            : ">";
        if (message.Size > 0)
        {
            parameters += " SIZE=" + message.Size.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        _stream.WriteLine("MAIL FROM:<", message.Email.MailFrom.AsciiAddress, parameters);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteContentAsync(Transaction message)
    {
        _step = "the message content";
        int read;
        while ((read = message.Content.Read(_scratch)) > 0)
        {
            var room = SmtpDotStuffer.MaxOutput(read);
            if (_stream.Free < room)
            {
                await _stream.FlushAsync(Deadline()).ConfigureAwait(false);
            }

            _stream.Advance(_stuffer.Stuff(_scratch.AsSpan(0, read), _stream.GetSpan(room)));
        }

        _stream.Advance(_stuffer.Finish(_stream.GetSpan(8)));
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ReadFinalReplyAsync(Transaction message, SmtpSendQueue queue)
    {
        var reply = await ReadAsync("the end of the data", message).ConfigureAwait(false);
        if (_inFlight.Contains(message))
        {
            Complete(message, queue, reply);
        }
    }

    /// <summary>Reads the reply to <paramref name="command"/>. A 421 means the server is closing: nothing in flight was delivered.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<SmtpResponse> ReadAsync(string command, Transaction message)
    {
        _step = "the reply to " + command;
        var reply = await _stream.ReadResponseAsync(Deadline()).ConfigureAwait(false);
        if (reply.Code == SmtpStatusCode.ServiceNotAvailable)
        {
            message.RefusedBeforeDelivery = true;
            throw new SmtpCommandException(command, reply.Reply);
        }

        var fits = command == "DATA" ? reply.Code == SmtpStatusCode.StartMailInput || reply.Class is 4 or 5 : reply.Class != 3;
        if (!fits)
        {
            throw new SmtpProtocolException($"The SMTP server answered {command} with {reply}, which does not fit the command.");
        }

        if (command == "RCPT TO" && reply.Class == 2)
        {
            message.Accepted++;
        }

        return reply;
    }

    /// <summary>Records the outcome: each recipient by its RCPT reply, and those accepted there by <paramref name="final"/>.</summary>
    private void Complete(Transaction message, SmtpSendQueue queue, SmtpResponse final)
    {
        var email = message.Email;
        var mail = message.Mail!;
        var results = new RecipientResult[email.Recipients.Count];
        var status = DeliveryStatus.PermanentFailure;
        SmtpResponse? decisive = null;
        for (var i = 0; i < results.Length; i++)
        {
            var reply = mail.Class != 2 ? mail : message.Recipients[i]!.Class == 2 ? final : message.Recipients[i]!;
            results[i] = new RecipientResult(email.Recipients[i], reply.Status, reply.Reply);

            // The message fares as its best recipient (Accepted < TransientFailure < PermanentFailure).
            if (decisive is null || reply.Status < status)
            {
                status = reply.Status;
                decisive = reply;
            }
        }

        queue.Complete(message.Index, new SendResult(status, decisive?.Reply, results));
        _inFlight.Remove(message);
        message.Dispose();
    }

    private void SettleInFlight(SmtpSendQueue queue, string error)
    {
        foreach (var message in _inFlight)
        {
            if (!message.DataWritten || message.RefusedBeforeDelivery)
            {
                queue.Retry(message.Index, error);
            }
            else
            {
                queue.Complete(message.Index, SendResult.FailedForAll(message.Email, DeliveryStatus.TransientFailure, null,
                    "The connection failed after the message was sent and before the server confirmed it, so it may have been delivered: " + error));
            }

            message.Dispose();
        }

        _inFlight.Clear();
    }

    private void ReleaseInFlight()
    {
        foreach (var message in _inFlight)
        {
            message.Dispose();
        }

        _inFlight.Clear();
    }

    private CancellationToken Deadline()
    {
        _timeouts!.CancelAfter(_options.CommandTimeout);
        return _timeouts.Token;
    }

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

    /// <summary>One message on this connection: its content and the replies so far.</summary>
    private sealed class Transaction(int index, OutgoingEmail email, MimeContent content, long size) : IDisposable
    {
        public int Index { get; } = index;

        public OutgoingEmail Email { get; } = email;

        public MimeContent Content { get; } = content;

        /// <summary>The SIZE parameter, or 0 when the server has no SIZE extension.</summary>
        public long Size { get; } = size;

        public SmtpResponse? Mail { get; set; }

        public SmtpResponse?[] Recipients { get; } = new SmtpResponse?[email.Recipients.Count];

        public int Accepted { get; set; }

        public bool ResetWritten { get; set; }

        /// <summary>The write that carried the end of the data succeeded: from here on, a lost connection leaves delivery unknown.</summary>
        public bool DataWritten { get; set; }

        /// <summary>The server said 421 before accepting it: certainly not delivered.</summary>
        public bool RefusedBeforeDelivery { get; set; }

        public void Dispose() => Content.Dispose();
    }
}
