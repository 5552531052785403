using System.Text;

namespace TypedMail.Mime;

/// <summary>Quoted-printable (RFC 2045 6.7) over UTF-8, with CRLF line breaks and soft breaks at 76.</summary>
internal static class QuotedPrintable
{
    private const string Hex = "0123456789ABCDEF";

    public static void Encode(string text, StringBuilder output)
    {
        var bytes = Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\n"));
        var lineLength = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            var b = bytes[i];
            if (b == '\n')
            {
                output.Append("\r\n");
                lineLength = 0;
                continue;
            }

            var atLineEnd = i + 1 == bytes.Length || bytes[i + 1] == '\n';
            var literal = (b >= 33 && b <= 126 && b != '=') || ((b == ' ' || b == '\t') && !atLineEnd);
            // A leading '.' is safe in QP but encoding it keeps naive dot-stuffing bugs out of the picture.
            if (literal && b == '.' && lineLength == 0)
            {
                literal = false;
            }

            var width = literal ? 1 : 3;
            if (lineLength + width > 75)
            {
                output.Append("=\r\n");
                lineLength = 0;
            }

            if (literal)
            {
                output.Append((char)b);
            }
            else
            {
                output.Append('=').Append(Hex[b >> 4]).Append(Hex[b & 0xF]);
            }

            lineLength += width;
        }

        if (bytes.Length == 0 || bytes[^1] != '\n')
        {
            output.Append("\r\n");
        }
    }
}
