using System;
using System.Buffers;
using System.Collections.Generic;

namespace TypedMail.Mime;

/// <summary>
/// The wire form of one message, produced on demand: fixed bytes (header blocks, boundaries) and encoded parts
/// (text, attachments) read a window at a time. A reader copies it out with <see cref="Read"/> into whatever
/// buffer it writes from, so a message is never held whole in memory. Built by <see cref="MimeWriter.Open"/>;
/// dispose it to return its pooled buffer.
/// </summary>
internal sealed class MimeContent : IDisposable
{
    /// <summary>The smallest buffer <see cref="Read"/> accepts: room for any single encoding step.</summary>
    public const int MinimumReadSize = 64;

    private const int WindowSize = 4096;

    private readonly List<Chunk> _chunks;
    private byte[]? _window;
    private int _current;

    internal MimeContent(List<Chunk> chunks, bool requiresSmtpUtf8)
    {
        _chunks = chunks;
        RequiresSmtpUtf8 = requiresSmtpUtf8;
    }

    /// <summary>Whether a header holds raw UTF-8 (an address with a non-ASCII local part, RFC 6532), so SMTP needs SMTPUTF8.</summary>
    public bool RequiresSmtpUtf8 { get; }

    /// <summary>Copies the next bytes of the message into <paramref name="destination"/>.</summary>
    /// <param name="destination">At least <see cref="MinimumReadSize"/> bytes.</param>
    /// <returns>The number of bytes written; 0 once the whole message has been read.</returns>
    public int Read(Span<byte> destination)
    {
        if (destination.Length < MinimumReadSize)
        {
            throw new ArgumentException($"The buffer must hold at least {MinimumReadSize} bytes.", nameof(destination));
        }

        var total = 0;
        while (_current < _chunks.Count && destination.Length - total >= MinimumReadSize)
        {
            var chunk = _chunks[_current];
            total += chunk.Read(destination[total..], ref _window, out var finished);
            if (!finished)
            {
                break;
            }

            _current++;
        }

        return total;
    }

    /// <summary>The length of the whole message in bytes (reads it once without keeping it, then rewinds).</summary>
    public long MeasureLength()
    {
        Reset();
        Span<byte> scratch = stackalloc byte[1024];
        long length = 0;
        int read;
        while ((read = Read(scratch)) > 0)
        {
            length += read;
        }

        Reset();
        return length;
    }

    /// <summary>Rewinds to the first byte, so the same message can be read again (for a retry).</summary>
    public void Reset()
    {
        foreach (var chunk in _chunks)
        {
            chunk.Reset();
        }

        _current = 0;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_window is not null)
        {
            ArrayPool<byte>.Shared.Return(_window);
            _window = null;
        }
    }

    /// <summary>A piece of the message.</summary>
    internal abstract class Chunk
    {
        public abstract int Read(Span<byte> destination, ref byte[]? window, out bool finished);

        public abstract void Reset();
    }

    /// <summary>Bytes written as they are: header blocks and boundary lines.</summary>
    internal sealed class FixedChunk(byte[] bytes) : Chunk
    {
        private int _position;

        public override int Read(Span<byte> destination, ref byte[]? window, out bool finished)
        {
            var count = Math.Min(destination.Length, bytes.Length - _position);
            bytes.AsSpan(_position, count).CopyTo(destination);
            _position += count;
            finished = _position == bytes.Length;
            return count;
        }

        public override void Reset() => _position = 0;
    }

    /// <summary>A part body: a source of bytes through a content-transfer-encoding.</summary>
    internal sealed class EncodedChunk(ContentSource source, ContentEncoder encoder) : Chunk
    {
        public override int Read(Span<byte> destination, ref byte[]? window, out bool finished)
        {
            var total = 0;
            while (true)
            {
                var status = encoder.Encode(source.Available, destination[total..], source.IsComplete, out var consumed, out var written);
                source.Advance(consumed);
                total += written;
                switch (status)
                {
                    case OperationStatus.Done:
                        finished = true;
                        return total;
                    case OperationStatus.NeedMoreData:
                        source.Fill(window ??= ArrayPool<byte>.Shared.Rent(WindowSize));
                        break;
                    default:
                        finished = false;
                        return total;
                }
            }
        }

        public override void Reset()
        {
            source.Reset();
            encoder.Reset();
        }
    }
}
