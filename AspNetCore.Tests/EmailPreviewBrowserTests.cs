using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Playwright;
using TypedMail.AspNetCore.Tests.Infrastructure;

namespace TypedMail.AspNetCore.Tests;

/// <summary>The preview pages in a real headless Chromium: what a developer sees.</summary>
public sealed class EmailPreviewBrowserTests(Chromium chromium) : IClassFixture<Chromium>, IAsyncLifetime
{
    private PreviewServer _server = null!;
    private IPage _page = null!;

    public async Task InitializeAsync()
    {
        _server = await PreviewServer.StartAsync();
        _page = await chromium.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1100, Height = 900 } });
    }

    public async Task DisposeAsync()
    {
        await _page.CloseAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task List_page_shows_every_email_with_its_samples_and_the_ones_without_sample_data()
    {
        var response = await _page.GotoAsync(new Uri(_server.BaseAddress, "/previews/").ToString());
        Assert.Equal(200, response!.Status);
        Assert.Equal("Email previews", await _page.TitleAsync());

        var rows = _page.Locator("#emails tbody tr");
        Assert.Equal(
            ["TypedMail.AspNetCore.Tests.Emails.ReceiptEmail", "TypedMail.AspNetCore.Tests.Emails.WelcomeEmail"],
            await rows.Locator("td.type").AllInnerTextsAsync());
        Assert.Equal(["NewCustomer", "Escaped", "Team", "Broken"], await rows.Nth(1).Locator("a.sample").AllInnerTextsAsync());

        var missing = await _page.Locator("#missing li").AllInnerTextsAsync();
        Assert.Equal(
            ["TypedMail.AspNetCore.Tests.Emails.PasswordResetEmail: add a static property or method marked [EmailSample] that returns a PasswordResetEmail, "
                + "such as [EmailSample] public static PasswordResetEmail Example => new(...); in the record."],
            missing);

        var path = Screenshots.PathFor("previews-list.png");
        await _page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        var (width, _) = Screenshots.PngSize(path);
        Assert.Equal(1100, width);
    }

    [Fact]
    public async Task Email_page_shows_the_subject_rendered_html_text_and_mime_source()
    {
        await _page.GotoAsync(new Uri(_server.BaseAddress, "/previews/").ToString());
        await _page.GetByRole(AriaRole.Link, new PageGetByRoleOptions { Name = "NewCustomer" }).ClickAsync();
        await _page.WaitForURLAsync("**/previews/TypedMail.AspNetCore.Tests.Emails.WelcomeEmail/NewCustomer");

        Assert.Equal("Welcome to Acme Mail, Ada", await _page.Locator("#subject").InnerTextAsync());
        var html = _page.FrameLocator("#html-body");
        Assert.Equal("Welcome, Ada!", await html.Locator("h1").InnerTextAsync());
        Assert.Equal("Your Acme Mail workspace has 3 seats.", await html.Locator("p").InnerTextAsync());
        Assert.Equal("Welcome, Ada!\nYour Acme Mail workspace has 3 seats.\n", await _page.Locator("#text-body").TextContentAsync());

        // HTML parsing turns the source's CRLF into LF; the /source endpoint serves it byte for byte.
        var source = (await _page.Locator("#mime-source").TextContentAsync())!;
        Assert.Contains("Subject: Welcome to Acme Mail, Ada\n", source);
        Assert.Contains("To: Preview Recipient <recipient@example.com>\n", source);
        Assert.Contains("Content-Type: multipart/alternative;", source);

        var path = Screenshots.PathFor("previews-welcome-email.png");
        await _page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        var (width, height) = Screenshots.PngSize(path);
        Assert.Equal(1100, width);
        Assert.True(height >= 900, $"full-page screenshot is only {height} px high");
    }

    [Fact]
    public async Task Markup_in_sample_data_is_shown_as_text_and_never_runs()
    {
        var dialogs = 0;
        _page.Dialog += (_, dialog) => { dialogs++; _ = dialog.DismissAsync(); };
        await _page.GotoAsync(new Uri(_server.BaseAddress, "/previews/TypedMail.AspNetCore.Tests.Emails.WelcomeEmail/Escaped").ToString());

        Assert.Equal("Welcome to Acme <Mail>, <script>alert(1)</script> & Co", await _page.Locator("#subject").InnerTextAsync());
        Assert.Equal("Welcome, <script>alert(1)</script> & Co!", await _page.FrameLocator("#html-body").Locator("h1").InnerTextAsync());
        Assert.Equal(0, await _page.FrameLocator("#html-body").Locator("script").CountAsync());
        Assert.Equal(0, dialogs);
    }

    [Fact]
    public async Task Email_page_shows_the_headers_and_attachments_and_toggles_mobile_and_dark_views()
    {
        await _page.GotoAsync(new Uri(_server.BaseAddress, "/previews/").ToString());
        await _page.GetByRole(AriaRole.Link, new PageGetByRoleOptions { Name = "Team" }).ClickAsync();
        await _page.WaitForURLAsync("**/previews/TypedMail.AspNetCore.Tests.Emails.WelcomeEmail/Team");

        Assert.Equal(["From", "To", "Reply-To", "Subject", "Date"], await _page.Locator("#headers dt").AllInnerTextsAsync());
        Assert.Equal("Preview Sender <sender@example.com>", await _page.Locator("#header-from").InnerTextAsync());
        Assert.Equal("Preview Recipient <recipient@example.com>", await _page.Locator("#header-to").InnerTextAsync());
        Assert.Equal("Acme Support <support@acme.test>", await _page.Locator("#header-reply-to").InnerTextAsync());
        Assert.Equal("Welcome to Acme Mail, Grace", await _page.Locator("#header-subject").InnerTextAsync());
        Assert.Matches(@"^\w{3}, \d{1,2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+00:00$", await _page.Locator("#header-date").InnerTextAsync());
        Assert.Equal(["terms.pdf application/pdf", "welcome.png image/png"], await _page.Locator("#attachments li").AllInnerTextsAsync());

        var frame = _page.Locator("#html-body");
        var desktopWidth = (await frame.BoundingBoxAsync())!.Width;
        var heading = _page.FrameLocator("#html-body").Locator("h1");
        var lightColor = await heading.EvaluateAsync<string>("h => getComputedStyle(h).color");
        await _page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshots.PathFor("previews-headers-desktop.png") });

        await _page.GetByRole(AriaRole.Link, new PageGetByRoleOptions { Name = "Mobile", Exact = true }).ClickAsync();
        await _page.WaitForURLAsync("**/Team?width=mobile");
        // The email lays out in a phone's 375 CSS pixels.
        Assert.Equal(375, await heading.EvaluateAsync<int>("h => h.ownerDocument.defaultView.innerWidth"));
        Assert.True(desktopWidth > 700, $"the desktop frame is {desktopWidth} px wide");
        Assert.Equal("Welcome, Grace!", await heading.InnerTextAsync());

        await _page.GetByRole(AriaRole.Link, new PageGetByRoleOptions { Name = "Dark", Exact = true }).ClickAsync();
        await _page.WaitForURLAsync("**/Team?width=mobile&theme=dark");
        Assert.Equal("true", await _page.Locator("#views a", new PageLocatorOptions { HasText = "Dark" }).EvaluateAsync<string>("a => String(a.hasAttribute('aria-current'))"));
        Assert.Equal(375, await heading.EvaluateAsync<int>("h => h.ownerDocument.defaultView.innerWidth"));

        // The email's own dark-mode rule applies, and the canvas is dark.
        Assert.NotEqual(lightColor, await heading.EvaluateAsync<string>("h => getComputedStyle(h).color"));
        Assert.Equal("rgb(126, 231, 135)", await heading.EvaluateAsync<string>("h => getComputedStyle(h).color"));
        var path = Screenshots.PathFor("previews-mobile-dark.png");
        await _page.ScreenshotAsync(new PageScreenshotOptions { Path = path });
        Assert.Equal((1100, 900), Screenshots.PngSize(path));

        // The culture switcher keeps the view.
        await _page.GotoAsync(new Uri(_server.BaseAddress, "/previews/TypedMail.AspNetCore.Tests.Emails.WelcomeEmail/NewCustomer?theme=dark").ToString());
        await _page.GetByRole(AriaRole.Link, new PageGetByRoleOptions { Name = "fr", Exact = true }).ClickAsync();
        await _page.WaitForURLAsync("**/NewCustomer?culture=fr&theme=dark");
        Assert.Equal("Bienvenue sur Acme Mail, Ada", await _page.Locator("#subject").InnerTextAsync());
    }

    [Fact]
    public async Task A_sample_that_throws_shows_an_error_page()
    {
        var response = await _page.GotoAsync(new Uri(_server.BaseAddress, "/previews/TypedMail.AspNetCore.Tests.Emails.WelcomeEmail/Broken").ToString());
        Assert.Equal(500, response!.Status);
        Assert.Equal(
            "The sample TypedMail.AspNetCore.Tests.Emails.WelcomeEmail.Broken threw System.InvalidOperationException: the sample database is empty",
            await _page.Locator("#error").InnerTextAsync());
        await _page.GetByRole(AriaRole.Link, new PageGetByRoleOptions { Name = "All emails" }).ClickAsync();
        await _page.WaitForURLAsync("**/previews/");
    }
}
