using System;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace TypedMail.Mime;

/// <summary>Writes an <see cref="EmailMessage"/> as RFC 5322/MIME: CRLF line endings, headers folded at 78, 7-bit bodies.</summary>
internal static class MimeWriter
{
    private const int MaxHeaderLine = 78;

    public static async Task WriteAsync(EmailMessage message, Stream destination, CancellationToken cancellationToken)
    {
        var text = Write(message);
        await destination.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken).ConfigureAwait(false);
    }

    public static string Write(EmailMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var sb = new StringBuilder(1024 + (message.HtmlBody?.Length ?? 0) + (message.TextBody?.Length ?? 0));
        WriteHeader(sb, "Date", message.Date.ToString("ddd, dd MMM yyyy HH:mm:ss ", CultureInfo.InvariantCulture) + FormatOffset(message.Date.Offset));
        WriteHeader(sb, "From", FormatMailbox(message.From));
        if (message.To.Count > 0)
        {
            WriteAddressList(sb, "To", message.To);
        }

        if (message.Cc.Count > 0)
        {
            WriteAddressList(sb, "Cc", message.Cc);
        }

        if (message.ReplyTo is not null)
        {
            WriteHeader(sb, "Reply-To", FormatMailbox(message.ReplyTo));
        }

        RejectLineBreaks("Subject", message.Subject);
        WriteHeader(sb, "Subject", EncodeUnstructured(message.Subject, "Subject".Length + 2));
        RejectLineBreaks("Message-ID", message.MessageId);
        WriteHeader(sb, "Message-ID", "<" + message.MessageId + ">");
        foreach (var (name, value) in message.Headers)
        {
            ValidateHeaderName(name);
            RejectLineBreaks(name, value);
            WriteHeader(sb, name, EncodeUnstructured(value, name.Length + 2));
        }

        WriteHeader(sb, "MIME-Version", "1.0");
        if (message.HtmlBody is not null && message.TextBody is not null)
        {
            var boundary = Boundary(message.MessageId);
            WriteHeader(sb, "Content-Type", "multipart/alternative; boundary=\"" + boundary + "\"");
            sb.Append("\r\n");
            sb.Append("--").Append(boundary).Append("\r\n");
            WriteTextPart(sb, "text/plain", message.TextBody);
            sb.Append("--").Append(boundary).Append("\r\n");
            WriteTextPart(sb, "text/html", message.HtmlBody);
            sb.Append("--").Append(boundary).Append("--\r\n");
        }
        else
        {
            WriteTextPart(sb, message.HtmlBody is not null ? "text/html" : "text/plain", message.HtmlBody ?? message.TextBody ?? string.Empty);
        }

        return sb.ToString();
    }

    private static void WriteTextPart(StringBuilder sb, string mediaType, string body)
    {
        WriteHeader(sb, "Content-Type", mediaType + "; charset=utf-8");
        WriteHeader(sb, "Content-Transfer-Encoding", "quoted-printable");
        sb.Append("\r\n");
        QuotedPrintable.Encode(body, sb);
    }

    private static string Boundary(string messageId)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(messageId), hash);
        return "=_tm_" + Convert.ToHexStringLower(hash[..12]);
    }

    private static string FormatOffset(TimeSpan offset)
    {
        var sign = offset < TimeSpan.Zero ? '-' : '+';
        offset = offset.Duration();
        return string.Create(CultureInfo.InvariantCulture, $"{sign}{offset.Hours:00}{offset.Minutes:00}");
    }

    private static void WriteAddressList(StringBuilder sb, string name, System.Collections.Generic.IReadOnlyList<EmailAddress> addresses)
    {
        var parts = new string[addresses.Count];
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = FormatMailbox(addresses[i]);
        }

        WriteHeader(sb, name, string.Join(", ", parts));
    }

    private static string FormatMailbox(EmailAddress address)
    {
        var addrSpec = address.LocalPart + "@" + address.AsciiDomain;
        if (address.DisplayName is null)
        {
            return addrSpec;
        }

        return EncodePhrase(address.DisplayName) + " <" + addrSpec + ">";
    }

    private static string EncodePhrase(string phrase)
    {
        if (!IsAscii(phrase))
        {
            return EncodedWords(phrase);
        }

        foreach (var c in phrase)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == ' ' || "!#$%&'*+-/=?^_`{|}~".Contains(c)))
            {
                return "\"" + phrase.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
            }
        }

        return phrase;
    }

    private static string EncodeUnstructured(string value, int prefix)
        => IsAscii(value) && !value.Contains("=?", StringComparison.Ordinal) ? value : EncodedWords(value);

    /// <summary>RFC 2047 B-encoded words of at most 75 characters, never splitting a UTF-8 sequence.</summary>
    private static string EncodedWords(string value)
    {
        const int maxPayloadBytes = 45; // 60 base64 chars + "=?utf-8?B??=" (12) = 72 <= 75
        var sb = new StringBuilder();
        var chunk = new StringBuilder();
        var chunkBytes = 0;
        var e = StringInfo.GetTextElementEnumerator(value);
        while (e.MoveNext())
        {
            var element = (string)e.Current;
            var bytes = Encoding.UTF8.GetByteCount(element);
            if (chunkBytes + bytes > maxPayloadBytes && chunk.Length > 0)
            {
                AppendWord(sb, chunk.ToString());
                chunk.Clear();
                chunkBytes = 0;
            }

            chunk.Append(element);
            chunkBytes += bytes;
        }

        if (chunk.Length > 0)
        {
            AppendWord(sb, chunk.ToString());
        }

        return sb.ToString();

        static void AppendWord(StringBuilder sb, string text)
        {
            if (sb.Length > 0)
            {
                sb.Append(' ');
            }

            sb.Append("=?utf-8?B?").Append(Convert.ToBase64String(Encoding.UTF8.GetBytes(text))).Append("?=");
        }
    }

    private static void WriteHeader(StringBuilder sb, string name, string value)
    {
        // Fold at whitespace so no line passes 78 characters where a break is possible.
        var lineLength = name.Length + 2;
        sb.Append(name).Append(": ");
        var words = value.Split(' ');
        for (var i = 0; i < words.Length; i++)
        {
            var word = words[i];
            if (i > 0)
            {
                if (lineLength + 1 + word.Length > MaxHeaderLine)
                {
                    sb.Append("\r\n ");
                    lineLength = 1;
                }
                else
                {
                    sb.Append(' ');
                    lineLength++;
                }
            }

            sb.Append(word);
            lineLength += word.Length;
        }

        sb.Append("\r\n");
    }

    private static void ValidateHeaderName(string name)
    {
        if (name.Length == 0)
        {
            throw new MessageFormatException("Header name", name, "it is empty");
        }

        foreach (var c in name)
        {
            if (c <= 32 || c >= 127 || c == ':')
            {
                throw new MessageFormatException("Header name", name, "it must be printable ASCII without spaces or ':'");
            }
        }
    }

    internal static void RejectLineBreaks(string field, string value)
    {
        if (value.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            throw new MessageFormatException(field, value, "it contains CR or LF, which would inject header lines");
        }
    }

    private static bool IsAscii(string value)
    {
        foreach (var c in value)
        {
            if (c >= 127 || (c < 32 && c != '\t'))
            {
                return false;
            }
        }

        return true;
    }
}
