// This file is compiled into the runtime (checks at enqueue) and, linked, into the generator (checks of [Email] at build
// time), so both apply one list of rules. It targets netstandard2.0 too: no newer BCL APIs.
using System;
using System.Globalization;

namespace TypedMail.Deliverability;

/// <summary>
/// What an application may put into a message's header fields, tags and category: the one list of rules that the
/// runtime applies at enqueue and the generator applies to <c>[Email]</c> settings at build time.
/// </summary>
internal static class DeliverabilityRules
{
    /// <summary>The longest category, in characters.</summary>
    public const int MaxCategoryLength = 100;

    /// <summary>The most tags per message.</summary>
    public const int MaxTags = 10;

    /// <summary>The longest tag or metadata key, in characters.</summary>
    public const int MaxTagLength = 64;

    /// <summary>The longest header field name, in characters.</summary>
    public const int MaxHeaderNameLength = 76;

    /// <summary>Why a value with a line break cannot be a header value.</summary>
    public const string LineBreakReason = "it contains CR or LF, which would inject header lines";

    /// <summary>Why a stamped field (<see cref="StampedFields"/>) cannot be set by an application.</summary>
    public const string StampedFieldReason = "TypedMail writes this field itself";

    /// <summary>The rule a category breaks.</summary>
    public const string CategoryRule = "1 to 100 ASCII letters, digits, '.', '-' or '_'";

    /// <summary>The rule a tag breaks.</summary>
    public const string TagRule = "1 to 64 ASCII letters, digits, '.', '-', '_' or ':'";

    /// <summary>Fields the message writes from its own properties (and every <c>Content-*</c> field); no custom header may set them.</summary>
    public static readonly string[] ReservedFields =
    [
        "Date", "From", "Sender", "Reply-To", "To", "Cc", "Bcc", "Subject", "Message-ID", "MIME-Version", "DKIM-Signature", "Return-Path",
    ];

    /// <summary>
    /// Fields TypedMail stamps into the stored headers at enqueue (the message key, the tags, one-click unsubscribe): an
    /// application's header may not set them, so a provider's events and an unsubscribe always mean what TypedMail wrote.
    /// </summary>
    public static readonly string[] StampedFields =
    [
        "X-TypedMail-Id", "X-TypedMail-Tags", "List-Unsubscribe", "List-Unsubscribe-Post",
    ];

    /// <summary>Why <paramref name="name"/> cannot be a custom header's name (any header's, or with <paramref name="application"/> one an application sets), or <see langword="null"/>.</summary>
    public static string? HeaderNameProblem(string name, bool application)
    {
        if (name.Length is 0 or > MaxHeaderNameLength)
        {
            return "it must have 1 to 76 characters";
        }

        foreach (var c in name)
        {
            if (c is <= ' ' or > '~' or ':')
            {
                return "it must be printable ASCII without spaces or ':'";
            }
        }

        if (Contains(ReservedFields, name) || name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
        {
            return "this field is written from the message's own properties";
        }

        return application && Contains(StampedFields, name) ? StampedFieldReason : null;
    }

    /// <summary>Why <paramref name="value"/> cannot be a header's value, or <see langword="null"/>.</summary>
    public static string? HeaderValueProblem(string value)
    {
        if (value.IndexOfAny(['\r', '\n']) >= 0)
        {
            return LineBreakReason;
        }

        var index = UnpairedSurrogateIndex(value);
        return index < 0 ? null : UnpairedSurrogateReason(value, index);
    }

    /// <summary>Splits <c>"Name: value"</c> at the first colon, trimming both; <see langword="false"/> when there is no name before a colon.</summary>
    public static bool TrySplitHeader(string? entry, out string name, out string value)
    {
        var colon = entry?.IndexOf(':') ?? -1;
        if (colon <= 0)
        {
            name = value = "";
            return false;
        }

        name = entry!.Substring(0, colon).Trim();
        value = entry.Substring(colon + 1).Trim();
        return name.Length > 0;
    }

    /// <summary>The index of the first surrogate that is not part of a pair, or -1.</summary>
    public static int UnpairedSurrogateIndex(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Why a value with an unpaired surrogate at <paramref name="index"/> is refused.</summary>
    public static string UnpairedSurrogateReason(string value, int index)
        => string.Format(CultureInfo.InvariantCulture, "it contains an unpaired surrogate (U+{0:X4}) at index {1}", (int)value[index], index);

    /// <summary>Whether <paramref name="category"/> is <see cref="CategoryRule"/>.</summary>
    public static bool IsCategory(string? category) => IsName(category, MaxCategoryLength, allowColon: false);

    /// <summary>Whether <paramref name="tag"/> (or a metadata key) is <see cref="TagRule"/>.</summary>
    public static bool IsTag(string? tag) => IsName(tag, MaxTagLength, allowColon: true);

    private static bool IsName(string? name, int maxLength, bool allowColon)
    {
        if (name is null || name.Length == 0 || name.Length > maxLength)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '-' or '_') && !(allowColon && c == ':'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool Contains(string[] fields, string name)
    {
        foreach (var field in fields)
        {
            if (string.Equals(field, name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
