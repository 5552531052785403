using System.Globalization;
using System.Linq;

namespace TypedMail.TemplateBenchmarks;

/// <summary>The benchmark data: the same for both engines.</summary>
internal static class Data
{
    public static WelcomeEmail Welcome() => new("Ada", "Acme Mail", 5, "https://example.com/activate/abc123");

    public static OrderEmail Order(int lines)
    {
        var items = Enumerable.Range(1, lines)
            .Select(i => new OrderLine("Widget " + i.ToString(CultureInfo.InvariantCulture), (i % 5) + 1, 9.99m + i))
            .ToList();
        return new OrderEmail("A-10042", "Ada Lovelace", items, items.Sum(l => l.Price * l.Quantity));
    }

    public static DigestEmail Digest(int items) => new(
        "Ada",
        Enumerable.Range(1, items)
            .Select(i => new DigestItem(
                "Article " + i.ToString(CultureInfo.InvariantCulture) + ": what changed this week",
                "https://example.com/articles/" + i.ToString(CultureInfo.InvariantCulture),
                "Author " + (i % 7).ToString(CultureInfo.InvariantCulture),
                i * 3,
                i % 4 == 0))
            .ToList());

    public static CommentEmail Comments(int count) => new(
        "Bob <bob@example.com>",
        "Re: <Your> post & \"more\"",
        Enumerable.Range(1, count)
            .Select(i => $"Comment {i}: I <3 this & \"that\" <script>alert({i})</script> a < b > c")
            .ToList());
}
