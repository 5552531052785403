using System;
using System.ComponentModel;
using System.Text.RegularExpressions;

namespace TypedMail.Rendering;

/// <summary>Scriban's <c>regex.replace</c>, the one <c>regex.*</c> builtin TypedMail compiles. Used by generated code only.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class RegexFunctions
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary><c>regex.replace</c>: replaces every match of <paramref name="pattern"/>.</summary>
    /// <param name="input">The text.</param>
    /// <param name="pattern">A .NET regular expression.</param>
    /// <param name="replace">The replacement (<c>$1</c> refers to groups).</param>
    /// <param name="options">Scriban's option letters: <c>i</c> ignore case, <c>m</c> multiline, <c>s</c> single line, <c>x</c> ignore pattern whitespace.</param>
    /// <returns>The result; empty for <see langword="null"/> input.</returns>
    public static string Replace(string? input, string? pattern, string? replace, string? options = null)
        => string.IsNullOrEmpty(input) || pattern is null ? input ?? "" : Regex.Replace(input, pattern, replace ?? "", Options(options), Timeout);

    private static RegexOptions Options(string? options)
    {
        var result = RegexOptions.None;
        foreach (var c in options ?? "")
        {
            result |= c switch
            {
                'i' => RegexOptions.IgnoreCase,
                'm' => RegexOptions.Multiline,
                's' => RegexOptions.Singleline,
                'x' => RegexOptions.IgnorePatternWhitespace,
                _ => RegexOptions.None,
            };
        }

        return result;
    }
}
