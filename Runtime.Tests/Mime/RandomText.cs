using System;
using System.Text;

namespace TypedMail.Runtime.Tests.Mime;

/// <summary>Random Unicode text for fuzzing: every plane, combining marks, RTL, emoji, controls and MIME-significant sequences.</summary>
internal sealed class RandomText(Random random)
{
    private static readonly (int From, int To)[] Ranges =
    [
        (0x20, 0x7E), (0x20, 0x7E), (0x20, 0x7E), (0x20, 0x7E), (0xA0, 0xFF), (0x100, 0x24F), (0x300, 0x36F),
        (0x370, 0x3FF), (0x400, 0x4FF), (0x590, 0x5FF), (0x600, 0x6FF), (0x900, 0x97F), (0x0E00, 0x0E7F),
        (0x2000, 0x206F), (0x20A0, 0x20CF), (0x3000, 0x30FF), (0x4E00, 0x9FFF), (0xAC00, 0xD7A3), (0xE000, 0xF8FF),
        (0xFE00, 0xFE0F), (0xFFF9, 0xFFFF), (0x1F300, 0x1FAFF), (0x10000, 0x10FFFF),
    ];

    private static readonly string[] Specials =
    [
        "=?", "?=", "=?utf-8?B?QQ==?=", "=?iso-8859-1?q?a?=", "\"", "\\", "<", ">", ",", ";", ":", "@", "(", ")", "[", "]",
        "  ", " ", ".", "..", "From ", "=", "=3D", "--", "--=_alt_", "%", "*", "'", "\u200d", "\u202e", "\ufeff",
    ];

    private static readonly string[] LineBreaks = ["\n", "\r\n", "\r", "\n\n", "\r\n.\r\n", "\n.", "\u2028", "\u0085", "\f", "\v"];

    public Random Random => random;

    /// <summary>Text of up to <paramref name="maxLength"/> UTF-16 units (valid: no lone surrogates).</summary>
    public string Next(int maxLength, bool lineBreaks = false, bool controls = false)
    {
        var length = random.Next(maxLength + 1);
        var sb = new StringBuilder(length + 8);
        while (sb.Length < length)
        {
            var pick = random.Next(100);
            if (pick < 8)
            {
                sb.Append(Specials[random.Next(Specials.Length)]);
            }
            else if (pick < 14 && lineBreaks)
            {
                sb.Append(LineBreaks[random.Next(LineBreaks.Length)]);
            }
            else if (pick < 17 && controls)
            {
                var c = (char)random.Next(0, 0x20);
                sb.Append(c is '\r' or '\n' ? '\t' : c);
            }
            else if (pick < 18 && lineBreaks)
            {
                sb.Append(new string('w', random.Next(70, 1200)));
            }
            else
            {
                var (from, to) = Ranges[random.Next(Ranges.Length)];
                var scalar = random.Next(from, to + 1);
                if (scalar is >= 0xD800 and <= 0xDFFF)
                {
                    continue;
                }

                sb.Append(char.ConvertFromUtf32(scalar));
            }
        }

        return sb.ToString();
    }
}
