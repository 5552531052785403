using System;
using System.ComponentModel;
using System.Globalization;
using System.Text;

namespace TypedMail.Rendering;

/// <summary>
/// Scriban's <c>date.*</c> builtins: strftime-style patterns (<c>%d %b %Y</c>) formatted with the invariant culture
/// unless a culture is given. Used by generated code only.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class DateFunctions
{
    /// <summary><c>date.to_string</c>: formats a date with a strftime-style pattern.</summary>
    /// <param name="date">The date.</param>
    /// <param name="pattern">The pattern; unknown <c>%x</c> codes are copied as written.</param>
    /// <param name="culture">A culture name; the invariant culture when <see langword="null"/>. <c>%g</c> switches to the invariant culture.</param>
    /// <returns>The text, or <see langword="null"/> for a <see langword="null"/> date.</returns>
    public static string? ToString(DateTime? date, string? pattern, string? culture = null)
    {
        if (!date.HasValue || pattern is null)
        {
            return null;
        }

        var value = date.GetValueOrDefault();
        var info = MathFunctions.CultureOf(culture);
        if (pattern == "%g")
        {
            pattern = "%g " + TemplateWriter.DefaultDateFormat;
        }

        var sb = new StringBuilder(pattern.Length + 16);
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c != '%' || i + 1 >= pattern.Length)
            {
                sb.Append(c);
                continue;
            }

            var code = pattern[++i];
            if (code == 'g')
            {
                info = CultureInfo.InvariantCulture;
                continue;
            }

            if (!Format(sb, value, code, info))
            {
                sb.Append('%').Append(code);
            }
        }

        return sb.ToString();
    }

    /// <summary><c>date.to_string</c> for a <see cref="DateTimeOffset"/> (a TypedMail addition): formats its clock time; <c>%Z</c> is its offset.</summary>
    /// <param name="date">The date.</param>
    /// <param name="pattern">The pattern.</param>
    /// <param name="culture">A culture name; the invariant culture when <see langword="null"/>.</param>
    /// <returns>The text, or <see langword="null"/> for a <see langword="null"/> date.</returns>
    public static string? ToString(DateTimeOffset? date, string? pattern, string? culture = null)
    {
        if (!date.HasValue || pattern is null)
        {
            return null;
        }

        var offset = date.GetValueOrDefault().ToString("zzz", CultureInfo.InvariantCulture);
        return ToString(date.GetValueOrDefault().DateTime, pattern.Replace("%Z", offset.Replace("%", "%%", StringComparison.Ordinal), StringComparison.Ordinal), culture);
    }

    /// <summary><c>date.parse</c>: parses a date, with a strftime-style pattern when one is given.</summary>
    /// <param name="text">The text.</param>
    /// <param name="pattern">The pattern.</param>
    /// <param name="culture">A culture name; the invariant culture when <see langword="null"/>.</param>
    /// <returns>The date, <see langword="null"/> for empty text, <see cref="DateTime.MinValue"/> when it does not parse (as Scriban).</returns>
    public static DateTime? Parse(string? text, string? pattern = null, string? culture = null)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var hasOffset = HasOffset(text);
        var hasZ = text.TrimEnd().EndsWith('Z') || text.TrimEnd().EndsWith('z');
        var styles = hasOffset || hasZ ? DateTimeStyles.None : DateTimeStyles.AssumeLocal;
        var info = MathFunctions.CultureOf(culture);
        string? format = null;
        if (pattern is not null)
        {
            var sb = new StringBuilder();
            for (var i = 0; i < pattern.Length; i++)
            {
                var c = pattern[i];
                if (c != '%' || i + 1 >= pattern.Length)
                {
                    sb.Append(c);
                    continue;
                }

                var code = pattern[++i];
                if (code == 'g')
                {
                    info = CultureInfo.InvariantCulture;
                    continue;
                }

                var net = ParsePattern(code);
                if (net is null)
                {
                    sb.Append('%').Append(code);
                }
                else
                {
                    sb.Append(net);
                }
            }

            format = sb.ToString();
        }

        DateTime result;
        if (hasOffset || hasZ)
        {
            var ok = format is null
                ? DateTimeOffset.TryParse(text, info, styles, out var offset)
                : DateTimeOffset.TryParseExact(text, format, info, styles, out offset);
            return ok ? offset.LocalDateTime : default(DateTime);
        }

        if (format is null)
        {
            DateTime.TryParse(text, info, styles, out result);
        }
        else
        {
            DateTime.TryParseExact(text, format, info, styles, out result);
        }

        return result;
    }

    /// <summary><c>date.parse_to_string</c>: <see cref="Parse"/> then <see cref="ToString(DateTime?, string?, string?)"/>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="outputPattern">The output pattern.</param>
    /// <param name="inputPattern">The input pattern.</param>
    /// <param name="outputCulture">The output culture.</param>
    /// <param name="inputCulture">The input culture.</param>
    /// <returns>The text, or <see langword="null"/>.</returns>
    public static string? ParseToString(string? text, string? outputPattern, string? inputPattern = null, string? outputCulture = null, string? inputCulture = null)
        => ToString(Parse(text, inputPattern, inputCulture), outputPattern, outputCulture);

    /// <summary><c>date.add_days</c>.</summary>
    /// <param name="date">The date.</param>
    /// <param name="days">The days.</param>
    /// <param name="location">Where the call is, for errors.</param>
    /// <returns>The new date.</returns>
    /// <exception cref="TemplateRuntimeException">The date is <see langword="null"/> (Scriban fails too).</exception>
    public static DateTime AddDays(DateTime? date, double days, string location) => (date ?? throw NullDate("AddDays", location)).AddDays(days);

    /// <summary><c>date.add_months</c>.</summary>
    /// <param name="date">The date.</param>
    /// <param name="months">The months.</param>
    /// <param name="location">Where the call is, for errors.</param>
    /// <returns>The new date.</returns>
    /// <exception cref="TemplateRuntimeException">The date is <see langword="null"/> (Scriban fails too).</exception>
    public static DateTime AddMonths(DateTime? date, int months, string location) => (date ?? throw NullDate("AddMonths", location)).AddMonths(months);

    /// <summary><c>date.add_years</c>.</summary>
    /// <param name="date">The date.</param>
    /// <param name="years">The years.</param>
    /// <param name="location">Where the call is, for errors.</param>
    /// <returns>The new date.</returns>
    /// <exception cref="TemplateRuntimeException">The date is <see langword="null"/> (Scriban fails too).</exception>
    public static DateTime AddYears(DateTime? date, int years, string location) => (date ?? throw NullDate("AddYears", location)).AddYears(years);

    /// <summary><c>date.add_hours</c>.</summary>
    /// <param name="date">The date.</param>
    /// <param name="hours">The hours.</param>
    /// <param name="location">Where the call is, for errors.</param>
    /// <returns>The new date.</returns>
    /// <exception cref="TemplateRuntimeException">The date is <see langword="null"/> (Scriban fails too).</exception>
    public static DateTime AddHours(DateTime? date, double hours, string location) => (date ?? throw NullDate("AddHours", location)).AddHours(hours);

    /// <summary><c>date.add_minutes</c>.</summary>
    /// <param name="date">The date.</param>
    /// <param name="minutes">The minutes.</param>
    /// <param name="location">Where the call is, for errors.</param>
    /// <returns>The new date.</returns>
    /// <exception cref="TemplateRuntimeException">The date is <see langword="null"/> (Scriban fails too).</exception>
    public static DateTime AddMinutes(DateTime? date, double minutes, string location) => (date ?? throw NullDate("AddMinutes", location)).AddMinutes(minutes);

    /// <summary><c>date.add_seconds</c>.</summary>
    /// <param name="date">The date.</param>
    /// <param name="seconds">The seconds.</param>
    /// <param name="location">Where the call is, for errors.</param>
    /// <returns>The new date.</returns>
    /// <exception cref="TemplateRuntimeException">The date is <see langword="null"/> (Scriban fails too).</exception>
    public static DateTime AddSeconds(DateTime? date, double seconds, string location) => (date ?? throw NullDate("AddSeconds", location)).AddSeconds(seconds);

    /// <summary><c>date.add_milliseconds</c>.</summary>
    /// <param name="date">The date.</param>
    /// <param name="milliseconds">The milliseconds.</param>
    /// <param name="location">Where the call is, for errors.</param>
    /// <returns>The new date.</returns>
    /// <exception cref="TemplateRuntimeException">The date is <see langword="null"/> (Scriban fails too).</exception>
    public static DateTime AddMilliseconds(DateTime? date, double milliseconds, string location) => (date ?? throw NullDate("AddMilliseconds", location)).AddMilliseconds(milliseconds);

    private static TemplateRuntimeException NullDate(string function, string location)
        => new(location, $"Argument `date` cannot be null for function `{function}`.");

    /// <summary><c>date.now</c>.</summary>
    /// <returns>The local time now.</returns>
    public static DateTime Now() => DateTime.Now;

    private static bool HasOffset(string text)
    {
        for (var i = 0; i + 1 < text.Length; i++)
        {
            if (text[i] == '+' && char.IsDigit(text[i + 1]))
            {
                return true;
            }
        }

        return false;
    }

    private static string? ParsePattern(char code) => code switch
    {
        'a' => "ddd",
        'A' => "dddd",
        'b' or 'h' or 'B' => "MMM",
        'c' => "ddd MMM dd HH:mm:ss yyyy",
        'd' => "dd",
        'D' => "MM/dd/yy",
        'e' => "%d",
        'F' => "yyyy-MM-dd",
        'H' => "HH",
        'I' => "hh",
        'k' => "%H",
        'l' => "%h",
        'L' => "fff",
        'm' => "MM",
        'M' => "mm",
        'N' => "fffffff00",
        'p' or 'P' => "tt",
        'r' => "hh:mm:ss tt",
        'R' => "HH:mm",
        'S' => "ss",
        'T' => "HH:mm:ss",
        'x' => "d",
        'X' => "T",
        'y' => "yy",
        'Y' => "yyyy",
        'Z' => "zzz",
        _ => null,
    };

    private static bool Format(StringBuilder sb, DateTime d, char code, CultureInfo info)
    {
        switch (code)
        {
            case 'a': sb.Append(d.ToString("ddd", info)); break;
            case 'A': sb.Append(d.ToString("dddd", info)); break;
            case 'b': case 'h': sb.Append(d.ToString("MMM", info)); break;
            case 'B': sb.Append(d.ToString("MMMM", info)); break;
            case 'c': sb.Append(d.ToString("ddd MMM dd HH:mm:ss yyyy", info)); break;
            case 'C': sb.Append((d.Year / 100).ToString("D2", info)); break;
            case 'd': sb.Append(d.ToString("dd", info)); break;
            case 'D': sb.Append(d.ToString("MM/dd/yy", info)); break;
            case 'e': sb.Append(d.ToString("%d", info).PadLeft(2, ' ')); break;
            case 'F': sb.Append(d.ToString("yyyy-MM-dd", info)); break;
            case 'H': sb.Append(d.ToString("HH", info)); break;
            case 'I': sb.Append(d.ToString("hh", info)); break;
            case 'j': sb.Append(d.DayOfYear.ToString("D3", info)); break;
            case 'k': sb.Append(d.ToString("%H", info).PadLeft(2, ' ')); break;
            case 'l': sb.Append(d.ToString("%h", info).PadLeft(2, ' ')); break;
            case 'L': sb.Append(d.ToString("fff", info)); break;
            case 'm': sb.Append(d.ToString("MM", info)); break;
            case 'M': sb.Append(d.ToString("mm", info)); break;
            case 'n': sb.Append('\n'); break;
            case 'N': sb.Append(d.ToString("fffffff00", info)); break;
            case 'p': sb.Append(d.ToString("tt", info)); break;
            case 'P': sb.Append(d.ToString("tt", info).ToLowerInvariant()); break;
            case 'r': sb.Append(d.ToString("hh:mm:ss tt", info)); break;
            case 'R': sb.Append(d.ToString("HH:mm", info)); break;
            case 's': sb.Append(((d.ToUniversalTime().Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerSecond).ToString(info)); break;
            case 'S': sb.Append(d.ToString("ss", info)); break;
            case 't': sb.Append('\t'); break;
            case 'T': sb.Append(d.ToString("HH:mm:ss", info)); break;
            case 'u': sb.Append((d.DayOfWeek == DayOfWeek.Sunday ? 7 : (int)d.DayOfWeek).ToString(info)); break;
            case 'U': sb.Append(info.Calendar.GetWeekOfYear(d, info.DateTimeFormat.CalendarWeekRule, DayOfWeek.Sunday).ToString("D2", info)); break;
            case 'v': sb.Append(string.Format(CultureInfo.InvariantCulture, "{0,2}-{1}-{2:D4}", d.Day, d.ToString("MMM", CultureInfo.InvariantCulture).ToUpperInvariant(), d.Year)); break;
            case 'V': sb.Append(info.Calendar.GetWeekOfYear(d, CalendarWeekRule.FirstFourDayWeek, DayOfWeek.Monday).ToString("D2", info)); break;
            case 'W': sb.Append(info.Calendar.GetWeekOfYear(d, info.DateTimeFormat.CalendarWeekRule, DayOfWeek.Monday).ToString("D2", info)); break;
            case 'w': sb.Append(((int)d.DayOfWeek).ToString(info)); break;
            case 'x': sb.Append(d.ToString("d", info)); break;
            case 'X': sb.Append(d.ToString("T", info)); break;
            case 'y': sb.Append(d.ToString("yy", info)); break;
            case 'Y': sb.Append(d.ToString("yyyy", info)); break;
            case 'Z': sb.Append(d.ToString("zzz", info)); break;
            case '%': sb.Append('%'); break;
            default: return false;
        }

        return true;
    }
}
