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
        Assert.Equal(["NewCustomer", "Escaped", "Broken"], await rows.Nth(1).Locator("a.sample").AllInnerTextsAsync());

        var missing = await _page.Locator("#missing li").AllInnerTextsAsync();
        Assert.Equal(
            ["TypedMail.AspNetCore.Tests.Emails.PasswordResetEmail: add a static property or method marked [EmailSample] that returns a PasswordResetEmail."],
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
}
