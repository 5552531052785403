using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace TypedMail.Runtime.Tests.Infrastructure;

/// <summary>How the scripted server hands its replies to the client's reads.</summary>
public enum ReplayChunking
{
    /// <summary>Each scripted server step in one read.</summary>
    Whole,

    /// <summary>One line per read.</summary>
    LineByLine,

    /// <summary>One byte per read.</summary>
    ByteByByte,
}

/// <summary>
/// A scripted SMTP server as a stream: the script alternates what the client must have written (compared byte
/// for byte when the client next reads) with what the server answers. The server can also close the connection
/// or stall. Every write call is recorded, so a test can see which bytes went out together.
/// </summary>
public sealed class SmtpReplayStream(ReplayChunking chunking = ReplayChunking.Whole) : Stream
{
    private readonly Queue<(Kind Kind, byte[] Bytes)> _script = new();
    private readonly MemoryStream _written = new();
    private byte[] _serving = [];
    private int _served;
    private bool _closed;

    private enum Kind
    {
        Client,
        Server,
        Close,
        Stall,
    }

    /// <summary>Every write call, as text, in order.</summary>
    public List<string> Writes { get; } = [];

    /// <summary>The first difference between the script and the client, or <see langword="null"/>.</summary>
    public string? Mismatch { get; private set; }

    /// <summary>The server sends these bytes (CRLF line endings expected in the text).</summary>
    public SmtpReplayStream Server(string text)
    {
        _script.Enqueue((Kind.Server, Encoding.UTF8.GetBytes(text)));
        return this;
    }

    /// <summary>The client must have written exactly these bytes before its next read.</summary>
    public SmtpReplayStream Client(string text)
    {
        _script.Enqueue((Kind.Client, Encoding.UTF8.GetBytes(text)));
        return this;
    }

    /// <summary>The server closes the connection: reads return 0, writes fail (at once when it follows a server step).</summary>
    public SmtpReplayStream Disconnect()
    {
        _script.Enqueue((Kind.Close, []));
        return this;
    }

    /// <summary>The server stops answering: the next read waits until it is cancelled.</summary>
    public SmtpReplayStream Stall()
    {
        _script.Enqueue((Kind.Stall, []));
        return this;
    }

    /// <summary>Fails unless the client wrote exactly what the script expected and the script ran to its end.</summary>
    public void AssertComplete()
    {
        CheckClientSteps();
        Assert.True(Mismatch is null, Mismatch);
        Assert.True(_script.Count == 0, $"{_script.Count} script steps were not reached; next: {(_script.Count > 0 ? _script.Peek().Kind : default)}");
        Assert.Equal(0, _written.Length);
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_served == _serving.Length)
        {
            CheckClientSteps();
            if (_closed || _script.Count == 0)
            {
                Mismatch ??= _closed ? null : "the client read after the script ended";
                return 0;
            }

            var (kind, bytes) = _script.Dequeue();
            switch (kind)
            {
                case Kind.Close:
                    _closed = true;
                    return 0;
                case Kind.Stall:
                    throw new InvalidOperationException("Stall is only for asynchronous reads.");
                default:
                    _serving = bytes;
                    _served = 0;
                    break;
            }
        }

        var available = _serving.AsSpan(_served);
        var take = chunking switch
        {
            ReplayChunking.ByteByByte => 1,
            ReplayChunking.LineByLine => available.IndexOf((byte)'\n') + 1 is var n and > 0 ? n : available.Length,
            _ => available.Length,
        };
        take = Math.Min(take, buffer.Length);
        available[..take].CopyTo(buffer);
        _served += take;
        if (_served == _serving.Length && _script.TryPeek(out var next) && next.Kind == Kind.Close)
        {
            // The server hangs up right after its last reply: the client's next write fails.
            _script.Dequeue();
            _closed = true;
        }

        return take;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_served == _serving.Length)
        {
            CheckClientSteps();
        }

        if (_served == _serving.Length && _script.TryPeek(out var next) && next.Kind == Kind.Stall)
        {
            _script.Dequeue();
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return Read(buffer.Span);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (_closed)
        {
            throw new IOException("Broken pipe: the scripted server closed the connection.");
        }

        Writes.Add(Encoding.UTF8.GetString(buffer));
        _written.Write(buffer);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Compares what the client wrote with the consecutive client steps at the head of the script.</summary>
    private void CheckClientSteps()
    {
        var expected = new MemoryStream();
        while (_script.TryPeek(out var step) && step.Kind == Kind.Client)
        {
            expected.Write(_script.Dequeue().Bytes);
        }

        if (expected.Length == 0 && _written.Length == 0)
        {
            return;
        }

        var want = Encoding.UTF8.GetString(expected.ToArray());
        var got = Encoding.UTF8.GetString(_written.ToArray());
        _written.SetLength(0);
        if (want != got)
        {
            Mismatch ??= $"the client wrote\n{Show(got)}\nbut the script expected\n{Show(want)}";
        }
    }

    private static string Show(string text) => text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n\n", StringComparison.Ordinal);
}
