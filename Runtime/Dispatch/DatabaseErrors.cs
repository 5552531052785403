using System;
using System.Data.Common;
using System.IO;
using System.Net.Sockets;

namespace TypedMail.Dispatch;

/// <summary>Classifies database failures by exception type, never by message text.</summary>
internal static class DatabaseErrors
{
    /// <summary>The database or the network to it failed (a restart, a dropped connection), not a constraint or a bug.</summary>
    public static bool IsUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is DbException or SocketException or IOException or TimeoutException)
            {
                return true;
            }
        }

        return false;
    }
}
