using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace TypedMail.Mime;

/// <summary>
/// Turns an <see cref="EmailMessage"/> into RFC 5322/MIME: text and HTML as <c>multipart/alternative</c>, inline
/// parts with the HTML in <c>multipart/related</c>, attachments in <c>multipart/mixed</c>; quoted-printable or
/// base64 per part; CRLF line endings; boundaries derived from the Message-ID, so a retried message is
/// byte-identical. Everything is validated before the first byte is produced, so a bad message is never half-written.
/// </summary>
internal static class MimeWriter
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static readonly HashSet<string> ReservedFields = new(StringComparer.OrdinalIgnoreCase)
    {
        "Date", "From", "Sender", "Reply-To", "To", "Cc", "Bcc", "Subject", "Message-ID", "MIME-Version",
    };

    /// <summary>Writes the message to <paramref name="destination"/> a piece at a time.</summary>
    /// <exception cref="MessageFormatException">A field cannot be written as a valid message; nothing was written.</exception>
    public static async Task WriteAsync(EmailMessage message, Stream destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        using var content = Open(message);
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = content.Read(buffer)) > 0)
            {
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Validates the message and lays it out; the bytes are produced as the result is read.</summary>
    /// <exception cref="MessageFormatException">A field cannot be written as a valid message.</exception>
    public static MimeContent Open(EmailMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        ValidateText("TextBody", message.TextBody);
        ValidateText("HtmlBody", message.HtmlBody);
        ValidateContentIds(message.Attachments);

        var chunks = new List<MimeContent.Chunk>();
        using var writer = new HeaderWriter();
        WriteMessageFields(message, writer);
        WritePart(Layout(message), writer, chunks);
        if (writer.HasPending)
        {
            chunks.Add(new MimeContent.FixedChunk(writer.Cut()));
        }

        return new MimeContent(chunks, RequiresSmtpUtf8(message));
    }

    /// <summary>Rejects a value with CR or LF, which would start a new header line.</summary>
    /// <exception cref="MessageFormatException"><paramref name="value"/> contains CR or LF.</exception>
    internal static void RejectLineBreaks(string field, string value)
    {
        if (value.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            throw new MessageFormatException(field, value, "it contains CR or LF, which would inject header lines");
        }
    }

    private static void WriteMessageFields(EmailMessage message, HeaderWriter w)
    {
        ArgumentNullException.ThrowIfNull(message.From, "EmailMessage.From");
        RejectLineBreaks("Subject", message.Subject);
        ValidateMessageId(message.MessageId);

        var offset = message.Date.Offset;
        var date = message.Date.ToString("ddd, dd MMM yyyy HH:mm:ss ", CultureInfo.InvariantCulture)
            + (offset < TimeSpan.Zero ? "-" : "+")
            + offset.Duration().ToString("hhmm", CultureInfo.InvariantCulture);
        w.BeginField("Date", date);
        w.Word(date);
        w.EndField();

        w.BeginField("From", message.From);
        w.Mailbox(message.From);
        w.EndField();

        if (message.ReplyTo is not null)
        {
            w.BeginField("Reply-To", message.ReplyTo);
            w.Mailbox(message.ReplyTo);
            w.EndField();
        }

        WriteAddressField(w, "To", message.To);
        WriteAddressField(w, "Cc", message.Cc);

        w.BeginField("Subject", message.Subject);
        w.Unstructured(message.Subject);
        w.EndField();

        w.BeginField("Message-ID", message.MessageId);
        w.Word("<", message.MessageId, ">");
        w.EndField();

        foreach (var (name, value) in message.Headers)
        {
            ValidateFieldName(name);
            RejectLineBreaks(name, value);
            w.BeginField(name, value);
            w.CustomValue(value);
            w.EndField();
        }

        w.BeginField("MIME-Version", "1.0");
        w.Word("1.0");
        w.EndField();
    }

    private static void WriteAddressField(HeaderWriter w, string name, IReadOnlyList<EmailAddress> addresses)
    {
        if (addresses.Count == 0)
        {
            return;
        }

        w.BeginField(name, addresses);
        w.AddressList(addresses);
        w.EndField();
    }

    private static Part Layout(EmailMessage message)
    {
        Part? text = message.TextBody is null ? null : TextPart("text/plain", message.TextBody);
        Part? html = message.HtmlBody is null ? null : TextPart("text/html", message.HtmlBody);

        var inline = new List<Part>();
        var attached = new List<Part>();
        foreach (var attachment in message.Attachments)
        {
            (attachment.IsInline && html is not null ? inline : attached).Add(AttachmentPart(attachment));
        }

        if (inline.Count > 0)
        {
            inline.Insert(0, html!);
            html = new Multipart("related", "=_rel_" + BoundaryId(message.MessageId), inline, "text/html");
        }

        var body = (text, html) switch
        {
            (not null, not null) => new Multipart("alternative", "=_alt_" + BoundaryId(message.MessageId), [text, html], null),
            (not null, null) => text,
            (null, not null) => html,
            _ => TextPart("text/plain", string.Empty),
        };

        if (attached.Count > 0)
        {
            attached.Insert(0, body);
            body = new Multipart("mixed", "=_mix_" + BoundaryId(message.MessageId), attached, null);
        }

        return body;
    }

    private static Leaf TextPart(string mediaType, string text)
        => new(mediaType, null, null, new TextContent(text), ChooseTextEncoding(text));

    private static Leaf AttachmentPart(EmailAttachment attachment)
        => new(attachment.ContentType, attachment, attachment.ContentId, new BinaryContent(attachment.Content), new Base64LineEncoder());

    private static void WritePart(Part part, HeaderWriter w, List<MimeContent.Chunk> chunks)
    {
        switch (part)
        {
            case Leaf leaf:
                WriteLeafFields(leaf, w);
                w.Raw("\r\n");
                chunks.Add(new MimeContent.FixedChunk(w.Cut()));
                chunks.Add(new MimeContent.EncodedChunk(leaf.Source, leaf.Encoder));
                break;
            case Multipart multipart:
                w.BeginField("Content-Type", "multipart/" + multipart.Subtype);
                w.Word("multipart/" + multipart.Subtype);
                w.Parameter("boundary", multipart.Boundary);
                if (multipart.RootType is not null)
                {
                    w.Parameter("type", multipart.RootType);
                }

                w.EndField();
                w.Raw("\r\n");
                for (var i = 0; i < multipart.Parts.Count; i++)
                {
                    // The CRLF before a delimiter belongs to the delimiter (RFC 2046 5.1.1), not to the part.
                    w.Raw((i == 0 ? "--" : "\r\n--") + multipart.Boundary + "\r\n");
                    WritePart(multipart.Parts[i], w, chunks);
                }

                w.Raw("\r\n--" + multipart.Boundary + "--\r\n");
                break;
        }
    }

    private static void WriteLeafFields(Leaf leaf, HeaderWriter w)
    {
        w.BeginField("Content-Type", leaf.MediaType);
        w.Word(leaf.MediaType);
        if (leaf.Attachment is null)
        {
            w.Append(";");
            w.Word("charset=utf-8");
        }

        w.EndField();
        w.BeginField("Content-Transfer-Encoding", leaf.Encoder.Name);
        w.Word(leaf.Encoder.Name);
        w.EndField();
        if (leaf.ContentId is not null)
        {
            w.BeginField("Content-ID", leaf.ContentId);
            w.Word("<", leaf.ContentId, ">");
            w.EndField();
        }

        if (leaf.Attachment is not null)
        {
            var disposition = leaf.Attachment.IsInline ? "inline" : "attachment";
            w.BeginField("Content-Disposition", leaf.Attachment.FileName);
            w.Word(disposition);
            w.FileName(leaf.Attachment.FileName);
            w.EndField();
        }
    }

    /// <summary>
    /// Quoted-printable keeps mostly-ASCII text readable; base64 is smaller for text that is mostly non-ASCII
    /// (an escaped octet costs 3 characters, a base64 one 4/3).
    /// </summary>
    private static ContentEncoder ChooseTextEncoding(string text)
    {
        if (Ascii.IsValid(text))
        {
            return new QuotedPrintableEncoder();
        }

        long quotedPrintable = 0;
        long utf8 = 0;
        foreach (var c in text)
        {
            var octets = c < 0x80 ? 1 : c < 0x800 || char.IsSurrogate(c) ? 2 : 3;
            utf8 += octets;
            quotedPrintable += octets == 1 ? 1 : 3 * octets;
        }

        return quotedPrintable <= utf8 * 4 / 3 ? new QuotedPrintableEncoder() : new Base64LineEncoder();
    }

    /// <summary>
    /// 64 bits of the Message-ID's SHA-256: the same message always gets the same boundaries, and
    /// <c>Content-Type: multipart/alternative; boundary="=_alt_..."</c> fits on one 78-character line.
    /// </summary>
    private static string BoundaryId(string messageId)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(messageId), hash);
        return Convert.ToHexStringLower(hash[..8]);
    }

    private static bool RequiresSmtpUtf8(EmailMessage message)
    {
        if (message.From.RequiresSmtpUtf8 || message.ReplyTo?.RequiresSmtpUtf8 == true)
        {
            return true;
        }

        foreach (var a in message.To)
        {
            if (a.RequiresSmtpUtf8)
            {
                return true;
            }
        }

        foreach (var a in message.Cc)
        {
            if (a.RequiresSmtpUtf8)
            {
                return true;
            }
        }

        return false;
    }

    private static void ValidateText(string field, string? text)
    {
        if (text is null)
        {
            return;
        }

        try
        {
            StrictUtf8.GetByteCount(text);
        }
        catch (EncoderFallbackException ex)
        {
            var start = Math.Max(0, ex.Index - 20);
            var excerpt = text.Substring(start, Math.Min(40, text.Length - start));
            throw new MessageFormatException(field, excerpt, $"it contains an unpaired surrogate at index {ex.Index}");
        }
    }

    private static void ValidateContentIds(IReadOnlyList<EmailAttachment> attachments)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var attachment in attachments)
        {
            if (attachment.ContentId is { } id && !seen.Add(id))
            {
                throw new MessageFormatException("Content-ID", id, "two attachments have this content id");
            }
        }
    }

    private static void ValidateMessageId(string messageId)
    {
        ArgumentNullException.ThrowIfNull(messageId, "EmailMessage.MessageId");
        var at = messageId.IndexOf('@');
        if (at <= 0 || at == messageId.Length - 1 || messageId.IndexOf('@', at + 1) >= 0)
        {
            throw new MessageFormatException("Message-ID", messageId, "it must have the form id-left@id-right");
        }

        foreach (var c in messageId)
        {
            if (c is < '!' or > '~' or '<' or '>' or '"' or '\\' or '(' or ')' or ',' or ';' or ':')
            {
                throw new MessageFormatException("Message-ID", messageId, "it may only contain printable ASCII without spaces, quotes, brackets or separators");
            }
        }
    }

    private static void ValidateFieldName(string name)
    {
        if (name.Length is 0 or > 76)
        {
            throw new MessageFormatException("Header name", name, "it must have 1 to 76 characters");
        }

        foreach (var c in name)
        {
            if (c is <= ' ' or > '~' or ':')
            {
                throw new MessageFormatException("Header name", name, "it must be printable ASCII without spaces or ':'");
            }
        }

        if (ReservedFields.Contains(name) || name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
        {
            throw new MessageFormatException("Header name", name, "this field is written from the message's own properties");
        }
    }

    private abstract class Part;

    private sealed class Leaf(string mediaType, EmailAttachment? attachment, string? contentId, ContentSource source, ContentEncoder encoder) : Part
    {
        public string MediaType { get; } = mediaType;

        public EmailAttachment? Attachment { get; } = attachment;

        public string? ContentId { get; } = contentId;

        public ContentSource Source { get; } = source;

        public ContentEncoder Encoder { get; } = encoder;
    }

    private sealed class Multipart(string subtype, string boundary, List<Part> parts, string? rootType) : Part
    {
        public string Subtype { get; } = subtype;

        public string Boundary { get; } = boundary;

        public List<Part> Parts { get; } = parts;

        public string? RootType { get; } = rootType;
    }
}
