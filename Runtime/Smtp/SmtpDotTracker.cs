using System;
using MailKit;

namespace TypedMail.Smtp;

/// <summary>
/// Watches the bytes MailKit has written to the network (its protocol logger hook, called after each successful
/// write) to tell when the final <c>CRLF.CRLF</c> of a message went out: before it, the server cannot have accepted
/// the message; after it, a lost connection leaves delivery unknown. Passes everything on to the Trace protocol log
/// when there is one.
/// </summary>
internal sealed class SmtpDotTracker(IProtocolLogger? inner) : IProtocolLogger
{
    private static readonly byte[] EndOfData = "\r\n.\r\n"u8.ToArray();

    // The last bytes written since DATA was accepted: the end of data may straddle two writes.
    private readonly byte[] _tail = new byte[EndOfData.Length];
    private int _tailLength;
    private bool _inData;

    /// <summary>Whether the end of the current message's data has been written.</summary>
    public bool DotWritten { get; private set; }

    /// <inheritdoc/>
    public IAuthenticationSecretDetector? AuthenticationSecretDetector
    {
        get => inner?.AuthenticationSecretDetector;
        set
        {
            if (inner is not null)
            {
                inner.AuthenticationSecretDetector = value;
            }
        }
    }

    /// <summary>Starts watching a new message.</summary>
    public void Reset()
    {
        _inData = false;
        _tailLength = 0;
        DotWritten = false;
    }

    /// <inheritdoc/>
    public void LogConnect(Uri uri) => inner?.LogConnect(uri);

    /// <inheritdoc/>
    public void LogClient(byte[] buffer, int offset, int count)
    {
        inner?.LogClient(buffer, offset, count);
        if (!_inData || DotWritten || count <= 0)
        {
            return;
        }

        // Keep the last five bytes written; dot-stuffing means CRLF.CRLF occurs only at the end of the data.
        var bytes = buffer.AsSpan(offset, count);
        if (bytes.Length >= _tail.Length)
        {
            bytes[^_tail.Length..].CopyTo(_tail);
            _tailLength = _tail.Length;
        }
        else
        {
            var keep = Math.Min(_tailLength, _tail.Length - bytes.Length);
            _tail.AsSpan(_tailLength - keep, keep).CopyTo(_tail);
            bytes.CopyTo(_tail.AsSpan(keep));
            _tailLength = keep + bytes.Length;
        }

        DotWritten = _tail.AsSpan(0, _tailLength).SequenceEqual(EndOfData);
    }

    /// <inheritdoc/>
    public void LogServer(byte[] buffer, int offset, int count)
    {
        inner?.LogServer(buffer, offset, count);

        // "354" opens the data: a reply to DATA is read alone, as nothing is pipelined behind it.
        if (!_inData && count >= 3 && buffer.AsSpan(offset, count).StartsWith("354"u8))
        {
            _inData = true;
        }
    }

    /// <inheritdoc/>
    public void Dispose() => inner?.Dispose();
}
