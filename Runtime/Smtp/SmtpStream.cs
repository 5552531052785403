using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace TypedMail.Smtp;

/// <summary>
/// The byte level of an SMTP connection: a write buffer that commands and message content go into and that
/// is sent in as few writes as possible (pipelining, RFC 2920), and a read buffer that replies are parsed
/// from (RFC 5321 4.2), however the server splits them across reads.
/// </summary>
internal sealed class SmtpStream : IAsyncDisposable
{
    private const int MaxReplyBytes = 64 * 1024;

    private readonly Socket? _socket;
    private Stream _stream;
    private byte[] _input = new byte[4096];
    private int _inputStart;
    private int _inputEnd;
    private byte[] _output = new byte[64 * 1024];
    private int _outputLength;

    /// <summary>Wraps a connected stream; <paramref name="socket"/> is its socket when there is one (for liveness checks).</summary>
    public SmtpStream(Stream stream, Socket? socket)
    {
        _stream = stream;
        _socket = socket;
    }

    public bool IsEncrypted => _stream is SslStream;

    /// <summary>Bytes written and not yet flushed.</summary>
    public int Buffered => _outputLength;

    /// <summary>Whether the server sent bytes no command has asked for yet.</summary>
    public bool HasUnreadInput => _inputEnd > _inputStart;

    /// <summary>
    /// Whether an idle connection still looks usable: the socket is connected and the server has neither closed
    /// it nor sent anything (an unsolicited reply is a 421 on its way out).
    /// </summary>
    public bool IsIdleAndOpen
    {
        get
        {
            if (HasUnreadInput)
            {
                return false;
            }

            try
            {
                return _socket is null || (_socket.Connected && !_socket.Poll(0, SelectMode.SelectRead));
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return false;
            }
        }
    }

    /// <summary>Room for at least <paramref name="size"/> bytes at the end of the write buffer (grown if needed).</summary>
    public Span<byte> GetSpan(int size)
    {
        if (_output.Length - _outputLength < size)
        {
            Array.Resize(ref _output, Math.Max(_output.Length * 2, _outputLength + size));
        }

        return _output.AsSpan(_outputLength);
    }

    /// <summary>Free space left without growing.</summary>
    public int Free => _output.Length - _outputLength;

    public void Advance(int count) => _outputLength += count;

    /// <summary>Adds a command line (UTF-8, so SMTPUTF8 addresses pass as they are) and its CRLF.</summary>
    public void WriteLine(string command)
    {
        var span = GetSpan(Encoding.UTF8.GetMaxByteCount(command.Length) + 2);
        var n = Encoding.UTF8.GetBytes(command, span);
        span[n++] = (byte)'\r';
        span[n++] = (byte)'\n';
        Advance(n);
    }

    /// <summary>Adds <c>prefix</c>, <c>address</c>, <c>suffix</c> and CRLF as one command line, without joining them first.</summary>
    public void WriteLine(string prefix, string address, string suffix)
    {
        var span = GetSpan(prefix.Length + Encoding.UTF8.GetMaxByteCount(address.Length) + suffix.Length + 2);
        var n = Encoding.UTF8.GetBytes(prefix, span);
        n += Encoding.UTF8.GetBytes(address, span[n..]);
        n += Encoding.UTF8.GetBytes(suffix, span[n..]);
        span[n++] = (byte)'\r';
        span[n++] = (byte)'\n';
        Advance(n);
    }

    /// <summary>Sends everything buffered in one write.</summary>
    /// <exception cref="IOException">The connection failed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (_outputLength == 0)
        {
            return;
        }

        var length = _outputLength;
        _outputLength = 0;
        await _stream.WriteAsync(_output.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads one whole reply, multi-line or not.</summary>
    /// <exception cref="SmtpProtocolException">The reply is malformed, or the server closed the connection.</exception>
    /// <exception cref="IOException">The connection failed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<SmtpResponse> ReadResponseAsync(CancellationToken cancellationToken)
    {
        var code = 0;
        string? single = null;
        List<string>? lines = null;
        while (true)
        {
            int lineFeed;
            while ((lineFeed = _input.AsSpan(_inputStart, _inputEnd - _inputStart).IndexOf((byte)'\n')) < 0)
            {
                await FillAsync(cancellationToken).ConfigureAwait(false);
            }

            var line = _input.AsSpan(_inputStart, lineFeed);
            _inputStart += lineFeed + 1;
            if (!line.IsEmpty && line[^1] == '\r')
            {
                line = line[..^1];
            }

            if (line.Length < 3 || !char.IsAsciiDigit((char)line[0]) || !char.IsAsciiDigit((char)line[1]) || !char.IsAsciiDigit((char)line[2])
                || (line.Length > 3 && line[3] is not ((byte)' ' or (byte)'-')))
            {
                throw new SmtpProtocolException($"The SMTP server sent a malformed reply line: '{Printable(line)}'.");
            }

            var lineCode = ((line[0] - '0') * 100) + ((line[1] - '0') * 10) + (line[2] - '0');
            if (lineCode is < 200 or > 599)
            {
                throw new SmtpProtocolException($"The SMTP server sent the reply code {lineCode}, which is not 2xx-5xx: '{Printable(line)}'.");
            }

            if (code != 0 && lineCode != code)
            {
                throw new SmtpProtocolException($"The SMTP server changed the reply code from {code} to {lineCode} within one reply.");
            }

            code = lineCode;
            var text = line.Length > 4 ? Encoding.UTF8.GetString(line[4..]) : string.Empty;
            var last = line.Length == 3 || line[3] == ' ';
            if (last && single is null && lines is null)
            {
                return SmtpResponse.Create(code, [text]);
            }

            if (single is null && lines is null)
            {
                single = text;
                continue;
            }

            lines ??= [single!];
            lines.Add(text);
            if (last)
            {
                return SmtpResponse.Create(code, lines.ToArray());
            }
        }
    }

    /// <summary>Starts TLS over the connection (RFC 3207, or implicit TLS before the greeting).</summary>
    /// <exception cref="SmtpProtocolException">The server sent data before the handshake (a STARTTLS injection).</exception>
    /// <exception cref="System.Security.Authentication.AuthenticationException">The handshake or the certificate validation failed.</exception>
    /// <exception cref="IOException">The connection failed.</exception>
    public async Task StartTlsAsync(SslClientAuthenticationOptions options, CancellationToken cancellationToken)
    {
        if (HasUnreadInput)
        {
            // Anything after the 220 was sent in plain text and must not be read as if it came over TLS (CVE-2011-0411).
            throw new SmtpProtocolException("The SMTP server sent data after its reply to STARTTLS, before the TLS handshake.");
        }

        var tls = new SslStream(_stream, leaveInnerStreamOpen: false);
        try
        {
            await tls.AuthenticateAsClientAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        _stream = tls;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
            // Closing a broken connection: nothing left to do.
        }

        _socket?.Dispose();
    }

    private async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        if (_inputStart > 0)
        {
            _input.AsSpan(_inputStart, _inputEnd - _inputStart).CopyTo(_input);
            _inputEnd -= _inputStart;
            _inputStart = 0;
        }

        if (_inputEnd == _input.Length)
        {
            if (_input.Length >= MaxReplyBytes)
            {
                throw new SmtpProtocolException($"The SMTP server sent a reply line longer than {MaxReplyBytes} bytes.");
            }

            Array.Resize(ref _input, _input.Length * 2);
        }

        var read = await _stream.ReadAsync(_input.AsMemory(_inputEnd), cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            throw new SmtpProtocolException("The SMTP server closed the connection.");
        }

        _inputEnd += read;
    }

    private static string Printable(ReadOnlySpan<byte> line)
    {
        var text = Encoding.UTF8.GetString(line[..Math.Min(line.Length, 200)]);
        return string.Create(text.Length, text, (span, t) =>
        {
            for (var i = 0; i < t.Length; i++)
            {
                span[i] = char.IsControl(t[i]) ? '?' : t[i];
            }
        });
    }
}
