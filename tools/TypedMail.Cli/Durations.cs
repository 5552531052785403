using System;
using System.Globalization;

namespace TypedMail.Cli;

/// <summary>Parses durations written as <c>30d</c>, <c>12h</c>, <c>90m</c>, <c>45s</c>, or a .NET time span (<c>7.00:00:00</c>).</summary>
internal static class Durations
{
    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = default;
        text = text.Trim();
        if (text.Length >= 2 && double.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= 0 && double.IsFinite(n))
        {
            var unit = char.ToLowerInvariant(text[^1]);
            TimeSpan? value = unit switch
            {
                'd' => TimeSpan.FromDays(n),
                'h' => TimeSpan.FromHours(n),
                'm' => TimeSpan.FromMinutes(n),
                's' => TimeSpan.FromSeconds(n),
                _ => null,
            };
            if (value is { } v)
            {
                duration = v;
                return true;
            }
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration) && duration >= TimeSpan.Zero;
    }

    /// <summary>A short human form: <c>3d 4h</c>, <c>5m 3s</c>, <c>12s</c>.</summary>
    public static string Format(TimeSpan duration)
    {
        if (duration < TimeSpan.Zero)
        {
            return "-" + Format(-duration);
        }

        return duration.TotalDays >= 1 ? $"{(int)duration.TotalDays}d {duration.Hours}h"
            : duration.TotalHours >= 1 ? $"{(int)duration.TotalHours}h {duration.Minutes}m"
            : duration.TotalMinutes >= 1 ? $"{(int)duration.TotalMinutes}m {duration.Seconds}s"
            : $"{(int)duration.TotalSeconds}s";
    }
}
