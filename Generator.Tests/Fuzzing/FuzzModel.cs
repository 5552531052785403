using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace TypedMail.Generator.Tests.Fuzzing;

/// <summary>The status of a fuzzed order: an enum (Scriban prints its name and compares it with its name or number).</summary>
public enum FuzzStatus
{
    Pending,
    Shipped,
    Delivered,
}

/// <summary>A nested object of the fuzzed model.</summary>
public sealed record FuzzAddress(string Street, string? City, int Zip);

/// <summary>An item of the fuzzed model's main list.</summary>
public sealed record FuzzItem(string Name, int Quantity, decimal Price, double Weight, bool InStock, string? Note, FuzzAddress? Origin, IReadOnlyList<string> Tags);

/// <summary>
/// The members every fuzzed <c>[Email]</c> record has (its primary constructor), and seeded random values for them.
/// The types live in the test assembly, which the fuzz compilations reference, so the same objects are given to
/// Scriban and to the compiled renderer.
/// </summary>
public static class FuzzModel
{
    /// <summary>The parameter list of every fuzzed email record.</summary>
    public const string Parameters =
        "string Name, string? Nick, int Count, long Big, decimal Price, double Ratio, float Scale, bool Flag, bool? Maybe, int? Optional, "
        + "global::System.DateTime PlacedAt, global::System.DateTime? Later, global::TypedMail.Generator.Tests.Fuzzing.FuzzStatus Status, "
        + "global::TypedMail.Generator.Tests.Fuzzing.FuzzAddress Address, global::TypedMail.Generator.Tests.Fuzzing.FuzzAddress? NoAddress, "
        + "global::System.Collections.Generic.IReadOnlyList<global::TypedMail.Generator.Tests.Fuzzing.FuzzItem> Items, "
        + "global::System.Collections.Generic.List<string> Tags, int[] Numbers, global::System.Collections.Generic.IReadOnlyList<decimal> Amounts";

    private static readonly string[] Words = ["Ada", "Bob", "Zoë", "tea & cake", "<b>bold</b>", "\"quoted\"", "it's", "  padded  ", "", "Line\nbreak", "José", "100% M & Ms!!!", "a b&c=d/é", "one two three four", "UPPER lower", "x", "café crème", "tab\there", "Ünïcödé—dash", "😀 smile"];

    private static readonly string[] Streets = ["1 Main St", "221B Baker Street", "Rue de l'Église 5", "<script>", ""];

    /// <summary>The constructor arguments of one random model, in <see cref="Parameters"/> order.</summary>
    public static object?[] Random(Random random)
    {
        string Word() => Words[random.Next(Words.Length)];
        T? Maybe<T>(T value) where T : class => random.Next(4) == 0 ? null : value;
        FuzzAddress Address() => new(Streets[random.Next(Streets.Length)], Maybe(Word()), random.Next(3) == 0 ? 0 : random.Next(1000, 99999));
        decimal Money() => random.Next(5) switch
        {
            0 => 0m,
            1 => decimal.Round((decimal)(random.NextDouble() * 1000), 2),
            2 => new decimal(random.Next(1, 100000), 0, 0, false, (byte)random.Next(0, 4)),
            3 => -decimal.Round((decimal)(random.NextDouble() * 100), 1),
            _ => 12.50m,
        };
        var items = Enumerable.Range(0, random.Next(0, 5)).Select(_ => new FuzzItem(
            Word(),
            random.Next(-1, 12),
            Money(),
            random.Next(4) == 0 ? 0.1 + 0.2 : Math.Round(random.NextDouble() * 50, random.Next(0, 4)),
            random.Next(2) == 0,
            Maybe(Word()),
            Maybe(Address()),
            Enumerable.Range(0, random.Next(0, 3)).Select(_ => Word()).ToList())).ToList();
        return
        [
            Word(),
            Maybe(Word()),
            random.Next(6) switch { 0 => 0, 1 => -random.Next(1, 50), 2 => int.MaxValue, _ => random.Next(1, 30) },
            random.Next(3) == 0 ? long.MaxValue / 3 : (long)random.Next() * 1000,
            Money(),
            random.Next(5) switch { 0 => 0.0, 1 => 2.5, 2 => 1e-6, 3 => -3.75, _ => Math.Round(random.NextDouble() * 10, 3) },
            random.Next(3) switch { 0 => 1.5f, 1 => 0.1f, _ => (float)Math.Round(random.NextDouble() * 100, 2) },
            random.Next(2) == 0,
            random.Next(3) switch { 0 => (bool?)null, 1 => true, _ => false },
            random.Next(3) == 0 ? null : random.Next(-5, 100),
            new DateTime(2020 + random.Next(8), 1 + random.Next(12), 1 + random.Next(28), random.Next(24), random.Next(60), random.Next(60), random.Next(4) == 0 ? random.Next(1000) : 0),
            random.Next(3) == 0 ? null : new DateTime(2024, 2, 29, 23, 59, 59),
            (FuzzStatus)random.Next(3),
            Address(),
            random.Next(3) == 0 ? Address() : null,
            items,
            Enumerable.Range(0, random.Next(0, 5)).Select(_ => Word()).ToList(),
            Enumerable.Range(0, random.Next(0, 6)).Select(_ => random.Next(-3, 10)).ToArray(),
            Enumerable.Range(0, random.Next(0, 4)).Select(_ => Money()).ToList(),
        ];
    }

    /// <summary>The model as readable text, for a failure report.</summary>
    public static string Describe(object?[] values)
    {
        var names = Parameters.Split(", ").Select(p => p.Substring(p.LastIndexOf(' ') + 1)).ToArray();
        return string.Join("\n", names.Select((n, i) => $"  {n} = {Format(values[i])}"));

        static string Format(object? value) => value switch
        {
            null => "null",
            string s => "\"" + s.Replace("\n", "\\n").Replace("\t", "\\t") + "\"",
            System.Collections.IEnumerable list => "[" + string.Join(", ", list.Cast<object?>().Select(Format)) + "]",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
    }
}
