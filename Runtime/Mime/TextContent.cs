using System;
using System.Buffers;
using System.Diagnostics;
using System.Text.Unicode;

namespace TypedMail.Mime;

/// <summary>
/// A text body as the UTF-8 of its canonical form (RFC 2045 2.10, RFC 2046 4.1.1): every line break, whether
/// CRLF, a lone CR or a lone LF, becomes CRLF. Converted a window at a time, so a large body is never
/// encoded whole. The text must be valid UTF-16 (checked by <see cref="MimeWriter"/> before anything is written).
/// </summary>
internal sealed class TextContent(string text) : ContentSource
{
    private byte[] _window = [];
    private int _start;
    private int _end;
    private int _next;

    public override ReadOnlySpan<byte> Available => _window.AsSpan(_start, _end - _start);

    public override bool IsComplete => _next == text.Length;

    public override void Advance(int count) => _start += count;

    public override void Fill(byte[] scratch)
    {
        var kept = _end - _start;
        _window.AsSpan(_start, kept).CopyTo(scratch);
        _window = scratch;
        _start = 0;
        _end = kept;

        // Room for the longest thing written in one step: a CRLF or one 4-byte scalar.
        while (_next < text.Length && _window.Length - _end >= 4)
        {
            var rest = text.AsSpan(_next);
            var lineBreak = rest.IndexOfAny('\r', '\n');
            if (lineBreak == 0)
            {
                _window[_end++] = (byte)'\r';
                _window[_end++] = (byte)'\n';
                _next += rest.Length > 1 && rest[0] == '\r' && rest[1] == '\n' ? 2 : 1;
                continue;
            }

            var segment = lineBreak < 0 ? rest : rest[..lineBreak];
            var status = Utf8.FromUtf16(segment, _window.AsSpan(_end), out var read, out var written, replaceInvalidSequences: false);
            if (status == OperationStatus.InvalidData)
            {
                throw new UnreachableException("Text bodies are validated before they are written.");
            }

            _next += read;
            _end += written;
            if (status == OperationStatus.DestinationTooSmall)
            {
                return;
            }
        }
    }

    public override void Reset()
    {
        _window = [];
        _start = _end = _next = 0;
    }
}
