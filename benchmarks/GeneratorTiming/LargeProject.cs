using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace TypedMail.GeneratorTiming;

/// <summary>A project of many [Email] records with a subject, an HTML and a text template each, a shared layout and partials.</summary>
internal static class LargeProject
{
    public const string EditedTemplate = "Mail/Email0007.html.scriban";

    public static string Source(int emails)
    {
        var sb = new StringBuilder();
        sb.AppendLine("using System;");
        sb.AppendLine("using System.Collections.Generic;");
        sb.AppendLine("using TypedMail;");
        sb.AppendLine();
        sb.AppendLine("namespace Shop.Mail;");
        sb.AppendLine();
        sb.AppendLine("public sealed record Customer(string FirstName, string LastName, string Email, string? Company);");
        sb.AppendLine("public sealed record Line(string Name, int Quantity, decimal Price, string? Note);");
        sb.AppendLine("public sealed record Address(string Street, string City, string PostalCode, string Country);");
        for (var i = 0; i < emails; i++)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"[Email] public partial record Email{i:0000}(Customer Customer, IReadOnlyList<Line> Lines, Address ShipTo, decimal Total, DateTime PlacedAt, string? Coupon, int Number);");
        }

        return sb.ToString();
    }

    public static IEnumerable<(string Path, string Text)> Templates(int emails)
    {
        yield return ("Mail/Default.layout.scriban", """
            <!doctype html>
            <html><body>
              <div class="content">{{ content }}</div>
              {{ include "footer" }}
            </body></html>
            """);
        yield return ("Mail/footer.scriban", "<p class=\"footer\">{{ include \"address\" }} · <a href=\"https://shop.example/unsubscribe\">unsubscribe</a></p>");
        yield return ("Mail/address.scriban", "Shop Inc., 1 Main Street, Springfield");
        for (var i = 0; i < emails; i++)
        {
            yield return ($"Mail/Email{i:0000}.subject.scriban", $"Order {{{{ number }}}} for {{{{ customer.first_name }}}} ({i})");
            yield return ($"Mail/Email{i:0000}.html.scriban", Html(i, "Thanks"));
            yield return ($"Mail/Email{i:0000}.text.scriban", Text(i));
        }
    }

    /// <summary>The HTML body of email <paramref name="i"/>; the benchmark's edit changes <paramref name="greeting"/>.</summary>
    public static string Html(int i, string greeting) => $$$"""
        <h1>{{{greeting}}}, {{ customer.first_name }} {{ customer.last_name }}</h1>
        {{ if customer.company }}<p>For {{ customer.company }}</p>{{ end }}
        <table>
          {{~ for line in lines ~}}
          <tr class="{{ for.even ? "even" : "odd" }}"><td>{{ line.name | string.capitalize }}</td><td>{{ line.quantity }}</td><td>{{ line.price * line.quantity | math.format "0.00" }}</td></tr>
          {{~ if line.note }}<tr><td colspan="3">{{ line.note }}</td></tr>{{ end ~}}
          {{~ end ~}}
        </table>
        {{ if coupon }}<p>Coupon: {{ coupon | string.upcase }}</p>{{ else }}<p>No coupon</p>{{ end }}
        <p>Total: {{ total | math.format "0.00" }}, placed {{ placed_at | date.to_string "%d %b %Y" }}</p>
        <p>Ship to {{ ship_to.street }}, {{ ship_to.city }}</p>
        <p>Email {{{i}}}</p>
        """;

    private static string Text(int i) => $$$"""
        Hi {{ customer.first_name }},
        {{~ for line in lines ~}}
        - {{ line.quantity }} x {{ line.name }}: {{ line.price | math.format "0.00" }}
        {{~ end ~}}
        Total: {{ total | math.format "0.00" }} ({{ placed_at | date.to_string "%d %b %Y" }})
        Ship to {{ ship_to.street }}, {{ ship_to.city }} {{ ship_to.postal_code }}, {{ ship_to.country | string.upcase }}
        {{ include "address" }}
        Email {{{i}}}
        """;
}
