using System;
using System.Buffers;

namespace TypedMail.Mime;

/// <summary>A content-transfer-encoding (RFC 2045 6) that encodes a part's bytes a piece at a time.</summary>
internal abstract class ContentEncoder
{
    /// <summary>The <c>Content-Transfer-Encoding</c> value.</summary>
    public abstract string Name { get; }

    /// <summary>
    /// Encodes as much of <paramref name="input"/> as fits into <paramref name="output"/>. The encoded text ends
    /// with CRLF (or is empty), so a MIME delimiter or the end of the message can follow it directly.
    /// </summary>
    /// <param name="input">Bytes to encode.</param>
    /// <param name="output">Where the encoded text goes.</param>
    /// <param name="isFinal">Whether <paramref name="input"/> holds the last bytes of the content.</param>
    /// <param name="consumed">How many input bytes were encoded.</param>
    /// <param name="written">How many bytes were written.</param>
    /// <returns>
    /// <see cref="OperationStatus.Done"/> once the final input and the closing line break are written;
    /// <see cref="OperationStatus.DestinationTooSmall"/> when <paramref name="output"/> is full;
    /// <see cref="OperationStatus.NeedMoreData"/> when more input is needed to go on.
    /// </returns>
    public abstract OperationStatus Encode(ReadOnlySpan<byte> input, Span<byte> output, bool isFinal, out int consumed, out int written);

    /// <summary>Forgets the state of a previous encoding.</summary>
    public abstract void Reset();
}
