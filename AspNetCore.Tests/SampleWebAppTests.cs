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
        Directory.CreateDirectory(_folder);
        var pickup = Path.Combine(_folder, "pickup");
        var port = SampleProcess.FreePort();
        using var app = SampleProcess.Start("WebApp",
        [
            "--contentRoot", SampleProcess.BinFolder("WebApp"),
            "--environment", "Development",
            "--urls", $"http://127.0.0.1:{port}",
            "--ConnectionStrings:Shop", $"Data Source={Path.Combine(_folder, "shop.db")}",
            "--TypedMail:Pickup:Folder", pickup,
            "--TypedMail:Dispatcher:PollInterval", "00:00:00.200",
        ]);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };

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
        Assert.Contains("TypedMail dispatcher", app.Output);
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
