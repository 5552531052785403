using System;
using System.Collections.Concurrent;
using System.Globalization;

namespace TypedMail.Rendering;

/// <summary>
/// The localized formatting builtins: <c>math.format_currency</c>, <c>math.format_local</c> and <c>date.format_local</c>
/// format in the email's culture (the culture chosen at <c>Enqueue</c>), where every other builtin formats invariantly,
/// as Scriban does. Generated code passes the culture.
/// </summary>
public static class LocalFormatting
{
    /// <summary>Per currency code: the symbol and decimal digits of the currency in its own country.</summary>
    private static readonly ConcurrentDictionary<string, (string Symbol, int Digits)?> Currencies = new(StringComparer.Ordinal);

    /// <summary>Per email culture and currency code: the number format used.</summary>
    private static readonly ConcurrentDictionary<(string Culture, string Currency), NumberFormatInfo> CurrencyFormats = new();

    /// <summary>
    /// <c>math.format_currency</c>: an amount of money in the email's culture (its separators, pattern and digits), with
    /// the currency's symbol: <c>1234.5 | math.format_currency "EUR"</c> is <c>1 234,50 €</c> in fr-FR and <c>€1,234.50</c>
    /// in en-IE. When the culture's own country uses the currency, the culture's format is used as is.
    /// </summary>
    /// <param name="value">The amount: any number; <see langword="null"/> writes nothing.</param>
    /// <param name="currency">An ISO 4217 code such as <c>EUR</c>.</param>
    /// <param name="location">Where the call is, for errors.</param>
    /// <param name="emailCulture">The email's culture.</param>
    /// <returns>The formatted amount, or <see langword="null"/> for a <see langword="null"/> amount.</returns>
    /// <exception cref="TemplateRuntimeException">The value is not a number, or the code is not three letters.</exception>
    public static string? FormatCurrency(object? value, string? currency, string location, CultureInfo emailCulture)
    {
        ArgumentNullException.ThrowIfNull(emailCulture);
        if (value is null)
        {
            return null;
        }

        var number = Number(value, "math.format_currency", location);
        if (currency is null || currency.Length != 3 || !IsAsciiLetters(currency))
        {
            throw new TemplateRuntimeException(location, $"math.format_currency: the currency '{currency}' is not an ISO 4217 code such as \"EUR\"");
        }

        var code = currency.ToUpperInvariant();
        var format = CurrencyFormats.GetOrAdd((emailCulture.Name, code), static (key, culture) => CreateCurrencyFormat(culture, key.Currency), emailCulture);
        return number.ToString("C", format);
    }

    /// <summary>
    /// <c>math.format_local</c>: a number in the email's culture, with a .NET numeric format string; by default with group
    /// separators and no decimals for integers (<c>N0</c>) or two decimals for other numbers (<c>N2</c>).
    /// </summary>
    /// <param name="value">The number; <see langword="null"/> writes nothing.</param>
    /// <param name="location">Where the call is, for errors.</param>
    /// <param name="emailCulture">The email's culture.</param>
    /// <param name="format">A .NET numeric format string, such as <c>N1</c> or <c>P0</c>.</param>
    /// <returns>The formatted number, or <see langword="null"/> for <see langword="null"/>.</returns>
    /// <exception cref="TemplateRuntimeException">The value is not a number, or the format is invalid.</exception>
    public static string? FormatNumber(object? value, string location, CultureInfo emailCulture, string? format = null)
    {
        ArgumentNullException.ThrowIfNull(emailCulture);
        if (value is null)
        {
            return null;
        }

        var number = Number(value, "math.format_local", location);
        format ??= value is float or double or decimal ? "N2" : "N0";
        return Format(number, format, emailCulture, location);
    }

    /// <summary>
    /// <c>date.format_local</c>: a date in the email's culture (its calendar, month and day names), with a .NET date format
    /// string; by default the long date (<c>D</c>): <c>samedi 5 décembre 2026</c> in fr-FR.
    /// </summary>
    /// <param name="date">A <see cref="DateTime"/>, <see cref="DateTimeOffset"/> or <see cref="DateOnly"/>; <see langword="null"/> writes nothing.</param>
    /// <param name="location">Where the call is, for errors.</param>
    /// <param name="emailCulture">The email's culture.</param>
    /// <param name="format">A .NET date format string, such as <c>d</c>, <c>f</c> or <c>dd MMMM yyyy</c>.</param>
    /// <returns>The formatted date, or <see langword="null"/> for <see langword="null"/>.</returns>
    /// <exception cref="TemplateRuntimeException">The value is not a date, or the format is invalid.</exception>
    public static string? FormatDate(object? date, string location, CultureInfo emailCulture, string? format = null)
    {
        ArgumentNullException.ThrowIfNull(emailCulture);
        return date switch
        {
            null => null,
            DateTime or DateTimeOffset or DateOnly => Format((IFormattable)date, format ?? "D", emailCulture, location),
            _ => throw new TemplateRuntimeException(location, $"date.format_local: `{ScriptValue.ToText(date)}` is not a date"),
        };
    }

    private static IFormattable Number(object value, string function, string location)
        => MathFunctions.IsNumber(value) && value is IFormattable formattable
            ? formattable
            : throw new TemplateRuntimeException(location, $"{function}: `{ScriptValue.ToText(value)}` is not a number");

    private static string Format(IFormattable value, string format, CultureInfo culture, string location)
    {
        try
        {
            return value.ToString(format, culture);
        }
        catch (FormatException e)
        {
            throw new TemplateRuntimeException(location, $"'{format}' is not a valid format: {e.Message}", e);
        }
    }

    private static NumberFormatInfo CreateCurrencyFormat(CultureInfo culture, string code)
    {
        if (!culture.IsNeutralCulture && culture.Name.Length > 0 && RegionOf(culture.Name)?.ISOCurrencySymbol == code)
        {
            return culture.NumberFormat;
        }

        var format = (NumberFormatInfo)culture.NumberFormat.Clone();
        if (Currencies.GetOrAdd(code, FindCurrency) is { } known)
        {
            format.CurrencySymbol = known.Symbol;
            format.CurrencyDecimalDigits = known.Digits;
        }
        else
        {
            // A code no country of .NET's data uses: the code itself, with two decimals.
            format.CurrencySymbol = code;
            format.CurrencyDecimalDigits = 2;
        }

        return NumberFormatInfo.ReadOnly(format);
    }

    /// <summary>
    /// The currency as written in its own country (<c>US</c> for <c>USD</c>: the code's first two letters), else as the
    /// first culture by name that uses it writes it (<c>EUR</c>); <see langword="null"/> when no culture uses it.
    /// </summary>
    private static (string Symbol, int Digits)? FindCurrency(string code)
    {
        var cultures = CultureInfo.GetCultures(CultureTypes.SpecificCultures);
        Array.Sort(cultures, static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        foreach (var culture in cultures)
        {
            if (RegionOf(culture.Name) is { } region && region.ISOCurrencySymbol == code)
            {
                var home = RegionOf(code[..2]);
                var symbol = home is not null && home.ISOCurrencySymbol == code ? home.CurrencySymbol : culture.NumberFormat.CurrencySymbol;
                return (symbol, culture.NumberFormat.CurrencyDecimalDigits);
            }
        }

        return null;
    }

    private static RegionInfo? RegionOf(string name)
    {
        try
        {
            return new RegionInfo(name);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static bool IsAsciiLetters(string s)
    {
        foreach (var c in s)
        {
            if (!char.IsAsciiLetter(c))
            {
                return false;
            }
        }

        return true;
    }
}
