using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using TypedMail.AspNetCore.Tests.Emails;
using TypedMail.AspNetCore.Tests.Infrastructure;
using TypedMail.Outbox;
using TypedMail.Runtime.Tests.Infrastructure;

namespace TypedMail.AspNetCore.Tests;

/// <summary>The dashboard in a real headless Chromium, with a real dispatcher behind it: what an operator sees and does.</summary>
public sealed class DashboardBrowserTests(Chromium chromium) : IClassFixture<Chromium>, IAsyncLifetime
{
    private DashboardServer _server = null!;
    private IBrowserContext _browser = null!;
    private IPage _page = null!;

    public async Task InitializeAsync()
    {
        _server = await DashboardServer.StartAsync();
        _browser = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1100, Height = 800 },
            ExtraHTTPHeaders = new Dictionary<string, string> { [HeaderAuthentication.Header] = "ada" },
        });
        _page = await _browser.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        await _browser.CloseAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task An_operator_finds_a_failed_message_retries_it_and_sees_it_sent()
    {
        // The transport refuses the first message for now; with one attempt allowed, the dispatcher gives it up.
        _server.Transport.FailuresLeft = 1;
        Guid failed;
        await using (var db = _server.CreateDbContext())
        {
            failed = db.Emails().Enqueue(new WelcomeEmail("Ada", "Acme Mail", 3), "Ada Lovelace <ada@example.com>",
                new EnqueueOptions { Tags = ["welcome", "trial"] }, new CultureInfo("fr")).Id;
            await db.SaveChangesAsync();
        }

        _server.StartDispatcher();
        await Eventually.True(async () => await _server.StateAsync(failed) == OutboxMessageState.Failed, "the first message fails");
        Guid[] others;
        await using (var db = _server.CreateDbContext())
        {
            others =
            [
                db.Emails().Enqueue(new WelcomeEmail("Grace", "Acme Mail", 5), "grace@example.com").Id,
                db.Emails().Enqueue(new ReceiptEmail("A-1001"), "bob@example.com").Id,
            ];
            await db.SaveChangesAsync();
        }

        // The transport accepts a message before the dispatcher records it: wait for the record the page reads.
        await Eventually.True(async () => _server.Transport.Accepted.Count == 2
            && await _server.StateAsync(others[0]) == OutboxMessageState.Sent
            && await _server.StateAsync(others[1]) == OutboxMessageState.Sent, "the other two are sent and recorded");

        await _page.GotoAsync(_server.Dashboard.ToString());
        Assert.Equal("Outbox - TypedMail", await _page.TitleAsync());
        Assert.Equal("1", await _page.Locator("#counts tr[data-state=failed] td.n").InnerTextAsync());
        Assert.Equal("2", await _page.Locator("#counts tr[data-state=sent] td.n").InnerTextAsync());
        Assert.Equal("2", await _page.Locator("#last-hour tr[data-stat=sent] td.n").InnerTextAsync());
        await Screenshot("dashboard-overview.png");

        await _page.Locator("nav").GetByRole(AriaRole.Link, new LocatorGetByRoleOptions { Name = "Failed", Exact = true }).ClickAsync();
        var row = _page.Locator($"#messages tr[data-id='{failed}']");
        Assert.Equal("Ada Lovelace <ada@example.com>", await row.Locator("td.recipient").InnerTextAsync());
        Assert.Equal("Gave up after the last attempt. ada@example.com: Rejected 451 Mail server temporarily rejected message", await row.Locator("td.error").InnerTextAsync());
        Assert.Equal(["fr", "welcome", "trial"], await row.Locator(".tag").AllInnerTextsAsync());
        await Screenshot("dashboard-failed.png");

        await row.Locator("td.type a").ClickAsync();
        await _page.WaitForURLAsync($"**/messages/{failed}");
        Assert.Equal("failed", await _page.Locator("tr[data-field=state] td").InnerTextAsync());
        Assert.Equal("fr", await _page.Locator("tr[data-field=culture] td").InnerTextAsync());
        Assert.Equal("welcome, trial", await _page.Locator("tr[data-field=tags] td").InnerTextAsync());
        Assert.Equal("Rejected", await _page.Locator("#recipients td.state").InnerTextAsync());
        Assert.Equal(["TransientFailure"], await _page.Locator("#attempts td.outcome").AllInnerTextsAsync());
        Assert.Equal("1", await _page.Locator("tr[data-field=attempts] td").InnerTextAsync());
        Assert.Equal("Welcome, Ada!", await _page.FrameLocator("#html-body").Locator("h1").InnerTextAsync());
        await Screenshot("dashboard-message.png");

        await _page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Retry now" }).ClickAsync();
        Assert.Equal("Requeued: the message is due now.", await _page.Locator("#notice").InnerTextAsync());

        // The dispatcher sends it on its next poll; the operator reloads until the page says so.
        await Eventually.True(async () =>
        {
            await _page.ReloadAsync();
            return await _page.Locator("tr[data-field=state] td").InnerTextAsync() == "sent";
        }, "the retried message shows as sent");
        Assert.Equal("Accepted", await _page.Locator("#recipients td.state").InnerTextAsync());
        Assert.Equal(["TransientFailure", "Accepted"], await _page.Locator("#attempts td.outcome").AllInnerTextsAsync());
        // Attempts made in all, as the log numbers them, not the fresh budget the retry gave.
        Assert.Equal("2", await _page.Locator("tr[data-field=attempts] td").InnerTextAsync());
        Assert.Contains(_server.Transport.Accepted, e => e.OutboxId == failed);
        await Screenshot("dashboard-message-sent.png");

        // Suppress the recipient from the message page, then take it off the list again.
        await _page.Locator("#recipients form.suppress button").ClickAsync();
        await _page.WaitForURLAsync("**/suppressions?notice=suppressed");
        Assert.Equal(["ada@example.com"], await _page.Locator("#suppressions td.address").AllInnerTextsAsync());
        await _page.Locator("#suppressions form.unsuppress button").ClickAsync();
        Assert.Equal("The address is no longer suppressed.", await _page.Locator("#notice").InnerTextAsync());
        Assert.Equal(0, await _page.Locator("#suppressions td.address").CountAsync());
    }

    private async Task Screenshot(string name)
    {
        // Chromium does not paint a frame that is outside the viewport into a full-page capture: make the page fit.
        var height = await _page.EvaluateAsync<int>("document.documentElement.scrollHeight");
        await _page.SetViewportSizeAsync(1100, Math.Max(800, height));
        var path = Screenshots.PathFor(name);
        await _page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        Assert.Equal(1100, Screenshots.PngSize(path).Width);
    }
}
