using System;

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

    /// <summary>Why a media type is not <c>type/subtype *(; name=value)</c> (RFC 2045 5.1), or <see langword="null"/>.</summary>
    private static string? MediaTypeError(string value)
    {
        var parts = value.Split(';');
        var type = parts[0].Trim();
        var slash = type.IndexOf('/');
        if (slash <= 0 || slash == type.Length - 1 || !IsToken(type[..slash]) || !IsToken(type[(slash + 1)..]))
        {
            return "it must start with type/subtype made of token characters";
        }

        if (type.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase) || type.StartsWith("message/", StringComparison.OrdinalIgnoreCase))
        {
            return "multipart and message parts are built by TypedMail itself";
        }

        foreach (var parameter in parts[1..])
        {
            var eq = parameter.IndexOf('=');
            var name = eq < 0 ? "" : parameter[..eq].Trim();
            var val = eq < 0 ? "" : parameter[(eq + 1)..].Trim();
            var quoted = val.Length >= 2 && val[0] == '"' && val[^1] == '"' && !val[1..^1].Contains('"') && !val.AsSpan(1, val.Length - 2).ContainsAnyExceptInRange(' ', '~');
            if (!IsToken(name) || !(IsToken(val) || quoted))
            {
                return $"the parameter '{parameter.Trim()}' must be name=value";
            }
        }

        return null;

        static bool IsToken(string s)
            => s.Length > 0 && !s.AsSpan().ContainsAnyExceptInRange('!', '~') && s.AsSpan().IndexOfAny("()<>@,;:\\\"/[]?=") < 0;
    }
}
