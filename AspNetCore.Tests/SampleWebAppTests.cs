using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Json;
using System.Threading.Tasks;
using TypedMail.AspNetCore.Tests.Infrastructure;

namespace TypedMail.AspNetCore.Tests;

/// <summary>samples/WebApp, run as its own process: an order placed over HTTP is mailed by the hosted dispatcher.</summary>
public sealed class SampleWebAppTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "typedmail-webapp-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Order_placed_over_http_is_mailed_by_the_hosted_dispatcher()
    {
        var pickup = Path.Combine(_folder, "pickup");
        var port = SampleProcess.FreePort();
        using var sample = await StartAsync(pickup, port);
        var (app, http) = (sample.App, sample.Http);

        using var placed = await http.PostAsJsonAsync("/orders", new { Number = "W-1", CustomerName = "Ada Lovelace", CustomerEmail = "ada@example.com", Total = 42.5m });
        Assert.Equal(System.Net.HttpStatusCode.Created, placed.StatusCode);

        await Until(() => Task.FromResult(Directory.Exists(pickup) && Directory.EnumerateFiles(pickup, "*.eml").Any()), "the confirmation email in the pickup folder", app);
        var raw = await File.ReadAllTextAsync(Directory.EnumerateFiles(pickup, "*.eml").Single());
        Assert.Contains("From: Acme Shop <shop@example.com>\r\n", raw);
        Assert.Contains("To: Ada Lovelace <ada@example.com>\r\n", raw);
        Assert.Contains("Subject: Order W-1 confirmed\r\n", raw);

        // The same email in French: the request's Accept-Language picks the French variant.
        using var french = new HttpRequestMessage(HttpMethod.Post, "/orders")
        {
            Content = JsonContent.Create(new { Number = "W-2", CustomerName = "Ada Lovelace", CustomerEmail = "ada@example.com", Total = 42.5m }),
        };
        french.Headers.AcceptLanguage.ParseAdd("fr-FR");
        using var placedInFrench = await http.SendAsync(french);
        Assert.Equal(System.Net.HttpStatusCode.Created, placedInFrench.StatusCode);
        await Until(() => Task.FromResult(Directory.EnumerateFiles(pickup, "*.eml").Count() == 2), "the French confirmation email in the pickup folder", app);
        var frenchRaw = Directory.EnumerateFiles(pickup, "*.eml").Select(File.ReadAllText).Single(m => m.Contains("W-2", StringComparison.Ordinal));
        Assert.Contains("Subject: Votre commande W-2\r\n", frenchRaw);

        Assert.Equal("Healthy", await http.GetStringAsync("/health"));
        var previews = await http.GetStringAsync("/typedmail/previews/");
        Assert.Contains("WebApp.Emails.OrderConfirmationEmail", previews);
        Assert.Contains("/typedmail/previews/WebApp.Emails.OrderConfirmationEmail/SmallOrder", previews);

        // The operators' dashboard, open in development, lists both as sent once their outcomes are written.
        await Until(async () =>
        {
            var sent = await http.GetStringAsync("/typedmail/dashboard/messages?state=sent");
            return sent.Contains("Order W-1 confirmed", StringComparison.Ordinal) && sent.Contains("Votre commande W-2", StringComparison.Ordinal);
        }, "both orders listed as sent on the dashboard", app);
        Assert.Contains("TypedMail dispatcher", app.Output);
    }

    [Fact]
    public async Task One_click_unsubscribe_over_http_stops_the_newsletter_but_not_order_mail()
    {
        var pickup = Path.Combine(_folder, "pickup");
        var port = SampleProcess.FreePort();
        using var sample = await StartAsync(pickup, port, "--TypedMail:Unsubscribe:Url", $"http://127.0.0.1:{port}/typedmail/unsubscribe");
        var (app, http) = (sample.App, sample.Http);

        string[] Mail(string subject) => Directory.Exists(pickup)
            ? Directory.EnumerateFiles(pickup, "*.eml").Select(File.ReadAllText).Where(m => m.Contains("\r\nSubject: " + subject + "\r\n", StringComparison.Ordinal)).ToArray()
            : [];
        const string News = "News from Acme for Ada Lovelace";
        async Task SendNewsletterAsync()
            => Assert.Equal(System.Net.HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/newsletter", new { Name = "Ada Lovelace", Email = "ada@example.com" })).StatusCode);

        await SendNewsletterAsync();
        await Until(() => Task.FromResult(Mail(News).Length == 1), "the first newsletter", app);
        var raw = Mail(News).Single().Replace("\r\n ", " ", StringComparison.Ordinal);
        Assert.Contains("\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n", raw);
        const string Field = "\r\nList-Unsubscribe: <";
        var field = raw[(raw.IndexOf(Field, StringComparison.Ordinal) + Field.Length)..];
        var link = field[..field.IndexOf('>')];
        Assert.StartsWith($"http://127.0.0.1:{port}/typedmail/unsubscribe?token=", link, StringComparison.Ordinal);

        // A scanner or a person opening the link gets a confirmation page; nothing changes.
        var page = await http.GetStringAsync(link);
        Assert.Contains("Unsubscribe ada@example.com from newsletter mail?", page);
        await SendNewsletterAsync();
        await Until(() => Task.FromResult(Mail(News).Length == 2), "the second newsletter, after a GET of the link", app);

        // A forged token (one character of the signature changed) does nothing.
        var forged = link[..^2] + (link[^2] == 'A' ? 'B' : 'A') + link[^1];
        using (var refused = await http.PostAsync(forged, new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")])))
        {
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, refused.StatusCode);
        }

        // The mailbox provider's one-click POST (RFC 8058).
        using (var posted = await http.PostAsync(link, new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")])))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, posted.StatusCode);
            Assert.Contains("ada@example.com is unsubscribed from newsletter mail.", await posted.Content.ReadAsStringAsync());
        }

        await SendNewsletterAsync();
        using var placed = await http.PostAsJsonAsync("/orders", new { Number = "W-2", CustomerName = "Ada Lovelace", CustomerEmail = "ada@example.com", Total = 1m });
        Assert.Equal(System.Net.HttpStatusCode.Created, placed.StatusCode);
        await Until(() => Task.FromResult(Mail("Order W-2 confirmed").Length == 1), "the order confirmation, sent after the newsletter was suppressed", app);
        Assert.Equal(2, Mail(News).Length);
    }

    /// <summary>Starts the sample on <paramref name="port"/> with its database in this test's folder and mail to <paramref name="pickup"/>, and waits until it answers /health.</summary>
    private async Task<RunningSample> StartAsync(string pickup, int port, params string[] settings)
    {
        Directory.CreateDirectory(_folder);
        var app = SampleProcess.Start("WebApp",
        [
            "--contentRoot", SampleProcess.BinFolder("WebApp"),
            "--environment", "Development",
            "--urls", $"http://127.0.0.1:{port}",
            "--ConnectionStrings:Shop", $"Data Source={Path.Combine(_folder, "shop.db")}",
            "--TypedMail:Pickup:Folder", pickup,
            "--TypedMail:Dispatcher:PollInterval", "00:00:00.200",
            .. settings,
        ]);
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            await Until(async () =>
            {
                Assert.False(app.HasExited, "the sample exited:\n" + app.Output);
                try
                {
                    return (await http.GetAsync("/health")).IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, "the sample to answer /health", app);
        }
        catch
        {
            http.Dispose();
            app.Dispose();
            throw;
        }

        return new RunningSample(app, http);
    }

    private sealed record RunningSample(SampleProcess App, HttpClient Http) : IDisposable
    {
        public void Dispose()
        {
            Http.Dispose();
            App.Dispose();
        }
    }

    private static async Task Until(Func<Task<bool>> condition, string what, SampleProcess app)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new Xunit.Sdk.XunitException($"Timed out waiting for {what}. Sample output:\n{app.Output}");
            }

            await Task.Delay(100);
        }
    }
}
