using System;

namespace TypedMail.Smtp;

/// <summary>
/// Message content for DATA (RFC 5321 4.5.2): a line that starts with <c>.</c> gets a second one, and the
/// content ends with <c>CRLF.CRLF</c>. Works on pieces of any size: the state carries across calls.
/// </summary>
internal sealed class SmtpDotStuffer
{
    private bool _lineStart = true;
    private bool _lastWasCr;

    /// <summary>The most output <see cref="Stuff"/> can write for <paramref name="inputLength"/> bytes.</summary>
    public static int MaxOutput(int inputLength) => inputLength * 2;

    /// <summary>Copies <paramref name="input"/> to <paramref name="output"/>, doubling each leading dot.</summary>
    /// <returns>The bytes written.</returns>
    public int Stuff(ReadOnlySpan<byte> input, Span<byte> output)
    {
        var written = 0;
        while (!input.IsEmpty)
        {
            if (_lineStart && input[0] == '.')
            {
                output[written++] = (byte)'.';
            }

            var lf = input.IndexOf((byte)'\n');
            var take = lf < 0 ? input.Length : lf + 1;
            input[..take].CopyTo(output[written..]);
            written += take;
            _lineStart = lf >= 0 && (lf > 0 ? input[lf - 1] == '\r' : _lastWasCr);
            _lastWasCr = input[take - 1] == '\r';
            input = input[take..];
        }

        return written;
    }

    /// <summary>Ends the content: a CRLF if the last line lacks one, then <c>.CRLF</c>. Needs 5 bytes.</summary>
    public int Finish(Span<byte> output)
    {
        var written = 0;
        if (!_lineStart)
        {
            output[written++] = (byte)'\r';
            output[written++] = (byte)'\n';
        }

        output[written++] = (byte)'.';
        output[written++] = (byte)'\r';
        output[written++] = (byte)'\n';
        _lineStart = true;
        _lastWasCr = false;
        return written;
    }
}
