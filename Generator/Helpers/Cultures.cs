using System;
using System.Collections.Generic;
using System.Globalization;

namespace TypedMail.Generator.Helpers;

/// <summary>The culture names .NET knows, for the culture of template variants (<c>Welcome.fr-CA.html.scriban</c>).</summary>
internal static class Cultures
{
    private static readonly Lazy<Dictionary<string, string>> Known = new(Load);

    /// <summary>Whether a file name segment has the shape of a culture name (<c>fr</c>, <c>fr-CA</c>, <c>zh-Hant-TW</c>), known or not.</summary>
    public static bool LooksLikeCultureName(string segment)
    {
        var parts = segment.Split('-');
        if (parts[0].Length is < 2 or > 3 || !AllLetters(parts[0]))
        {
            return false;
        }

        for (var i = 1; i < parts.Length; i++)
        {
            if (parts[i].Length is < 2 or > 8 || !AllLettersOrDigits(parts[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The name as .NET spells it (<c>fr-CA</c> for <c>fr-ca</c>), or <see langword="null"/> when .NET does not know the culture.</summary>
    public static string? Canonical(string name) => Known.Value.TryGetValue(name, out var canonical) ? canonical : null;

    /// <summary>The fallback chain of a known culture, most specific first, without the invariant culture: <c>fr-CA</c>, <c>fr</c>.</summary>
    public static IEnumerable<string> FallbackChain(string name)
    {
        for (var culture = CultureInfo.GetCultureInfo(name); culture.Name.Length > 0; culture = culture.Parent)
        {
            yield return culture.Name;
        }
    }

    private static Dictionary<string, string> Load()
    {
        var known = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var culture in CultureInfo.GetCultures(CultureTypes.AllCultures))
        {
            if (culture.Name.Length > 0)
            {
                known[culture.Name] = culture.Name;
            }
        }

        return known;
    }

    private static bool AllLetters(string s)
    {
        foreach (var c in s)
        {
            if (c is not (>= 'a' and <= 'z' or >= 'A' and <= 'Z'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool AllLettersOrDigits(string s)
    {
        foreach (var c in s)
        {
            if (c is not (>= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9'))
            {
                return false;
            }
        }

        return true;
    }
}
