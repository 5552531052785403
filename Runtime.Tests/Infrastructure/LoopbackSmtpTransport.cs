using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using TypedMail.Transports;

namespace TypedMail.Runtime.Tests.Infrastructure;

/// <summary>
/// A deliberately small SMTP client for the queue's crash and fault tests (one command at a time, no TLS or AUTH),
/// used until the product's own SMTP client (issue 4) is on main. It is test infrastructure, not a product transport:
/// it exists so the queue is proven against a real SMTP server, with real replies, timeouts and dropped connections.
/// </summary>
public sealed class LoopbackSmtpTransport(string host, int port, TimeSpan commandTimeout) : IEmailTransport, IDisposable
{
    private TcpClient? _client;
    private Stream? _stream;
    private readonly byte[] _buffer = new byte[8192];
    private int _start;
    private int _end;

    public string Name => "smtp";

    public async Task<IReadOnlyList<SendResult>> SendAsync(IReadOnlyList<OutgoingEmail> batch, CancellationToken cancellationToken)
    {
        var results = new SendResult[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                results[i] = await SendOneAsync(batch[i], cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or SocketException or TimeoutException)
            {
                Drop();
                results[i] = SendResult.FailedForAll(batch[i], DeliveryStatus.TransientFailure, null, ex.GetType().Name + ": " + ex.Message);
            }
        }

        return results;
    }

    private async Task<SendResult> SendOneAsync(OutgoingEmail email, CancellationToken ct)
    {
        if (_stream is null)
        {
            _client = new TcpClient { NoDelay = true };
            await _client.ConnectAsync(host, port, ct);
            _stream = _client.GetStream();
            Expect(await ReadReplyAsync(ct), 220);
            Expect(await CommandAsync("EHLO typedmail.test", ct), 250);
        }

        var mail = await CommandAsync($"MAIL FROM:<{email.MailFrom.AsciiAddress}>", ct);
        if (mail.Code != 250)
        {
            await ResetAsync(ct);
            return SendResult.FailedForAll(email, Status(mail), mail);
        }

        var recipients = new List<RecipientResult>();
        foreach (var rcpt in email.Recipients)
        {
            var reply = await CommandAsync($"RCPT TO:<{rcpt.AsciiAddress}>", ct);
            recipients.Add(new RecipientResult(rcpt, reply.Code / 100 == 2 ? DeliveryStatus.Accepted : Status(reply), reply));
        }

        if (!recipients.Exists(r => r.Status == DeliveryStatus.Accepted))
        {
            await ResetAsync(ct);
            var worst = recipients.Exists(r => r.Status == DeliveryStatus.TransientFailure) ? DeliveryStatus.TransientFailure : DeliveryStatus.PermanentFailure;
            return new SendResult(worst, recipients[0].Reply, recipients);
        }

        var data = await CommandAsync("DATA", ct);
        if (data.Code != 354)
        {
            await ResetAsync(ct);
            return SendResult.FailedForAll(email, Status(data), data);
        }

        using var content = new MemoryStream();
        await email.Message.WriteToAsync(content, ct);
        await WriteAsync(DotStuff(content.ToArray()), ct);
        var final = await ReadReplyAsync(ct);
        if (final.Code / 100 != 2)
        {
            return SendResult.FailedForAll(email, Status(final), final);
        }

        var outcome = recipients.ConvertAll(r => r.Status == DeliveryStatus.Accepted ? r with { Reply = final } : r);
        return new SendResult(DeliveryStatus.Accepted, final, outcome);
    }

    private static DeliveryStatus Status(TransportReply reply) => reply.Code >= 500 ? DeliveryStatus.PermanentFailure : DeliveryStatus.TransientFailure;

    private static void Expect(TransportReply reply, int code)
    {
        if (reply.Code != code)
        {
            throw new IOException($"Unexpected reply {reply}");
        }
    }

    private async Task ResetAsync(CancellationToken ct) => await CommandAsync("RSET", ct);

    private async Task<TransportReply> CommandAsync(string line, CancellationToken ct)
    {
        await WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"), ct);
        return await ReadReplyAsync(ct);
    }

    private async Task WriteAsync(byte[] bytes, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(commandTimeout);
        try
        {
            await _stream!.WriteAsync(bytes, timeout.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"Write timed out after {commandTimeout.TotalSeconds} s.");
        }
    }

    private async Task<TransportReply> ReadReplyAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(commandTimeout);
        var text = new StringBuilder();
        try
        {
            while (true)
            {
                var line = await ReadLineAsync(timeout.Token);
                if (line.Length < 3 || !int.TryParse(line.AsSpan(0, 3), out var code))
                {
                    throw new IOException($"Malformed reply line '{line}'.");
                }

                text.Append(text.Length > 0 ? " " : "").Append(line.Length > 4 ? line[4..] : "");
                if (line.Length == 3 || line[3] == ' ')
                {
                    var body = text.ToString();
                    var space = body.IndexOf(' ');
                    var first = space > 0 ? body[..space] : body;
                    return first.Length >= 5 && char.IsDigit(first[0]) && first[1] == '.'
                        ? new TransportReply(code, first, space > 0 ? body[(space + 1)..] : "")
                        : new TransportReply(code, null, body);
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"No reply within {commandTimeout.TotalSeconds} s.");
        }
    }

    private async Task<string> ReadLineAsync(CancellationToken ct)
    {
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                var line = Encoding.ASCII.GetString(_buffer, _start, newline - _start).TrimEnd('\r');
                _start = newline + 1;
                return line;
            }

            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            var read = await _stream!.ReadAsync(_buffer.AsMemory(_end), ct);
            if (read == 0)
            {
                throw new IOException("The server closed the connection.");
            }

            _end += read;
        }
    }

    private static byte[] DotStuff(byte[] content)
    {
        var output = new MemoryStream(content.Length + 64);
        var lineStart = true;
        foreach (var b in content)
        {
            if (lineStart && b == (byte)'.')
            {
                output.WriteByte((byte)'.');
            }

            output.WriteByte(b);
            lineStart = b == (byte)'\n';
        }

        if (!lineStart)
        {
            output.Write("\r\n"u8);
        }

        output.Write(".\r\n"u8);
        return output.ToArray();
    }

    private void Drop()
    {
        _stream?.Dispose();
        _client?.Dispose();
        _stream = null;
        _client = null;
        _start = _end = 0;
    }

    public void Dispose() => Drop();
}
