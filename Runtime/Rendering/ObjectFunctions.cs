using System;
using System.Collections;
using System.ComponentModel;

namespace TypedMail.Rendering;

/// <summary>Scriban's <c>object.*</c> builtins. Used by generated code only.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ObjectFunctions
{
    /// <summary><c>object.default</c>: <paramref name="defaultValue"/> when the value is <see langword="null"/> or an empty string.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="value">The value.</param>
    /// <param name="defaultValue">The fallback.</param>
    /// <returns>The value or the fallback.</returns>
    public static T? Default<T>(T? value, T? defaultValue) => value is null || value is string { Length: 0 } ? defaultValue : value;

    /// <summary><c>object.format</c>: <see cref="IFormattable.ToString(string, IFormatProvider)"/> with the invariant culture.</summary>
    /// <param name="value">The value.</param>
    /// <param name="format">A .NET format string.</param>
    /// <param name="location">Where the call is, for errors.</param>
    /// <param name="culture">A culture name; the invariant culture when <see langword="null"/>.</param>
    /// <returns>The text; empty for <see langword="null"/>.</returns>
    /// <exception cref="TemplateRuntimeException">The value is not formattable, or the format or culture is invalid.</exception>
    public static string Format(object? value, string? format, string location, string? culture = null) => value switch
    {
        null => "",
        IFormattable formattable => MathFunctions.FormatWith(formattable, format, culture, location),
        _ => throw new TemplateRuntimeException(location, $"Unexpected `{ScriptValue.ToText(value)}`. Must be a formattable object"),
    };

    /// <summary><c>object.size</c>: a string's length or a list's count; 0 otherwise.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The size.</returns>
    public static int Size(object? value) => value switch
    {
        string s => s.Length,
        ScriptObject o => o.Count,
        ICollection c => c.Count,
        IEnumerable e => Count(e),
        _ => 0,
    };

    private static int Count(IEnumerable items)
    {
        var n = 0;
        foreach (var _ in items)
        {
            n++;
        }

        return n;
    }
}
