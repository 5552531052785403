namespace TypedMail.TemplateBenchmarks;

/// <summary>The Handlebars.Net templates equivalent to the Scriban-syntax templates in Templates/ (same output, byte for byte).</summary>
internal static class HandlebarsTemplates
{
    public const string Welcome = """
        <h1>Welcome, {{FirstName}}!</h1>
        <p>Thanks for joining {{ProductName}}. Your plan has {{Seats}} seats.</p>
        <p><a href="{{ActivationUrl}}">Activate your account</a></p>
        <p>The {{ProductName}} team</p>

        """;

    public const string Order = """
        <h1>Order {{OrderNumber}}</h1>
        <p>Hi {{CustomerName}},</p>
        <table>
        {{#each Lines}}
        <tr><td>{{Name}}</td><td>{{Quantity}}</td><td>{{Price}}</td></tr>
        {{/each}}
        </table>
        <p>Total: {{Total}}</p>

        """;

    public const string Digest = """
        <p>Hi {{RecipientName}}, here is what happened this week.</p>
        <ul>
        {{#each Items}}
        <li>{{#if IsNew}}<b>New</b> {{/if}}<a href="{{Url}}">{{Title}}</a> by {{Author}} ({{Comments}} comments)</li>
        {{/each}}
        </ul>

        """;

    public const string Comment = """
        <h2>{{Subject}}</h2>
        <p>{{Author}} wrote:</p>
        {{#each Comments}}
        <blockquote>{{this}}</blockquote>
        {{/each}}

        """;
}
