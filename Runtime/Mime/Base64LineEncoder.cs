using System;
using System.Buffers;
using System.Buffers.Text;

namespace TypedMail.Mime;

/// <summary>Base64 (RFC 2045 6.8) in lines of 76 characters, each ending with CRLF.</summary>
internal sealed class Base64LineEncoder : ContentEncoder
{
    private const int BytesPerLine = 57; // 76 characters

    private int _lineBytes;

    public override string Name => "base64";

    public override OperationStatus Encode(ReadOnlySpan<byte> input, Span<byte> output, bool isFinal, out int consumed, out int written)
    {
        consumed = 0;
        written = 0;
        while (true)
        {
            var left = input.Length - consumed;
            var take = Math.Min(BytesPerLine - _lineBytes, left);
            var last = isFinal && take == left;

            // Whole 3-byte groups only, except at the very end; and only what fits with a line break after it.
            var fits = Math.Max(0, output.Length - written - 2) / 4 * 3;
            if (take > fits)
            {
                take = fits;
                last = false;
            }

            if (!last)
            {
                take -= take % 3;
                if (take == 0)
                {
                    return left < 3 && !isFinal ? OperationStatus.NeedMoreData : OperationStatus.DestinationTooSmall;
                }
            }

            var lineEnds = last ? _lineBytes + take > 0 : _lineBytes + take == BytesPerLine;
            if (lineEnds && output.Length - written < 2)
            {
                return OperationStatus.DestinationTooSmall;
            }

            Base64.EncodeToUtf8(input.Slice(consumed, take), output[written..], out var read, out var encoded, isFinalBlock: last);
            consumed += read;
            written += encoded;
            _lineBytes += read;
            if (lineEnds)
            {
                output[written++] = (byte)'\r';
                output[written++] = (byte)'\n';
                _lineBytes = 0;
            }

            if (last)
            {
                return OperationStatus.Done;
            }
        }
    }

    public override void Reset() => _lineBytes = 0;
}
