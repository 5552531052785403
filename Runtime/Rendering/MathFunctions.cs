using System;
using System.ComponentModel;
using System.Globalization;
using System.Numerics;

namespace TypedMail.Rendering;

/// <summary>Scriban's <c>math.*</c> builtins. Used by generated code only.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class MathFunctions
{
    /// <summary><c>math.abs</c>, keeping the number's type.</summary>
    /// <param name="value">The number.</param>
    /// <param name="location">Where the call is, for errors.</param>
    /// <returns>The absolute value.</returns>
    /// <exception cref="TemplateRuntimeException">The value is not a number.</exception>
    public static object? Abs(object? value, string location) => value switch
    {
        null => null,
        int i => i == int.MinValue ? (object)(-(long)i) : Math.Abs(i),
        long l => Math.Abs(l),
        double d => Math.Abs(d),
        float f => Math.Abs(f),
        decimal m => Math.Abs(m),
        BigInteger b => BigInteger.Abs(b),
        _ when ScriptValue.IsNumber(value) => Math.Abs(Convert.ToDouble(value, CultureInfo.InvariantCulture)),
        _ => throw new TemplateRuntimeException(location, $"math.abs expects a number, not `{ScriptValue.TypeName(value)}`"),
    };

    /// <summary><c>math.ceil</c>.</summary>
    /// <param name="value">The number.</param>
    /// <returns>The smallest integral value not below it, as a double.</returns>
    public static double Ceil(double value) => Math.Ceiling(value);

    /// <summary><c>math.floor</c>.</summary>
    /// <param name="value">The number.</param>
    /// <returns>The largest integral value not above it, as a double.</returns>
    public static double Floor(double value) => Math.Floor(value);

    /// <summary><c>math.round</c>: banker's rounding on a double, as Scriban.</summary>
    /// <param name="value">The number.</param>
    /// <param name="precision">The number of decimals.</param>
    /// <returns>The rounded value.</returns>
    public static double Round(double value, int precision = 0) => Math.Round(value, precision);

    /// <summary><c>math.format</c>: <see cref="IFormattable.ToString(string, IFormatProvider)"/> of a number, with the invariant culture.</summary>
    /// <param name="value">The number.</param>
    /// <param name="format">A .NET format string.</param>
    /// <param name="location">Where the call is, for errors.</param>
    /// <param name="culture">A culture name; the invariant culture when <see langword="null"/>.</param>
    /// <returns>The text; empty for <see langword="null"/>.</returns>
    /// <exception cref="TemplateRuntimeException">The value is not a number, or the format or culture is invalid.</exception>
    public static string Format(object? value, string? format, string location, string? culture = null)
    {
        if (value is null)
        {
            return "";
        }

        if (!IsNumber(value) || value is not IFormattable formattable)
        {
            throw new TemplateRuntimeException(location, $"Unexpected `{ScriptValue.ToText(value)}`. Must be a formattable number");
        }

        return FormatWith(formattable, format, culture, location);
    }

    /// <summary>Formats with the culture named <paramref name="culture"/>; a bad format or culture fails as in Scriban.</summary>
    internal static string FormatWith(IFormattable value, string? format, string? culture, string location)
    {
        try
        {
            return value.ToString(format ?? "", CultureOf(culture));
        }
        catch (Exception e) when (e is FormatException or CultureNotFoundException)
        {
            throw new TemplateRuntimeException(location, e.Message, e);
        }
    }

    /// <summary><c>math.is_number</c>.</summary>
    /// <param name="value">The value.</param>
    /// <returns>Whether it is a number.</returns>
    public static bool IsNumber(object? value) => value is not Enum && ScriptValue.IsNumber(value);

    /// <summary>
    /// <c>math.divided_by</c>: the value, as a double, divided by the divisor with the <c>/</c> operator's rules; with an
    /// <see langword="int"/> divisor the result is floored and converted to an <see langword="int"/> (saturating, as
    /// Scriban's cast does).
    /// </summary>
    /// <param name="value">The dividend; <see langword="null"/> is 0, as Scriban converts it to its <see langword="double"/> parameter.</param>
    /// <param name="divisor">The divisor.</param>
    /// <param name="location">Where the call is, for errors.</param>
    /// <returns>The quotient, or <see langword="null"/> when the divisor is <see langword="null"/>.</returns>
    public static object? DividedBy(object? value, object? divisor, string location)
    {
        if (divisor is null)
        {
            return null;
        }

        var result = ScriptValue.Divide(value is null ? 0d : ScriptValue.ToDouble(value, location), divisor, location);
        return (divisor, result) switch
        {
            (int, double d) => (int)Math.Floor(d),
            (int, float f) => (int)Math.Floor(f),
            _ => result,
        };
    }

    internal static CultureInfo CultureOf(string? culture) => culture is null ? CultureInfo.InvariantCulture : CultureInfo.GetCultureInfo(culture);
}
