// How long an edit takes to show in an open email preview while `dotnet watch` runs samples/WebApp.
//
// Starts `dotnet watch` on the web sample (Development, a free loopback port, a throw-away database), opens the
// preview of OrderConfirmationEmail/SmallOrder in headless Chromium, then per round edits the subject template and,
// as the peer, the C# sample data, and times each edit until the open page shows it (dotnet watch refreshes the
// page; the tool never reloads it). The edited files are restored at the end.
//
// Usage: dotnet run -c Release --project benchmarks/PreviewWatch -- [rounds]
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading.Tasks;
using Microsoft.Playwright;

var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
var root = new DirectoryInfo(Environment.CurrentDirectory);
while (!File.Exists(Path.Combine(root.FullName, "TypedMail.sln")))
{
    root = root.Parent ?? throw new InvalidOperationException("Run from the repository: TypedMail.sln not found.");
}

var app = Path.Combine(root.FullName, "samples", "WebApp");
var template = Path.Combine(app, "Emails", "OrderConfirmationEmail.subject.scriban");
var code = Path.Combine(app, "Emails", "OrderConfirmationEmail.cs");
var originals = new[] { template, code }.ToDictionary(p => p, File.ReadAllText);
var work = Directory.CreateTempSubdirectory("preview-watch-").FullName;
var port = FreePort();
var url = $"http://127.0.0.1:{port}/typedmail/previews/WebApp.Emails.OrderConfirmationEmail/SmallOrder";

var start = new ProcessStartInfo("dotnet", ["watch", "--non-interactive", "run", "--no-launch-profile"])
{
    WorkingDirectory = app,
    RedirectStandardOutput = true,
    RedirectStandardError = true,
};
start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
start.Environment["ConnectionStrings__Shop"] = $"Data Source={work}/shop.db";
start.Environment["TypedMail__Pickup__Folder"] = $"{work}/pickup";
start.Environment["DOTNET_WATCH_SUPPRESS_LAUNCH_BROWSER"] = "1";
var log = new List<string>();
using var watch = Process.Start(start)!;
watch.OutputDataReceived += (_, e) => { lock (log) { log.Add(e.Data ?? ""); } };
watch.ErrorDataReceived += (_, e) => { lock (log) { log.Add(e.Data ?? ""); } };
watch.BeginOutputReadLine();
watch.BeginErrorReadLine();

var times = new Dictionary<string, List<double>> { ["template"] = [], ["C#"] = [] };
try
{
    var clock = Stopwatch.StartNew();
    using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) })
    {
        while (true)
        {
            try
            {
                if ((await http.GetStringAsync(url)).Contains("SmallOrder", StringComparison.Ordinal))
                {
                    break;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                if (watch.HasExited || clock.Elapsed > TimeSpan.FromMinutes(10))
                {
                    throw new InvalidOperationException("The preview never came up:\n" + string.Join("\n", log), e);
                }

                await Task.Delay(250);
            }
        }
    }

    Console.WriteLine($"dotnet watch: first page after {clock.Elapsed.TotalSeconds:0.0} s (build and start)");
    using var playwright = await Playwright.CreateAsync();
    await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = "/usr/bin/chromium",
        Headless = true,
        Args = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
    });
    var page = await browser.NewPageAsync();
    await page.GotoAsync(url);
    var refreshScript = await page.Locator("script[src*='aspnetcore-browser-refresh']").CountAsync() > 0;
    Console.WriteLine(refreshScript ? "the page carries dotnet watch's browser-refresh script" : "the page has no browser-refresh script");
    await page.WaitForTimeoutAsync(2000);

    for (var round = 1; round <= rounds; round++)
    {
        foreach (var (kind, path, old, replacement) in new[]
        {
            ("template", template, "confirmed", $"confirmed edit{round}t"),
            ("C#", code, "\"Ada Lovelace\"", $"\"Ada Lovelace{round}c\""),
        })
        {
            var marker = replacement.Trim('"').Split(' ').Last();
            var before = File.ReadAllText(path);
            var edit = Stopwatch.StartNew();
            File.WriteAllText(path, before.Replace(old, replacement, StringComparison.Ordinal));
            var shown = await ShownAsync(page, marker);
            times[kind].Add(shown ? edit.Elapsed.TotalSeconds : double.NaN);
            Console.WriteLine($"round {round}: {kind} edit {(shown ? $"shown in the open page after {edit.Elapsed.TotalSeconds:0.00} s" : "not shown within 60 s")}");
            File.WriteAllText(path, before);
            await ShownAsync(page, marker, present: false);
            await page.WaitForTimeoutAsync(1000);
        }
    }
}
finally
{
    foreach (var (path, text) in originals)
    {
        File.WriteAllText(path, text);
    }

    watch.Kill(entireProcessTree: true);
    await watch.WaitForExitAsync();
    Directory.Delete(work, recursive: true);
}

double Median(List<double> xs)
{
    var sorted = xs.Where(x => !double.IsNaN(x)).Order().ToArray();
    return sorted.Length == 0 ? double.NaN : sorted[sorted.Length / 2];
}

var (t, c) = (Median(times["template"]), Median(times["C#"]));
Console.WriteLine($"median of {rounds}: template edit {t:0.00} s, C# edit (peer) {c:0.00} s, ratio {t / c:0.00}; first template edit {times["template"][0]:0.00} s");
Console.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}");
string[] restarts;
lock (log)
{
    restarts = log.Where(l => l.Contains("Restarting", StringComparison.Ordinal) || l.Contains("rude edit", StringComparison.OrdinalIgnoreCase)).ToArray();
}

Console.WriteLine(restarts.Length == 0 ? "every edit was applied by hot reload (no restart)" : "restarts:\n" + string.Join("\n", restarts));

static async Task<bool> ShownAsync(IPage page, string marker, bool present = true)
{
    try
    {
        await page.WaitForFunctionAsync(
            "([m, present]) => document.body != null && document.body.innerText.includes(m) === present",
            new object[] { marker, present },
            new PageWaitForFunctionOptions { Timeout = 60_000, PollingInterval = 50 });
        return true;
    }
    catch (TimeoutException)
    {
        return false;
    }
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}
