using System;
using System.Buffers;

namespace TypedMail.Mime;

/// <summary>
/// Quoted-printable (RFC 2045 6.7) over canonical text (line breaks are CRLF). Encoded lines stay within 76
/// characters; space and tab before a line break are encoded; a line starting with <c>.</c> has it encoded
/// so the SMTP dot-stuffing never has to change the text. Content that does not end with a line break ends
/// with a soft line break, so the decoded text is exactly the input, whatever follows the part.
/// </summary>
internal sealed class QuotedPrintableEncoder : ContentEncoder
{
    // Up to 75 characters and the '=' of a soft line break.
    private const int MaxLine = 75;
    private static ReadOnlySpan<byte> Hex => "0123456789ABCDEF"u8;

    // Bytes that may stand for themselves: printable ASCII but '=', and space and tab when more text follows.
    private static readonly SearchValues<byte> Plain = SearchValues.Create(
        " \t!\"#$%&'()*+,-./0123456789:;<>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"u8);

    private int _lineLength;

    public override string Name => "quoted-printable";

    public override OperationStatus Encode(ReadOnlySpan<byte> input, Span<byte> output, bool isFinal, out int consumed, out int written)
    {
        var i = 0;
        var o = 0;
        try
        {
            while (i < input.Length)
            {
                // The longest step: a soft line break (3) and an escaped octet (3).
                if (output.Length - o < 6)
                {
                    return OperationStatus.DestinationTooSmall;
                }

                var b = input[i];
                if (Plain.Contains(b) && !(b == '.' && _lineLength == 0))
                {
                    // A run of plain bytes is copied as it is, up to the end of the encoded line. Whitespace at the
                    // end of the run is left for the byte-at-a-time path, which knows whether a line break follows.
                    var rest = input[i..];
                    var run = rest.IndexOfAnyExcept(Plain);
                    var take = Math.Min(run < 0 ? rest.Length : run, Math.Min(MaxLine - _lineLength, output.Length - o - 6));
                    if (take == (run < 0 ? rest.Length : run))
                    {
                        while (take > 0 && rest[take - 1] is (byte)' ' or (byte)'\t')
                        {
                            take--;
                        }
                    }

                    if (take > 0)
                    {
                        rest[..take].CopyTo(output[o..]);
                        o += take;
                        i += take;
                        _lineLength += take;
                        continue;
                    }
                }

                if (b == '\r')
                {
                    if (i + 1 == input.Length && !isFinal)
                    {
                        return OperationStatus.NeedMoreData;
                    }

                    // Canonical text: a CR is always followed by LF.
                    output[o++] = (byte)'\r';
                    output[o++] = (byte)'\n';
                    i += 2;
                    _lineLength = 0;
                    continue;
                }

                bool literal;
                if (b is (byte)' ' or (byte)'\t')
                {
                    if (i + 1 == input.Length && !isFinal)
                    {
                        return OperationStatus.NeedMoreData;
                    }

                    literal = i + 1 < input.Length && input[i + 1] != '\r';
                }
                else
                {
                    literal = b is >= 33 and <= 126 and not (byte)'=' && !(b == '.' && _lineLength == 0);
                }

                var width = literal ? 1 : 3;
                if (_lineLength + width > MaxLine)
                {
                    output[o++] = (byte)'=';
                    output[o++] = (byte)'\r';
                    output[o++] = (byte)'\n';
                    _lineLength = 0;
                    if (b == '.')
                    {
                        // Now at the start of a line.
                        literal = false;
                        width = 3;
                    }
                }

                if (literal)
                {
                    output[o++] = b;
                }
                else
                {
                    output[o++] = (byte)'=';
                    output[o++] = Hex[b >> 4];
                    output[o++] = Hex[b & 0xF];
                }

                _lineLength += width;
                i++;
            }

            if (!isFinal)
            {
                return OperationStatus.NeedMoreData;
            }

            if (_lineLength > 0)
            {
                if (output.Length - o < 3)
                {
                    return OperationStatus.DestinationTooSmall;
                }

                output[o++] = (byte)'=';
                output[o++] = (byte)'\r';
                output[o++] = (byte)'\n';
                _lineLength = 0;
            }

            return OperationStatus.Done;
        }
        finally
        {
            consumed = i;
            written = o;
        }
    }

    public override void Reset() => _lineLength = 0;
}
