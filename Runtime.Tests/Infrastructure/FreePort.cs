using System.Net;
using System.Net.Sockets;

namespace TypedMail.Runtime.Tests.Infrastructure;

/// <summary>Picks a free loopback port: bind to port 0, read the port, close.</summary>
public static class FreePort
{
    public static int Next()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
