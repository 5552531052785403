using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text;
using MimeKit;

namespace TypedMail.Mime;

/// <summary>
/// Writes header fields (RFC 5322 2.2) into a byte buffer: values are folded at whitespace so lines stay within
/// 78 octets wherever a break is possible, and never pass 998; non-ASCII text becomes RFC 2047 encoded-words
/// sized to the room left on the line; file names use RFC 2231 parameter continuations.
/// </summary>
internal sealed class HeaderWriter : IDisposable
{
    // Lines end by 78 octets; a word is folded onto a new line at 77, keeping room for a ',' or ';' after it.
    private const int FoldAt = 77;
    private const int MaxLine = 998;
    private const int MaxEncodedWord = 75;
    private const string EncodedWordStart = "=?utf-8?B?";
    private const int EncodedWordOverhead = 12; // "=?utf-8?B?" and "?="

    private static readonly SearchValues<char> Atext =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-/=?^_`{|}~");

    // RFC 2231 attribute-char: CHAR except SPACE, CTLs, "*", "'", "%" and the tspecials.
    private static readonly SearchValues<char> AttributeChar =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$&+-.^_`{|}~");

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(2048);
    private int _length;
    private int _cut;
    private int _lineLength;
    private bool _lineHasWord;
    private string _field = "";
    private object? _value;

    private static readonly ParserOptions StrictParser = new()
    {
        AddressParserComplianceMode = RfcComplianceMode.Strict,
        ParameterComplianceMode = RfcComplianceMode.Strict,
        Rfc2047ComplianceMode = RfcComplianceMode.Strict,
    };

    /// <summary>
    /// Writes one field and returns it as a MimeKit header parsed from these bytes, which keeps them as its raw value.
    /// MimeKit's own encoding lets encoded-words pass RFC 2047's 75 characters and lines pass 78, splits RFC 2231
    /// sections inside a UTF-8 sequence, and writes text that looks like an encoded-word, or has leading or repeated
    /// spaces, so that it reads back differently: this writer does neither.
    /// </summary>
    /// <param name="name">The field name.</param>
    /// <param name="valueForErrors">What an error names as the value.</param>
    /// <param name="writeValue">Writes the value.</param>
    /// <exception cref="MessageFormatException">The value cannot be written within the line limits, or has an unpaired surrogate.</exception>
    public static Header Field(string name, object valueForErrors, Action<HeaderWriter> writeValue)
    {
        using var writer = new HeaderWriter();
        writer.BeginField(name, valueForErrors);
        writeValue(writer);
        writer.EndField();
        var field = writer.Cut();
        return Header.TryParse(StrictParser, field, out var header) && header.Field == name
            ? header
            : throw new MessageFormatException(name, writer.ValueText, "MimeKit cannot read the field back");
    }

    /// <summary>Writes ASCII text as it is (boundary lines, the blank line after a header block).</summary>
    public void Raw(string ascii)
    {
        var span = Reserve(ascii.Length);
        for (var i = 0; i < ascii.Length; i++)
        {
            span[i] = (byte)ascii[i];
        }
    }

    /// <summary>
    /// Starts a field: <c>Name:</c>. <paramref name="valueForErrors"/> (a string, a mailbox or a list of them) is
    /// what an error names as the value; it is turned into text only then.
    /// </summary>
    public void BeginField(string name, object valueForErrors)
    {
        _field = name;
        _value = valueForErrors;
        _lineLength = 0;
        _lineHasWord = false;
        Append(name);
        Append(":");
    }

    /// <summary>Ends the field with CRLF.</summary>
    public void EndField()
    {
        Raw("\r\n");
        _lineLength = 0;
    }

    /// <summary>Writes a space and a word, folding first when the word would pass 78 octets and the line already has one.</summary>
    public void Word(ReadOnlySpan<char> word)
    {
        var octets = Encoding.UTF8.GetByteCount(word);
        if (_lineHasWord && octets > 0 && _lineLength + 1 + octets > FoldAt)
        {
            Raw("\r\n");
            _lineLength = 0;
        }

        Append(" ");
        Append(word);
        _lineHasWord = true;
    }

    /// <summary>Writes text right after what is there, without a space or a fold (a comma, a semicolon).</summary>
    public void Append(ReadOnlySpan<char> text)
    {
        var octets = Encoding.UTF8.GetByteCount(text);
        if (_lineLength + octets > MaxLine)
        {
            throw new MessageFormatException(_field, ValueText, $"a line would be longer than {MaxLine} octets");
        }

        Encoding.UTF8.GetBytes(text, Reserve(octets));
        _lineLength += octets;
    }

    /// <summary>
    /// Writes text as RFC 2047 B encoded-words (UTF-8), each at most 75 characters, sized to the room on the line
    /// and never splitting a character. Decoders drop the whitespace between adjacent encoded-words.
    /// </summary>
    public void EncodedWords(ReadOnlySpan<char> text)
    {
        Span<byte> payload = stackalloc byte[48];
        Span<char> word = stackalloc char[MaxEncodedWord];
        while (!text.IsEmpty)
        {
            var room = Math.Min(MaxEncodedWord, FoldAt - _lineLength - 1);
            if (room < EncodedWordOverhead + 8 && _lineHasWord)
            {
                room = MaxEncodedWord;
                Raw("\r\n");
                _lineLength = 0;
            }

            var maxBytes = (room - EncodedWordOverhead) / 4 * 3;
            var bytes = 0;
            var chars = 0;
            while (chars < text.Length)
            {
                if (Rune.DecodeFromUtf16(text[chars..], out var rune, out var used) != OperationStatus.Done)
                {
                    throw new MessageFormatException(_field, ValueText, $"it contains an unpaired surrogate (U+{(int)text[chars]:X4})");
                }

                if (bytes + rune.Utf8SequenceLength > maxBytes)
                {
                    break;
                }

                bytes += rune.EncodeToUtf8(payload[bytes..]);
                chars += used;
            }

            EncodedWordStart.CopyTo(word);
            Convert.TryToBase64Chars(payload[..bytes], word[EncodedWordStart.Length..], out var encoded);
            var length = EncodedWordStart.Length + encoded;
            word[length++] = '?';
            word[length++] = '=';
            Word(word[..length]);
            text = text[chars..];
        }
    }

    /// <summary>An unstructured value such as a subject: plain words when that round-trips exactly, otherwise encoded-words.</summary>
    public void Unstructured(string value)
    {
        if (value.Length == 0)
        {
            return;
        }

        if (IsPlainText(value))
        {
            foreach (var word in value.AsSpan().Split(' '))
            {
                Word(value.AsSpan()[word]);
            }
        }
        else
        {
            EncodedWords(value);
        }
    }

    /// <summary>
    /// A caller's extra field. Printable ASCII is written as it is, folded only at spaces (it may be a structured
    /// field such as <c>List-Unsubscribe</c>, which encoded-words would break); anything else is encoded.
    /// </summary>
    public void CustomValue(string value)
    {
        foreach (var c in value)
        {
            if (c is not ('\t' or (>= ' ' and <= '~')))
            {
                EncodedWords(value);
                return;
            }
        }

        foreach (var word in value.AsSpan().Split(' '))
        {
            Word(value.AsSpan()[word]);
        }
    }

    /// <summary>A list of mailboxes separated by commas.</summary>
    public void AddressList(IReadOnlyList<EmailAddress> addresses)
    {
        for (var i = 0; i < addresses.Count; i++)
        {
            if (i > 0)
            {
                Append(",");
            }

            Mailbox(addresses[i]);
        }
    }

    /// <summary>A mailbox: <c>display name &lt;local@ascii-domain&gt;</c> or the bare address.</summary>
    public void Mailbox(EmailAddress address)
    {
        if (address.DisplayName is not { } name)
        {
            Word(address.AsciiAddress);
            return;
        }

        if (IsAtoms(name))
        {
            foreach (var atom in name.AsSpan().Split(' '))
            {
                Word(name.AsSpan()[atom]);
            }
        }
        else if (IsQuotable(name))
        {
            Word("\"" + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"");
        }
        else
        {
            EncodedWords(name);
        }

        Word("<", address.AsciiAddress, ">");
    }

    /// <summary>A word made of three pieces, as <see cref="Word(ReadOnlySpan{char})"/> without joining them first.</summary>
    public void Word(ReadOnlySpan<char> prefix, ReadOnlySpan<char> middle, ReadOnlySpan<char> suffix)
    {
        var octets = Encoding.UTF8.GetByteCount(prefix) + Encoding.UTF8.GetByteCount(middle) + Encoding.UTF8.GetByteCount(suffix);
        if (_lineHasWord && _lineLength + 1 + octets > FoldAt)
        {
            Raw("\r\n");
            _lineLength = 0;
        }

        Append(" ");
        Append(prefix);
        Append(middle);
        Append(suffix);
        _lineHasWord = true;
    }

    /// <summary>
    /// The <c>filename</c> parameter: a quoted string for short printable ASCII names, otherwise RFC 2231
    /// (<c>filename*=utf-8''...</c>, split into <c>filename*0*</c>, <c>filename*1*</c>... when long).
    /// </summary>
    public void FileName(string fileName)
    {
        if (fileName.Length <= 60 && IsQuotable(fileName))
        {
            Append(";");
            Word("filename=\"" + fileName.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"");
            return;
        }

        var sections = PercentEncodedSections(fileName);
        for (var i = 0; i < sections.Count; i++)
        {
            Append(";");
            var prefix = sections.Count == 1 ? "filename*=" : $"filename*{i}*=";
            Word(prefix + (i == 0 ? "utf-8''" : "") + sections[i]);
        }
    }

    private string ValueText => _value is IEnumerable<EmailAddress> list ? string.Join(", ", list) : _value?.ToString() ?? "";

    /// <summary>The bytes written since the last cut.</summary>
    public byte[] Cut()
    {
        var bytes = _buffer.AsSpan(_cut, _length - _cut).ToArray();
        _cut = _length;
        return bytes;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }

    private List<string> PercentEncodedSections(string value)
    {
        var sections = new List<string>();
        var section = new StringBuilder();
        Span<byte> utf8 = stackalloc byte[4];
        var limit = 50;
        for (var i = 0; i < value.Length;)
        {
            if (Rune.DecodeFromUtf16(value.AsSpan(i), out var rune, out var used) != OperationStatus.Done)
            {
                throw new MessageFormatException(_field, ValueText, $"it contains an unpaired surrogate (U+{(int)value[i]:X4})");
            }

            var piece = new StringBuilder(12);
            if (rune.IsAscii && AttributeChar.Contains((char)rune.Value))
            {
                piece.Append((char)rune.Value);
            }
            else
            {
                var n = rune.EncodeToUtf8(utf8);
                for (var b = 0; b < n; b++)
                {
                    piece.Append('%').Append(utf8[b].ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
                }
            }

            if (section.Length + piece.Length > limit)
            {
                sections.Add(section.ToString());
                section.Clear();
                limit = 60;
            }

            section.Append(piece);
            i += used;
        }

        sections.Add(section.ToString());
        return sections;
    }

    /// <summary>Printable ASCII words separated by single spaces, each short enough to fit a folded line, that no decoder would change.</summary>
    private static bool IsPlainText(string value)
    {
        if (value[0] == ' ' || value[^1] == ' ' || value.Contains("=?", StringComparison.Ordinal) || value.Contains("  ", StringComparison.Ordinal))
        {
            return false;
        }

        var wordLength = 0;
        foreach (var c in value)
        {
            if (c == ' ')
            {
                wordLength = 0;
                continue;
            }

            if (c is < '!' or > '~' || ++wordLength > 66)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A phrase of atoms (RFC 5322 3.2.3) separated by single spaces.</summary>
    private static bool IsAtoms(string value)
    {
        if (value.Contains("=?", StringComparison.Ordinal) || value.Contains("  ", StringComparison.Ordinal) || value.Length > 60)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c != ' ' && !Atext.Contains(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Short printable ASCII that reads back exactly as a quoted string.</summary>
    private static bool IsQuotable(string value)
    {
        if (value.Length > 60 || value.Contains("=?", StringComparison.Ordinal) || value[0] == ' ' || value[^1] == ' ')
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c is < ' ' or > '~')
            {
                return false;
            }
        }

        return true;
    }

    private Span<byte> Reserve(int count)
    {
        if (_length + count > _buffer.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + count));
            _buffer.AsSpan(0, _length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }

        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }
}
