using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;

namespace TypedMail.Smtp;

/// <summary>
/// Up to <see cref="SmtpOptions.PoolSize"/> connections, one MailKit client each: idle ones are kept for the next
/// send while they are fresh, under <see cref="SmtpOptions.MaxMessagesPerConnection"/> and not closed by the
/// server; the others are closed (with QUIT when the session is sound).
/// </summary>
internal sealed class SmtpConnectionPool(SmtpOptions options, Func<CancellationToken, Task<RecordingSmtpClient>> connect) : IAsyncDisposable
{
    private readonly ConcurrentStack<RecordingSmtpClient> _idle = new();
    private readonly SemaphoreSlim _slots = new(options.PoolSize, options.PoolSize);
    private int _disposed;

    /// <summary>An idle connection, or a new one. Waits while all <see cref="SmtpOptions.PoolSize"/> are in use.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The pool was disposed.</exception>
    /// <remarks>Throws what <see cref="SmtpConnector.ConnectAsync"/> throws when a new connection fails.</remarks>
    public async Task<RecordingSmtpClient> RentAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (_idle.TryPop(out var idle))
            {
                if (idle.IsReusable())
                {
                    return idle;
                }

                await CloseAsync(idle).ConfigureAwait(false);
            }

            return await connect(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _slots.Release();
            throw;
        }
    }

    /// <summary>Gives a connection back: kept when it can take more, closed otherwise.</summary>
    public async Task ReturnAsync(RecordingSmtpClient client)
    {
        client.MarkIdle();
        if (Volatile.Read(ref _disposed) == 0 && client.IsReusable())
        {
            _idle.Push(client);
        }
        else
        {
            await CloseAsync(client).ConfigureAwait(false);
        }

        _slots.Release();
    }

    /// <summary>Closes the idle connections with QUIT.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        while (_idle.TryPop(out var idle))
        {
            await CloseAsync(idle).ConfigureAwait(false);
        }
    }

    private async Task CloseAsync(RecordingSmtpClient client)
    {
        if (!client.IsBroken && client.IsConnected)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(Math.Min(5, options.CommandTimeout.TotalSeconds)));
            try
            {
                await client.DisconnectAsync(quit: true, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is System.IO.IOException or MailKit.Net.Smtp.SmtpProtocolException or MailKit.Net.Smtp.SmtpCommandException
                or OperationCanceledException or TimeoutException or System.Net.Sockets.SocketException)
            {
                // The connection is being closed anyway.
            }
        }

        client.Socket?.Dispose();
        client.Dispose();
    }
}
