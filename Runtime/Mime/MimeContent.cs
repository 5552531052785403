using System;
using System.IO;

namespace TypedMail.Mime;

/// <summary>
/// TO BE DELETED with the hand-written SMTP client (Runtime/Smtp), which reads messages through it: the message as
/// <see cref="MimeMessageBuilder"/> builds it (unsigned), serialized with <see cref="MimeMessageBuilder.WireFormat"/>.
/// The MailKit transport sends the built <c>MimeMessage</c> itself and does not use this type.
/// </summary>
internal sealed class MimeContent : IDisposable
{
    /// <summary>The smallest buffer <see cref="Read"/> accepts.</summary>
    public const int MinimumReadSize = 64;

    private readonly byte[] _bytes;
    private int _position;

    private MimeContent(byte[] bytes, bool requiresSmtpUtf8)
    {
        _bytes = bytes;
        RequiresSmtpUtf8 = requiresSmtpUtf8;
    }

    /// <summary>Whether a header holds raw UTF-8 (an address with a non-ASCII local part, RFC 6532), so SMTP needs SMTPUTF8.</summary>
    public bool RequiresSmtpUtf8 { get; }

    /// <summary>Builds and serializes the message.</summary>
    /// <exception cref="MessageFormatException">A field cannot be written as a valid message.</exception>
    public static MimeContent Build(EmailMessage message)
    {
        using var mime = MimeMessageBuilder.Unsigned.Build(message);
        using var buffer = new MemoryStream();
        mime.WriteTo(MimeMessageBuilder.WireFormat, buffer);
        return new MimeContent(buffer.ToArray(), MimeMessageBuilder.RequiresSmtpUtf8(message));
    }

    /// <summary>Copies the next bytes of the message into <paramref name="destination"/>; 0 once all was read.</summary>
    public int Read(Span<byte> destination)
    {
        if (destination.Length < MinimumReadSize)
        {
            throw new ArgumentException($"The buffer must hold at least {MinimumReadSize} bytes.", nameof(destination));
        }

        var count = Math.Min(destination.Length, _bytes.Length - _position);
        _bytes.AsSpan(_position, count).CopyTo(destination);
        _position += count;
        return count;
    }

    /// <summary>The length of the whole message in bytes.</summary>
    public long MeasureLength() => _bytes.Length;

    /// <summary>Rewinds to the first byte.</summary>
    public void Reset() => _position = 0;

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}
