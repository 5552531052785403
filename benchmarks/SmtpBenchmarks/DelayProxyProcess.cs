using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;

namespace TypedMail.Benchmarks.Smtp;

/// <summary>
/// shared/tools/delay_proxy.py in front of a server: every chunk waits <c>delayMs</c> each way, so the client sees a
/// round trip of twice that. Killed on dispose.
/// </summary>
public sealed class DelayProxyProcess : IDisposable
{
    private readonly Process _process;

    public DelayProxyProcess(int upstreamPort, double delayMs)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var script = FindScript();
        _process = Process.Start(new ProcessStartInfo("python3", [script, "--listen", $"127.0.0.1:{Port}", "--upstream", $"127.0.0.1:{upstreamPort}", "--delay-ms", delayMs.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
        }) ?? throw new InvalidOperationException("python3 could not be started.");
        var ready = _process.StandardOutput.ReadLine();
        if (ready is null || !ready.StartsWith("delay-proxy", StringComparison.Ordinal))
        {
            Dispose();
            throw new InvalidOperationException($"{script} did not start: {ready}");
        }
    }

    public int Port { get; }

    public void Dispose()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }

    private static string FindScript()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TypedMail.sln")))
            {
                var script = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "tools", "delay_proxy.py"));
                return File.Exists(script) ? script : throw new InvalidOperationException($"The delay proxy is missing at {script}: clone the repository beside shared/.");
            }
        }

        throw new InvalidOperationException("TypedMail.sln not found above " + AppContext.BaseDirectory);
    }
}
