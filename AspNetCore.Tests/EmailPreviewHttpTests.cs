using System.Net;
using System.Net.Http;
using System.Threading.Tasks;
using TypedMail.AspNetCore.Tests.Infrastructure;

namespace TypedMail.AspNetCore.Tests;

/// <summary>The preview endpoints over plain HTTP: content types, errors and the raw parts.</summary>
public sealed class EmailPreviewHttpTests : IAsyncLifetime
{
    private const string Welcome = "TypedMail.AspNetCore.Tests.Emails.WelcomeEmail";
    private PreviewServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _server = await PreviewServer.StartAsync("/mail/previews");
        _http = new HttpClient { BaseAddress = _server.BaseAddress };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Html_part_is_served_sandboxed()
    {
        using var response = await _http.GetAsync($"/mail/previews/{Welcome}/NewCustomer/html");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("sandbox", Assert.Single(response.Headers.GetValues("Content-Security-Policy")));
        Assert.Contains("<h1>Welcome, Ada!</h1>", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Text_and_source_parts_are_plain_text()
    {
        using var text = await _http.GetAsync($"/mail/previews/{Welcome}/NewCustomer/text");
        Assert.Equal("text/plain", text.Content.Headers.ContentType!.MediaType);
        Assert.Equal("Welcome, Ada!\nYour Acme Mail workspace has 3 seats.\n", await text.Content.ReadAsStringAsync());

        using var source = await _http.GetAsync($"/mail/previews/{Welcome}/NewCustomer/source");
        Assert.Equal("text/plain", source.Content.Headers.ContentType!.MediaType);
        var body = await source.Content.ReadAsStringAsync();
        Assert.Contains("From: Preview Sender <sender@example.com>\r\n", body);
        Assert.Matches(@"Message-ID: <preview\.[0-9a-f]{32}@example\.com>\r\n", body);
    }

    [Fact]
    public async Task Links_follow_the_mapped_prefix()
    {
        var list = await _http.GetStringAsync("/mail/previews");
        Assert.Contains($"href=\"/mail/previews/{Welcome}/NewCustomer\"", list);
        var detail = await _http.GetStringAsync($"/mail/previews/{Welcome}/NewCustomer");
        Assert.Contains($"src=\"/mail/previews/{Welcome}/NewCustomer/html\"", detail);
        Assert.Contains("<a href=\"/mail/previews/\">All emails</a>", detail);
    }

    [Fact]
    public async Task The_culture_switcher_renders_the_neutral_templates_and_each_culture_with_variants()
    {
        var neutral = await _http.GetStringAsync($"/mail/previews/{Welcome}/NewCustomer");
        Assert.Contains($"<a href=\"/mail/previews/{Welcome}/NewCustomer\" aria-current=\"page\">neutral</a> <a href=\"/mail/previews/{Welcome}/NewCustomer?culture=fr\">fr</a>", neutral);
        Assert.Contains("<h1 id=\"subject\">Welcome to Acme Mail, Ada</h1>", neutral);

        var french = await _http.GetStringAsync($"/mail/previews/{Welcome}/NewCustomer?culture=fr");
        Assert.Contains($"<a href=\"/mail/previews/{Welcome}/NewCustomer?culture=fr\" aria-current=\"page\">fr</a>", french);
        Assert.Contains("<h1 id=\"subject\">Bienvenue sur Acme Mail, Ada</h1>", french);
        Assert.Contains($"src=\"/mail/previews/{Welcome}/NewCustomer/html?culture=fr\"", french);
        Assert.Equal("Bienvenue, Ada !\nVotre espace Acme Mail a 3 places.\n", await _http.GetStringAsync($"/mail/previews/{Welcome}/NewCustomer/text?culture=fr"));

        var receipt = await _http.GetStringAsync("/mail/previews/TypedMail.AspNetCore.Tests.Emails.ReceiptEmail/Paid");
        Assert.DoesNotContain("id=\"cultures\"", receipt);
    }

    [Theory]
    [InlineData("/mail/previews/" + Welcome + "/NewCustomer?culture=de", "&#39;" + Welcome + "&#39; has no templates for culture &#39;de&#39;: it has fr.")]
    [InlineData("/mail/previews/Nope.Email/Sample", "No email type &#39;Nope.Email&#39;.")]
    [InlineData("/mail/previews/" + Welcome + "/Nope", "&#39;" + Welcome + "&#39; has no sample &#39;Nope&#39;.")]
    [InlineData("/mail/previews/TypedMail.AspNetCore.Tests.Emails.PasswordResetEmail/Any", "has no sample &#39;Any&#39;.")]
    public async Task Unknown_email_or_sample_is_404_saying_which(string path, string message)
    {
        using var response = await _http.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains(message, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Sample_that_throws_is_500_showing_what_it_threw()
    {
        using var response = await _http.GetAsync($"/mail/previews/{Welcome}/Broken");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains($"The sample {Welcome}.Broken threw System.InvalidOperationException: the sample database is empty",
            await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_sample_s_reply_to_and_attachments_reach_the_headers_and_the_mime_source()
    {
        var detail = await _http.GetStringAsync($"/mail/previews/{Welcome}/Team");
        Assert.Contains("<dt>Reply-To</dt><dd id=\"header-reply-to\">Acme Support &lt;support@acme.test&gt;</dd>", detail);
        Assert.Contains("<li>terms.pdf <span class=\"meta\">application/pdf</span></li>", detail);

        var source = await _http.GetStringAsync($"/mail/previews/{Welcome}/Team/source");
        Assert.Contains("Reply-To: Acme Support <support@acme.test>\r\n", source);
        Assert.Contains("Content-Type: multipart/mixed;", source);
        Assert.Matches("Content-Disposition: attachment; filename=\"?terms\\.pdf\"?\r\n", source);

        var plain = await _http.GetStringAsync($"/mail/previews/{Welcome}/NewCustomer");
        Assert.DoesNotContain("Reply-To", plain);
        Assert.DoesNotContain("id=\"attachments\"", plain);
    }

    [Fact]
    public async Task The_dark_view_serves_the_html_in_a_dark_color_scheme_and_the_views_keep_each_other()
    {
        var light = await _http.GetStringAsync($"/mail/previews/{Welcome}/NewCustomer/html");
        var dark = await _http.GetStringAsync($"/mail/previews/{Welcome}/NewCustomer/html?theme=dark");
        Assert.Equal(
            "<meta name=\"color-scheme\" content=\"dark\"><style>:root{color-scheme:dark}</style>" + light.Replace("@media (prefers-color-scheme: dark)", "@media (min-width:0)"),
            dark);
        Assert.Contains("@media (prefers-color-scheme: dark)", light);

        var detail = await _http.GetStringAsync($"/mail/previews/{Welcome}/NewCustomer?culture=fr&width=mobile&theme=dark");
        Assert.Contains($"class=\"mobile dark\" src=\"/mail/previews/{Welcome}/NewCustomer/html?culture=fr&amp;width=mobile&amp;theme=dark\"", detail);
        Assert.Contains($"<a href=\"/mail/previews/{Welcome}/NewCustomer?culture=fr&amp;theme=dark\">Desktop</a>", detail);
        Assert.Contains($"<a href=\"/mail/previews/{Welcome}/NewCustomer?culture=fr&amp;width=mobile&amp;theme=dark\" aria-current=\"page\">Mobile</a>", detail);
    }
}
