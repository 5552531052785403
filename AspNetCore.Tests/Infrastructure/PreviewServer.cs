using System;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using TypedMail.AspNetCore.Tests.Emails;

namespace TypedMail.AspNetCore.Tests.Infrastructure;

/// <summary>A real Kestrel server on 127.0.0.1 and a free port, serving the preview pages for this assembly's emails.</summary>
public sealed class PreviewServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private PreviewServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public static async Task<PreviewServer> StartAsync(string pattern = "/previews")
    {
        var port = FreePort();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapEmailPreviews(pattern, o => o.Assemblies.Add(typeof(WelcomeEmail).Assembly));
        await app.StartAsync();
        return new PreviewServer(app, new Uri($"http://127.0.0.1:{port}"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
