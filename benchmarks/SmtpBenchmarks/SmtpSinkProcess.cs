using System;
using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading;

namespace TypedMail.Benchmarks.Smtp;

/// <summary>postfix's smtp-sink on a free loopback port, killed on dispose.</summary>
public sealed class SmtpSinkProcess : IDisposable
{
    private readonly Process _process;

    public SmtpSinkProcess()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        try
        {
            _process = Process.Start(new ProcessStartInfo("smtp-sink", ["-u", "nobody", $"127.0.0.1:{Port}", "1024"]))
                ?? throw new InvalidOperationException("smtp-sink could not be started.");
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException("smtp-sink is not installed (apt-get install postfix; see shared/smtp-test-servers.md).", ex);
        }

        for (var i = 0; i < 200; i++)
        {
            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(25);
            }
        }

        Dispose();
        throw new InvalidOperationException($"smtp-sink did not listen on port {Port}.");
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
}
