using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace TypedMail.Rendering;

/// <summary>Scriban's <c>string.*</c> builtins, with Scriban 7.6.1 semantics (a <see langword="null"/> text acts as empty). Used by generated code only.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class StringFunctions
{
    /// <summary><c>string.append</c>: <paramref name="text"/> followed by <paramref name="with"/>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="with">The text to append.</param>
    /// <returns>The result.</returns>
    public static string Append(string? text, string? with) => (text ?? "") + (with ?? "");

    /// <summary><c>string.prepend</c>: <paramref name="by"/> followed by <paramref name="text"/>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="by">The text to put first.</param>
    /// <returns>The result.</returns>
    public static string Prepend(string? text, string? by) => (by ?? "") + (text ?? "");

    /// <summary><c>string.capitalize</c>: the first character in upper case (current culture, as Scriban).</summary>
    /// <param name="text">The text.</param>
    /// <returns>The result.</returns>
    public static string Capitalize(string? text)
    {
        if (string.IsNullOrEmpty(text) || char.IsUpper(text[0]))
        {
            return text ?? "";
        }

        return char.ToUpper(text[0], CultureInfo.CurrentCulture) + text.Substring(1);
    }

    /// <summary><c>string.capitalizewords</c>: the first letter of each word in upper case.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The result.</returns>
    public static string Capitalizewords(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        var sb = new StringBuilder(text.Length);
        var atWordStart = true;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                atWordStart = true;
                sb.Append(c);
            }
            else if (atWordStart && char.IsLetter(c))
            {
                sb.Append(char.ToUpper(c, CultureInfo.CurrentCulture));
                atWordStart = false;
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    /// <summary><c>string.contains</c>: an ordinal search; <see langword="false"/> when either side is null or empty.</summary>
    /// <param name="text">The text.</param>
    /// <param name="value">The text to find.</param>
    /// <returns>Whether it was found.</returns>
    public static bool Contains(string? text, string? value)
        => !string.IsNullOrEmpty(text) && !string.IsNullOrEmpty(value) && text.Contains(value, StringComparison.Ordinal);

    /// <summary><c>string.downcase</c>.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The text in lower case (invariant).</returns>
    public static string Downcase(string? text) => text?.ToLowerInvariant() ?? "";

    /// <summary><c>string.upcase</c>.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The text in upper case (invariant).</returns>
    public static string Upcase(string? text) => text?.ToUpperInvariant() ?? "";

    /// <summary><c>string.empty</c>.</summary>
    /// <param name="text">The text.</param>
    /// <returns>Whether it is null or empty.</returns>
    public static bool Empty(string? text) => string.IsNullOrEmpty(text);

    /// <summary><c>string.whitespace</c>.</summary>
    /// <param name="text">The text.</param>
    /// <returns>Whether it is null, empty or white space.</returns>
    public static bool Whitespace(string? text) => string.IsNullOrWhiteSpace(text);

    /// <summary><c>string.starts_with</c> (current-culture comparison, as Scriban).</summary>
    /// <param name="text">The text.</param>
    /// <param name="value">The prefix.</param>
    /// <returns>Whether the text starts with it; <see langword="false"/> when either side is null or empty.</returns>
    public static bool StartsWith(string? text, string? value)
        => !string.IsNullOrEmpty(text) && !string.IsNullOrEmpty(value) && text.StartsWith(value, StringComparison.CurrentCulture);

    /// <summary><c>string.ends_with</c> (current-culture comparison, as Scriban).</summary>
    /// <param name="text">The text.</param>
    /// <param name="value">The suffix.</param>
    /// <returns>Whether the text ends with it; <see langword="false"/> when either side is null or empty.</returns>
    public static bool EndsWith(string? text, string? value)
        => !string.IsNullOrEmpty(text) && !string.IsNullOrEmpty(value) && text.EndsWith(value, StringComparison.CurrentCulture);

    /// <summary><c>string.equals_ignore_case</c>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="other">The other text.</param>
    /// <returns>Whether they are equal ignoring case.</returns>
    public static bool EqualsIgnoreCase(string? text, string? other) => string.Equals(text, other, StringComparison.OrdinalIgnoreCase);

    /// <summary><c>string.handleize</c>: lower-case letters and digits; runs of anything else become one <c>-</c>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="location">Where the call is, for errors.</param>
    /// <returns>The handle.</returns>
    /// <exception cref="TemplateRuntimeException">The text is <see langword="null"/> (Scriban fails too).</exception>
    public static string Handleize(string? text, string location)
    {
        if (text is null)
        {
            throw new TemplateRuntimeException(location, "Object reference not set to an instance of an object.");
        }

        if (text.Length == 0)
        {
            return "";
        }

        var sb = new StringBuilder(text.Length);
        var lastWasDash = false;
        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c))
            {
                sb.Append(char.ToLowerInvariant(c));
                lastWasDash = false;
            }
            else if (!lastWasDash)
            {
                sb.Append('-');
                lastWasDash = true;
            }
        }

        if (sb.Length > 0 && sb[sb.Length - 1] == '-')
        {
            sb.Length--;
        }

        return sb.ToString();
    }

    /// <summary><c>string.lstrip</c>.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The text without leading white space.</returns>
    public static string Lstrip(string? text) => text?.TrimStart() ?? "";

    /// <summary><c>string.rstrip</c>.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The text without trailing white space.</returns>
    public static string Rstrip(string? text) => text?.TrimEnd() ?? "";

    /// <summary><c>string.strip</c>.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The text without leading and trailing white space.</returns>
    public static string Strip(string? text) => text?.Trim() ?? "";

    /// <summary><c>string.pad_left</c>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="width">The total width.</param>
    /// <returns>The text padded with spaces on the left.</returns>
    public static string PadLeft(string? text, int width) => (text ?? "").PadLeft(width);

    /// <summary><c>string.pad_right</c>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="width">The total width.</param>
    /// <returns>The text padded with spaces on the right.</returns>
    public static string PadRight(string? text, int width) => (text ?? "").PadRight(width);

    /// <summary><c>string.pluralize</c>: <paramref name="singular"/> when <paramref name="number"/> is 1, else <paramref name="plural"/>.</summary>
    /// <param name="number">The count.</param>
    /// <param name="singular">The singular form.</param>
    /// <param name="plural">The plural form.</param>
    /// <returns>One of the forms.</returns>
    public static string? Pluralize(int number, string? singular, string? plural) => number == 1 ? singular : plural;

    /// <summary><c>string.remove</c>: removes every occurrence.</summary>
    /// <param name="text">The text.</param>
    /// <param name="remove">The text to remove.</param>
    /// <returns>The result.</returns>
    public static string Remove(string? text, string? remove)
        => string.IsNullOrEmpty(remove) || string.IsNullOrEmpty(text) ? text ?? "" : text.Replace(remove, "", StringComparison.Ordinal);

    /// <summary><c>string.remove_first</c>: the first occurrence, ignoring case, as in Scriban.</summary>
    /// <param name="text">The text.</param>
    /// <param name="remove">The text to remove.</param>
    /// <returns>The result.</returns>
    public static string RemoveFirst(string? text, string? remove) => ReplaceFirst(text, remove, "");

    /// <summary><c>string.remove_last</c>: the last occurrence, ignoring case, as in Scriban.</summary>
    /// <param name="text">The text.</param>
    /// <param name="remove">The text to remove.</param>
    /// <returns>The result.</returns>
    public static string RemoveLast(string? text, string? remove)
    {
        if (string.IsNullOrEmpty(text) || string.IsNullOrEmpty(remove))
        {
            return text ?? "";
        }

        var index = text.LastIndexOf(remove, StringComparison.OrdinalIgnoreCase);
        return index < 0 ? text : text.Remove(index, remove.Length);
    }

    /// <summary><c>string.replace</c>: ordinal, every occurrence.</summary>
    /// <param name="text">The text.</param>
    /// <param name="match">The text to find.</param>
    /// <param name="replace">The replacement.</param>
    /// <returns>The result.</returns>
    public static string Replace(string? text, string? match, string? replace)
        => string.IsNullOrEmpty(text) || string.IsNullOrEmpty(match) ? text ?? "" : text.Replace(match, replace ?? "", StringComparison.Ordinal);

    /// <summary><c>string.replace_first</c>: the first occurrence, ignoring case, as in Scriban (<c>string.replace</c> is ordinal).</summary>
    /// <param name="text">The text.</param>
    /// <param name="match">The text to find.</param>
    /// <param name="replace">The replacement.</param>
    /// <returns>The result.</returns>
    public static string ReplaceFirst(string? text, string? match, string? replace)
    {
        if (string.IsNullOrEmpty(text) || string.IsNullOrEmpty(match))
        {
            return text ?? "";
        }

        var index = text.IndexOf(match, StringComparison.OrdinalIgnoreCase);
        return index < 0 ? text : text.Substring(0, index) + replace + text.Substring(index + match.Length);
    }

    /// <summary><c>string.size</c>.</summary>
    /// <param name="text">The text.</param>
    /// <returns>Its length; 0 for null.</returns>
    public static int Size(string? text) => text?.Length ?? 0;

    /// <summary><c>string.slice</c>: a substring; a negative start counts from the end.</summary>
    /// <param name="text">The text.</param>
    /// <param name="start">The start index.</param>
    /// <param name="length">The length; to the end when <see langword="null"/>.</param>
    /// <returns>The substring.</returns>
    public static string Slice(string? text, int start, int? length = null)
    {
        if (text is null || start > text.Length)
        {
            return "";
        }

        var count = length ?? text.Length;
        if (start < 0)
        {
            start += text.Length;
            if (start < 0)
            {
                count += start;
                start = 0;
            }
        }

        if (start + count > text.Length)
        {
            count = text.Length - start;
        }

        return count <= 0 ? "" : text.Substring(start, count);
    }

    /// <summary><c>string.slice1</c>: like <see cref="Slice"/> with a default length of one character.</summary>
    /// <param name="text">The text.</param>
    /// <param name="start">The start index.</param>
    /// <param name="length">The length.</param>
    /// <returns>The substring.</returns>
    public static string Slice1(string? text, int start, int length = 1) => Slice(text, start, length);

    /// <summary><c>string.split</c>: the parts between occurrences of <paramref name="match"/>, empty parts removed.</summary>
    /// <param name="text">The text.</param>
    /// <param name="match">The separator.</param>
    /// <returns>The parts.</returns>
    public static List<string> Split(string? text, string? match)
        => string.IsNullOrEmpty(text) ? [] : [.. text.Split(match ?? "", StringSplitOptions.RemoveEmptyEntries)];

    /// <summary><c>string.strip_newlines</c>: removes CR and LF characters.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The result.</returns>
    public static string StripNewlines(string? text) => text?.Replace("\r", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal) ?? "";

    /// <summary><c>string.truncate</c>: at most <paramref name="length"/> characters, the ellipsis included.</summary>
    /// <param name="text">The text.</param>
    /// <param name="length">The maximum length.</param>
    /// <param name="ellipsis">The text appended when cut.</param>
    /// <returns>The result.</returns>
    public static string Truncate(string? text, int length, string? ellipsis = "...")
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        ellipsis ??= "...";
        if (text.Length <= length)
        {
            return text;
        }

        var keep = Math.Max(0, length - ellipsis.Length);
        return text.Substring(0, keep) + ellipsis;
    }

    /// <summary>
    /// <c>string.truncatewords</c>: the first <paramref name="count"/> words (split on runs of whitespace), joined by single
    /// spaces, then the ellipsis, which is appended even when nothing was cut (Scriban 7.6.1; 7.2.6 ignored the
    /// ellipsis argument and always appended <c>...</c>).
    /// </summary>
    /// <param name="text">The text.</param>
    /// <param name="count">The number of words.</param>
    /// <param name="ellipsis">What to append; <c>...</c> when <see langword="null"/>.</param>
    /// <returns>The result.</returns>
    public static string Truncatewords(string? text, int count, string? ellipsis = null)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        // Split on runs of whitespace, keeping the empty word before leading or after trailing whitespace, as Scriban does.
        var words = Whitespace().Split(text);
        return string.Join(" ", words, 0, Math.Max(0, Math.Min(count, words.Length))) + (ellipsis ?? "...");
    }

    /// <summary><c>string.index_of</c>: a search with the current culture's rules, as Scriban's.</summary>
    /// <param name="text">The text.</param>
    /// <param name="search">The text to find.</param>
    /// <param name="location">Where the call is, for errors.</param>
    /// <returns>The index, or -1.</returns>
    /// <exception cref="TemplateRuntimeException">The text or the search is <see langword="null"/> (Scriban fails too).</exception>
    public static int IndexOf(string? text, string? search, string location)
    {
        if (text is null || search is null)
        {
            throw new TemplateRuntimeException(location, $"Value cannot be null. (Parameter '{(text is null ? "text" : "search")}')");
        }

        // Scriban compares with the current culture here, unlike string.contains.
        return text.IndexOf(search, StringComparison.CurrentCulture);
    }

    /// <summary><c>string.to_int</c>: an invariant parse.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The number, or <see langword="null"/>.</returns>
    public static int? ToInt(string? text) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary><c>string.to_long</c>: an invariant parse.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The number, or <see langword="null"/>.</returns>
    public static long? ToLong(string? text) => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary><c>string.to_float</c>: an invariant parse.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The number, or <see langword="null"/>.</returns>
    public static float? ToFloat(string? text) => float.TryParse(text, NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary><c>string.to_double</c>: an invariant parse.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The number, or <see langword="null"/>.</returns>
    public static double? ToDouble(string? text) => double.TryParse(text, NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary><c>string.md5</c>: the lower-case hex MD5 of the UTF-8 text.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The hash.</returns>
    public static string Md5(string? text) => Hex(MD5.HashData(Encoding.UTF8.GetBytes(text ?? "")));

    /// <summary><c>string.sha1</c>: the lower-case hex SHA-1 of the UTF-8 text.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The hash.</returns>
    public static string Sha1(string? text) => Hex(SHA1.HashData(Encoding.UTF8.GetBytes(text ?? "")));

    /// <summary><c>string.sha256</c>: the lower-case hex SHA-256 of the UTF-8 text.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The hash.</returns>
    public static string Sha256(string? text) => Hex(SHA256.HashData(Encoding.UTF8.GetBytes(text ?? "")));

    /// <summary><c>string.sha512</c>: the lower-case hex SHA-512 of the UTF-8 text.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The hash.</returns>
    public static string Sha512(string? text) => Hex(SHA512.HashData(Encoding.UTF8.GetBytes(text ?? "")));

    /// <summary><c>string.hmac_sha1</c>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="secretKey">The key.</param>
    /// <returns>The lower-case hex HMAC.</returns>
    public static string HmacSha1(string? text, string? secretKey) => Hex(HMACSHA1.HashData(Encoding.UTF8.GetBytes(secretKey ?? ""), Encoding.UTF8.GetBytes(text ?? "")));

    /// <summary><c>string.hmac_sha256</c>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="secretKey">The key.</param>
    /// <returns>The lower-case hex HMAC.</returns>
    public static string HmacSha256(string? text, string? secretKey) => Hex(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secretKey ?? ""), Encoding.UTF8.GetBytes(text ?? "")));

    /// <summary><c>string.hmac_sha512</c>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="secretKey">The key.</param>
    /// <returns>The lower-case hex HMAC.</returns>
    public static string HmacSha512(string? text, string? secretKey) => Hex(HMACSHA512.HashData(Encoding.UTF8.GetBytes(secretKey ?? ""), Encoding.UTF8.GetBytes(text ?? "")));

    /// <summary><c>"-" * 3</c>: the text repeated.</summary>
    /// <param name="text">The text.</param>
    /// <param name="count">How many times.</param>
    /// <returns>The result; empty for a count of zero or less.</returns>
    public static string Repeat(string? text, int count)
    {
        if (string.IsNullOrEmpty(text) || count <= 0)
        {
            return "";
        }

        var sb = new StringBuilder(text.Length * count);
        for (var i = 0; i < count; i++)
        {
            sb.Append(text);
        }

        return sb.ToString();
    }

    internal static string Escape(string text)
    {
        var sb = new StringBuilder(text.Length + 2);
        foreach (var c in text)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\0': sb.Append("\\0"); break;
                default:
                    if (char.IsControl(c))
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        return sb.ToString();
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
