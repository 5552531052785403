using System;

namespace TypedMail;

/// <summary>A file attached to a message, or an inline image referenced from the HTML body by <c>cid:</c>.</summary>
public sealed class EmailAttachment
{
    /// <summary>Creates an attachment.</summary>
    /// <param name="fileName">The file name shown to the recipient. Non-ASCII names are encoded (RFC 2231).</param>
    /// <param name="contentType">The media type, such as <c>application/pdf</c>.</param>
    /// <param name="content">The file's bytes.</param>
    /// <param name="contentId">For an inline part, the id the HTML refers to as <c>cid:{contentId}</c>; otherwise <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">A name or type is empty or contains a line break.</exception>
    public EmailAttachment(string fileName, string contentType, ReadOnlyMemory<byte> content, string? contentId = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fileName);
        ArgumentException.ThrowIfNullOrWhiteSpace(contentType);
        if (fileName.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            throw new ArgumentException($"Attachment file name '{fileName}' contains a line break.", nameof(fileName));
        }

        if (contentType.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            throw new ArgumentException($"Attachment content type '{contentType}' contains a line break.", nameof(contentType));
        }

        if (contentId is not null && contentId.AsSpan().IndexOfAny("\r\n<> ") >= 0)
        {
            throw new ArgumentException($"Attachment content id '{contentId}' must not contain spaces, angle brackets or line breaks.", nameof(contentId));
        }

        FileName = fileName;
        ContentType = contentType;
        Content = content;
        ContentId = contentId;
    }

    /// <summary>The file name.</summary>
    public string FileName { get; }

    /// <summary>The media type.</summary>
    public string ContentType { get; }

    /// <summary>The bytes.</summary>
    public ReadOnlyMemory<byte> Content { get; }

    /// <summary>The inline content id, or <see langword="null"/> for a regular attachment.</summary>
    public string? ContentId { get; }

    /// <summary>Whether the part is inline (referenced by <c>cid:</c>).</summary>
    public bool IsInline => ContentId is not null;
}
