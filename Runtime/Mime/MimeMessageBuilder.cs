using System;
using System.Collections.Frozen;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using MimeKit;
using MimeKit.Cryptography;
using TypedMail.Deliverability;
using TypedMail.Transports;

namespace TypedMail.Mime;

/// <summary>
/// Builds the MimeKit message that goes on the wire from an <see cref="EmailMessage"/> (an outbox row): text and HTML
/// as <c>multipart/alternative</c>, inline parts with the HTML in <c>multipart/related</c>, attachments in
/// <c>multipart/mixed</c>, never a <c>Bcc</c> header. Boundaries derive from the Message-ID, so an unsigned retry is
/// byte-identical. Every body is quoted-printable or base64 (7-bit; only an address with a non-ASCII local part puts
/// UTF-8 in a header, and needs SMTPUTF8), so nothing has to be re-encoded for any server; then, when
/// <see cref="DkimOptions"/> has keys for the <c>From</c> domain, the message is DKIM-signed: write it with
/// <see cref="WireFormat"/>. Thread-safe: one builder serves every send of a transport.
/// </summary>
internal sealed class MimeMessageBuilder
{
    /// <summary>Fields a DKIM signature should not cover (RFC 6376 5.4): trace fields and ones relays may change. MimeKit refuses them.</summary>
    private static readonly FrozenSet<string> UnsignedFields = new[]
    {
        "Received", "Comments", "Keywords", "Resent-Bcc",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>The header fields a DKIM signature covers (absent ones too, so they cannot be added later), before custom headers.</summary>
    private static readonly string[] SignedFields =
    [
        "From", "Reply-To", "To", "Cc", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type", "Content-Transfer-Encoding",
    ];

    /// <summary>The line length body encoders are prepared with (see <see cref="TextPart"/>).</summary>
    private const int EncoderLineLength = 74;

    private readonly FrozenDictionary<string, DkimSigner[]> _signers;

    /// <summary>Creates a builder that signs with the keys in <paramref name="dkim"/>, or never signs when it is <see langword="null"/>.</summary>
    /// <param name="dkim">The DKIM keys per <c>From</c> domain, or <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">A DKIM setting is wrong (see <see cref="DkimOptions.Validate"/>).</exception>
    public MimeMessageBuilder(DkimOptions? dkim)
    {
        dkim?.Validate();
        _signers = (dkim?.Keys ?? [])
            .GroupBy(k => k.AsciiDomain!, StringComparer.OrdinalIgnoreCase)
            .ToFrozenDictionary(g => g.Key, g => g.Select(k => k.CreateSigner()).ToArray(), StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>A builder without DKIM keys.</summary>
    public static MimeMessageBuilder Unsigned { get; } = new(null);

    /// <summary>
    /// How a built message must be written (CRLF line endings, headers as built): what DKIM signed and what the
    /// transports send. Never change it.
    /// </summary>
    public static FormatOptions WireFormat { get; } = new() { NewLineFormat = NewLineFormat.Dos, International = false };

    /// <summary>
    /// Whether a header holds an address with a non-ASCII local part (RFC 6532), so the message can only be sent with
    /// SMTPUTF8 (RFC 6531). Internationalized domains alone do not need it: they are written in their ASCII form.
    /// The envelope's own addresses are the transport's to check (<see cref="EmailAddress.RequiresSmtpUtf8"/>).
    /// </summary>
    public static bool RequiresSmtpUtf8(EmailMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.From.RequiresSmtpUtf8 || message.ReplyTo?.RequiresSmtpUtf8 == true)
        {
            return true;
        }

        foreach (var address in message.To)
        {
            if (address.RequiresSmtpUtf8)
            {
                return true;
            }
        }

        foreach (var address in message.Cc)
        {
            if (address.RequiresSmtpUtf8)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The MimeKit mailbox for an address: the display name, the local part as written, the domain in ASCII form.</summary>
    public static MailboxAddress Mailbox(EmailAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return new MailboxAddress(Encoding.UTF8, address.DisplayName, address.AsciiAddress);
    }

    /// <summary>Builds the complete message as it goes on the wire, DKIM-signed when a key is configured for its <c>From</c> domain.</summary>
    /// <param name="message">The message.</param>
    /// <returns>A new message; the caller disposes it.</returns>
    /// <exception cref="MessageFormatException">A field cannot be written as a valid message; it names the field and the value.</exception>
    public MimeMessage Build(EmailMessage message)
    {
        Validate(message);
        var mime = new MimeMessage((IEnumerable<Header>)[]);
        var date = FormatDate(message.Date);
        mime.Headers.Add(HeaderWriter.Field("Date", date, w => w.Word(date)));
        mime.Headers.Add(HeaderWriter.Field("From", message.From, w => w.Mailbox(message.From)));
        if (message.ReplyTo is { } replyTo)
        {
            mime.Headers.Add(HeaderWriter.Field("Reply-To", replyTo, w => w.Mailbox(replyTo)));
        }

        if (message.To.Count > 0)
        {
            mime.Headers.Add(HeaderWriter.Field("To", message.To, w => w.AddressList(message.To)));
        }

        if (message.Cc.Count > 0)
        {
            mime.Headers.Add(HeaderWriter.Field("Cc", message.Cc, w => w.AddressList(message.Cc)));
        }

        mime.Headers.Add(HeaderWriter.Field("Subject", message.Subject, w => w.Unstructured(message.Subject)));
        mime.Headers.Add(HeaderWriter.Field("Message-ID", message.MessageId, w => w.Word("<", message.MessageId, ">")));
        foreach (var (name, value) in message.Headers)
        {
            mime.Headers.Add(HeaderWriter.Field(name, value, w => w.CustomValue(value)));
        }

        mime.MimeVersion = new Version(1, 0);
        mime.Body = Layout(message);
        if (_signers.TryGetValue(message.From.AsciiDomain, out var signers))
        {
            var fields = new List<string>(SignedFields.Length + message.Headers.Count);
            fields.AddRange(SignedFields);
            foreach (var (name, _) in message.Headers)
            {
                if (!UnsignedFields.Contains(name) && !fields.Exists(f => string.Equals(f, name, StringComparison.OrdinalIgnoreCase)))
                {
                    fields.Add(name);
                }
            }

            // Each signature goes on top; the later ones do not cover the earlier (DKIM-Signature is never signed).
            foreach (var signer in signers)
            {
                signer.Sign(WireFormat, mime, fields);
            }
        }

        return mime;
    }

    /// <summary>Checks every field that could not be written as a valid message.</summary>
    /// <exception cref="MessageFormatException">A field is not valid; it names the field and the value.</exception>
    public static void Validate(EmailMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(message.From, "EmailMessage.From");
        ArgumentNullException.ThrowIfNull(message.Subject, "EmailMessage.Subject");
        RejectLineBreaks("Subject", message.Subject);
        RejectUnpairedSurrogates("Subject", message.Subject);
        ValidateMessageId(message.MessageId);
        RejectUnpairedSurrogates("TextBody", message.TextBody);
        RejectUnpairedSurrogates("HtmlBody", message.HtmlBody);
        foreach (var (name, value) in message.Headers)
        {
            ValidateHeader(name, value);
        }

        var contentIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var attachment in message.Attachments)
        {
            RejectUnpairedSurrogates("Attachment file name", attachment.FileName);
            if (attachment.ContentId is { } id && !contentIds.Add(id))
            {
                throw new MessageFormatException("Content-ID", id, "two attachments have this content id");
            }
        }
    }

    /// <summary>
    /// Checks a header an application asks for (at enqueue, or on its email type): a valid field that the message does not
    /// write itself and TypedMail does not stamp (<see cref="DeliverabilityRules.StampedFields"/>). The generator applies
    /// the same rules (<see cref="DeliverabilityRules"/>) to the headers of <see cref="EmailAttribute.Headers"/> at build time.
    /// </summary>
    /// <exception cref="MessageFormatException">The name or the value is not valid; it names the header and the value.</exception>
    public static void ValidateApplicationHeader(string name, string value) => ValidateHeader(name, value, application: true);

    private static void ValidateHeader(string name, string value, bool application = false)
    {
        ArgumentNullException.ThrowIfNull(name, "EmailMessage.Headers");
        if (DeliverabilityRules.HeaderNameProblem(name, application) is { } problem)
        {
            throw new MessageFormatException("Header name", name, problem);
        }

        ArgumentNullException.ThrowIfNull(value, name);
        RejectLineBreaks(name, value);
        RejectUnpairedSurrogates(name, value);
    }

    /// <summary>Rejects a value with CR or LF, which would start a new header line.</summary>
    /// <exception cref="MessageFormatException"><paramref name="value"/> contains CR or LF.</exception>
    private static void RejectLineBreaks(string field, string value)
    {
        if (value.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            throw new MessageFormatException(field, value, DeliverabilityRules.LineBreakReason);
        }
    }

    private static MimeEntity Layout(EmailMessage message)
    {
        var boundary = BoundaryId(message.MessageId);
        MimeEntity? text = message.TextBody is null ? null : TextPart("plain", message.TextBody);
        MimeEntity? html = message.HtmlBody is null ? null : TextPart("html", message.HtmlBody);

        var inline = new List<MimeEntity>();
        var attached = new List<MimeEntity>();
        foreach (var attachment in message.Attachments)
        {
            (attachment.IsInline && html is not null ? inline : attached).Add(AttachmentPart(attachment));
        }

        if (inline.Count > 0)
        {
            var related = new MultipartRelated { Boundary = "=_rel_" + boundary };
            related.ContentType.Parameters.Add("type", "text/html");
            related.Add(html!);
            foreach (var part in inline)
            {
                related.Add(part);
            }

            html = related;
        }

        var body = (text, html) switch
        {
            (not null, not null) => new MultipartAlternative(text, html) { Boundary = "=_alt_" + boundary },
            (not null, null) => text,
            (null, not null) => html,
            _ => TextPart("plain", string.Empty),
        };

        if (attached.Count > 0)
        {
            var mixed = new Multipart("mixed") { Boundary = "=_mix_" + boundary };
            mixed.Add(body);
            foreach (var part in attached)
            {
                mixed.Add(part);
            }

            body = mixed;
        }

        return body;
    }

    /// <summary>
    /// A UTF-8 text part in canonical form (every line break, CRLF, CR or LF, becomes CRLF: RFC 2046 4.1.1),
    /// quoted-printable or base64, so every body is 7-bit and a body without a final line break keeps it that way.
    /// </summary>
    private static TextPart TextPart(string subtype, string text)
    {
        var part = new TextPart(subtype);
        part.ContentType.Charset = "utf-8";
        if (text.Length > 0)
        {
            // No content at all for an empty body: MimeKit ends the content of a single-part message with a line break.
            part.Content = new MimeKit.MimeContent(new MemoryStream(CanonicalUtf8(text), writable: false));
        }

        // Prepare is MimeKit's only way to set the encoder's line length. At 76 its quoted-printable encoder can end
        // a line at 78 (it breaks after an escape, not before); at 74 every line stays within RFC 2045's 76.
        part.Prepare(EncodingConstraint.SevenBit, EncoderLineLength);
        part.ContentTransferEncoding = ChooseTextEncoding(text);
        return part;
    }

    /// <summary>
    /// Quoted-printable keeps mostly-ASCII text readable; base64 is smaller for text that is mostly non-ASCII
    /// (an escaped octet costs 3 characters, a base64 one 4/3).
    /// </summary>
    private static ContentEncoding ChooseTextEncoding(string text)
    {
        if (Ascii.IsValid(text))
        {
            return ContentEncoding.QuotedPrintable;
        }

        long quotedPrintable = 0;
        long utf8 = 0;
        foreach (var c in text)
        {
            var octets = c < 0x80 ? 1 : c < 0x800 || char.IsSurrogate(c) ? 2 : 3;
            utf8 += octets;
            quotedPrintable += octets == 1 ? 1 : 3 * octets;
        }

        return quotedPrintable <= utf8 * 4 / 3 ? ContentEncoding.QuotedPrintable : ContentEncoding.Base64;
    }

    private static MimePart AttachmentPart(EmailAttachment attachment)
    {
        var part = new MimePart(ContentType.Parse(attachment.ContentType))
        {
            Content = new MimeKit.MimeContent(ContentStream(attachment.Content)),
            ContentTransferEncoding = ContentEncoding.Base64,
        };
        if (attachment.ContentId is { } id)
        {
            part.Headers.Add(HeaderWriter.Field("Content-ID", id, w => w.Word("<", id, ">")));
        }

        var disposition = attachment.IsInline ? ContentDisposition.Inline : ContentDisposition.Attachment;
        part.Headers.Add(HeaderWriter.Field("Content-Disposition", attachment.FileName, w =>
        {
            w.Word(disposition);
            w.FileName(attachment.FileName);
        }));
        return part;
    }

    /// <summary>The attachment's bytes as a read-only stream, without copying them when they are an array.</summary>
    private static MemoryStream ContentStream(ReadOnlyMemory<byte> content)
        => MemoryMarshal.TryGetArray(content, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(content.ToArray(), writable: false);

    /// <summary>The text as UTF-8 with every line break (CRLF, CR or LF) as CRLF, in one array.</summary>
    private static byte[] CanonicalUtf8(string text)
    {
        var length = 0;
        foreach (var range in LineRanges(text))
        {
            length += Encoding.UTF8.GetByteCount(text.AsSpan(range.Start, range.Length)) + (range.LineBreak ? 2 : 0);
        }

        var bytes = new byte[length];
        var written = 0;
        foreach (var range in LineRanges(text))
        {
            written += Encoding.UTF8.GetBytes(text.AsSpan(range.Start, range.Length), bytes.AsSpan(written));
            if (range.LineBreak)
            {
                bytes[written++] = (byte)'\r';
                bytes[written++] = (byte)'\n';
            }
        }

        return bytes;
    }

    /// <summary>Each line of <paramref name="text"/>: where it starts, its length, and whether a line break (CRLF, CR or LF) ends it.</summary>
    private static IEnumerable<(int Start, int Length, bool LineBreak)> LineRanges(string text)
    {
        var start = 0;
        while (start < text.Length)
        {
            var end = text.AsSpan(start).IndexOfAny('\r', '\n');
            if (end < 0)
            {
                yield return (start, text.Length - start, false);
                yield break;
            }

            yield return (start, end, true);
            start += end + (text[start + end] == '\r' && start + end + 1 < text.Length && text[start + end + 1] == '\n' ? 2 : 1);
        }
    }

    /// <summary>The <c>Date</c> field (RFC 5322 3.3), in the message's own offset.</summary>
    private static string FormatDate(DateTimeOffset date)
    {
        var offset = date.Offset;
        return date.ToString("ddd, dd MMM yyyy HH:mm:ss ", CultureInfo.InvariantCulture)
            + (offset < TimeSpan.Zero ? "-" : "+")
            + offset.Duration().ToString("hhmm", CultureInfo.InvariantCulture);
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

    private static void RejectUnpairedSurrogates(string field, string? value)
    {
        if (value is not null && DeliverabilityRules.UnpairedSurrogateIndex(value) is var i and >= 0)
        {
            var start = Math.Max(0, i - 20);
            var excerpt = value.Substring(start, Math.Min(40, value.Length - start));
            throw new MessageFormatException(field, excerpt, DeliverabilityRules.UnpairedSurrogateReason(value, i));
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
            if (c is < '!' or > '~' or '<' or '>' or '"' or '\\' or '(' or ')' or ',' or ';' or ':' or '[' or ']')
            {
                throw new MessageFormatException("Message-ID", messageId, "it may only contain printable ASCII without spaces, quotes, brackets or separators");
            }
        }
    }
}
