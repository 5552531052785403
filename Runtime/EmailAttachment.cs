using System;
using MimeKit;

namespace TypedMail;

/// <summary>A file attached to a message, or an inline image referenced from the HTML body by <c>cid:</c>.</summary>
public sealed class EmailAttachment
{
    /// <summary>Creates an attachment.</summary>
    /// <param name="fileName">The file name shown to the recipient; leading and trailing whitespace is removed. Non-ASCII names are encoded (RFC 2231).</param>
    /// <param name="contentType">The media type, such as <c>application/pdf</c> or <c>text/csv; charset=utf-8</c> (not multipart or message).</param>
    /// <param name="content">The file's bytes.</param>
    /// <param name="contentId">For an inline part, the id the HTML refers to as <c>cid:{contentId}</c>; otherwise <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">
    /// The file name is empty or contains a control character such as a line break; the content type is not <c>type/subtype</c> with optional
    /// parameters; or the content id is not printable ASCII without spaces and angle brackets.
    /// </exception>
    public EmailAttachment(string fileName, string contentType, ReadOnlyMemory<byte> content, string? contentId = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fileName);
        ArgumentException.ThrowIfNullOrWhiteSpace(contentType);
        foreach (var c in fileName)
        {
            if (c is < ' ' or '\x7F')
            {
                throw new ArgumentException($"Attachment file name '{fileName}' contains the control character U+{(int)c:X4}.", nameof(fileName));
            }
        }

        if (MediaTypeError(contentType) is { } error)
        {
            throw new ArgumentException($"Attachment content type '{contentType}' is not valid: {error}.", nameof(contentType));
        }

        if (contentId is not null && (contentId.Length == 0 || contentId.AsSpan().ContainsAnyExceptInRange('!', '~') || contentId.AsSpan().IndexOfAny('<', '>') >= 0))
        {
            throw new ArgumentException($"Attachment content id '{contentId}' must be printable ASCII without spaces or angle brackets.", nameof(contentId));
        }

        FileName = fileName.Trim();
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

    private static readonly ParserOptions StrictParser = new() { ParameterComplianceMode = RfcComplianceMode.Strict };

    /// <summary>Why a media type is not <c>type/subtype *(; name=value)</c> (RFC 2045 5.1) that MimeKit reads back as written, or <see langword="null"/>.</summary>
    private static string? MediaTypeError(string value)
    {
        if (value.AsSpan().ContainsAnyExceptInRange(' ', '~'))
        {
            return "it must be printable ASCII";
        }

        if (!MimeKit.ContentType.TryParse(StrictParser, value, out var parsed) || parsed.MediaSubtype.Length == 0)
        {
            return "it must be type/subtype made of token characters, with optional ; name=value parameters";
        }

        if (parsed.IsMimeType("multipart", "*") || parsed.IsMimeType("message", "*"))
        {
            return "multipart and message parts are built by TypedMail itself";
        }

        return null;
    }
}
