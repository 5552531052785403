using System;
using System.ComponentModel;
using System.Net;
using System.Text.RegularExpressions;

namespace TypedMail.Rendering;

/// <summary>Scriban's <c>html.*</c> builtins. Used by generated code only.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class HtmlFunctions
{
    /// <summary><c>html.escape</c>: <see cref="WebUtility.HtmlEncode(string)"/>.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The encoded text; null or empty input is returned as is.</returns>
    public static string? Escape(string? text) => string.IsNullOrEmpty(text) ? text : WebUtility.HtmlEncode(text);

    /// <summary><c>html.url_encode</c>: <see cref="Uri.EscapeDataString(string)"/>, for query values.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The encoded text; <see langword="null"/> for <see langword="null"/>, as in Scriban.</returns>
    public static string? UrlEncode(string? text) => string.IsNullOrEmpty(text) ? text : Uri.EscapeDataString(text);

    /// <summary><c>html.url_escape</c>: escapes spaces, <c>&lt;</c>, <c>&gt;</c> and non-ASCII characters but keeps the URL syntax.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The escaped text; <see langword="null"/> for <see langword="null"/>, as in Scriban.</returns>
    public static string? UrlEscape(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

#pragma warning disable SYSLIB0013 // Scriban's html.url_escape is Uri.EscapeUriString; keep its exact output.
        return Uri.EscapeUriString(text);
#pragma warning restore SYSLIB0013
    }

    /// <summary><c>html.newline_to_br</c>: inserts <c>&lt;br /&gt;</c> before each line break (which is kept).</summary>
    /// <param name="text">The text.</param>
    /// <returns>The result.</returns>
    public static string NewlineToBr(string? text) => string.IsNullOrEmpty(text) ? "" : LineBreak().Replace(text, "<br />$0");

    /// <summary><c>html.strip</c>: removes tags, comments, scripts and styles (not a sanitizer).</summary>
    /// <param name="text">The text.</param>
    /// <returns>The text without markup.</returns>
    public static string Strip(string? text) => string.IsNullOrEmpty(text) ? "" : Markup().Replace(text, "");

    [GeneratedRegex(@"\r\n|\r|\n")]
    private static partial Regex LineBreak();

    [GeneratedRegex("""<script.*?</script>|<!--.*?-->|<style.*?</style>|<(?:[^>=]|='[^']*'|="[^"]*"|=[^'"][^\s>]*)*>""", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex Markup();
}
