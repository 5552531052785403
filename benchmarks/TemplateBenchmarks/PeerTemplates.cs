namespace TypedMail.TemplateBenchmarks;

/// <summary>
/// The Scriban and Liquid (Fluid) templates equivalent to the TypedMail templates in Templates/ (same output, byte for
/// byte). Scriban never escapes by itself, so its templates pipe each value into <c>html.escape</c>, which is what a
/// TypedMail HTML template does implicitly; Fluid encodes values with its HTML encoder.
/// </summary>
internal static class PeerTemplates
{
    public const string ScribanWelcome = """
        <h1>Welcome, {{ first_name | html.escape }}!</h1>
        <p>Thanks for joining {{ product_name | html.escape }}. Your plan has {{ seats }} seats.</p>
        <p><a href="{{ activation_url | html.escape }}">Activate your account</a></p>
        <p>The {{ product_name | html.escape }} team</p>

        """;

    public const string ScribanOrder = """
        <h1>Order {{ order_number | html.escape }}</h1>
        <p>Hi {{ customer_name | html.escape }},</p>
        <table>
        {{~ for line in lines ~}}
        <tr><td>{{ line.name | html.escape }}</td><td>{{ line.quantity }}</td><td>{{ line.price }}</td></tr>
        {{~ end ~}}
        </table>
        <p>Total: {{ total }}</p>

        """;

    public const string ScribanDigest = """
        <p>Hi {{ recipient_name | html.escape }}, here is what happened this week.</p>
        <ul>
        {{~ for item in items ~}}
        <li>{{ if item.is_new }}<b>New</b> {{ end }}<a href="{{ item.url | html.escape }}">{{ item.title | html.escape }}</a> by {{ item.author | html.escape }} ({{ item.comments }} comments)</li>
        {{~ end ~}}
        </ul>

        """;

    public const string ScribanComment = """
        <h2>{{ subject | html.escape }}</h2>
        <p>{{ author | html.escape }} wrote:</p>
        {{~ for comment in comments ~}}
        <blockquote>{{ comment | html.escape }}</blockquote>
        {{~ end ~}}

        """;

    public const string LiquidWelcome = """
        <h1>Welcome, {{ FirstName }}!</h1>
        <p>Thanks for joining {{ ProductName }}. Your plan has {{ Seats }} seats.</p>
        <p><a href="{{ ActivationUrl }}">Activate your account</a></p>
        <p>The {{ ProductName }} team</p>

        """;

    public const string LiquidOrder = """
        <h1>Order {{ OrderNumber }}</h1>
        <p>Hi {{ CustomerName }},</p>
        <table>
        {%- for line in Lines %}
        <tr><td>{{ line.Name }}</td><td>{{ line.Quantity }}</td><td>{{ line.Price | format_number: "0.00" }}</td></tr>
        {%- endfor %}
        </table>
        <p>Total: {{ Total | format_number: "0.00" }}</p>

        """;

    public const string LiquidDigest = """
        <p>Hi {{ RecipientName }}, here is what happened this week.</p>
        <ul>
        {%- for item in Items %}
        <li>{% if item.IsNew %}<b>New</b> {% endif %}<a href="{{ item.Url }}">{{ item.Title }}</a> by {{ item.Author }} ({{ item.Comments }} comments)</li>
        {%- endfor %}
        </ul>

        """;

    public const string LiquidComment = """
        <h2>{{ Subject }}</h2>
        <p>{{ Author }} wrote:</p>
        {%- for comment in Comments %}
        <blockquote>{{ comment }}</blockquote>
        {%- endfor %}

        """;
}
