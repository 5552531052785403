using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using TypedMail.Transports;

namespace TypedMail.Hosting;

/// <summary>The transports of <see cref="TypedMailOptions.Transports"/>, in name order; disposed with the container.</summary>
internal sealed class NamedTransports(List<(string Name, IEmailTransport Transport, double? MaxMessagesPerSecond)> transports) : IAsyncDisposable
{
    public List<(string Name, IEmailTransport Transport, double? MaxMessagesPerSecond)> Transports { get; } = transports;

    public async ValueTask DisposeAsync()
    {
        foreach (var (_, transport, _) in Transports)
        {
            if (transport is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
