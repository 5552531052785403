using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;

namespace TypedMail.Smtp;

/// <summary>
/// Up to <see cref="SmtpOptions.PoolSize"/> connections: idle ones are kept for the next send while they are
/// fresh and the server has not closed them; broken ones are dropped.
/// </summary>
internal sealed class SmtpConnectionPool(SmtpOptions options, Func<CancellationToken, Task<SmtpConnection>> connect) : IAsyncDisposable
{
    private readonly ConcurrentStack<SmtpConnection> _idle = new();
    private readonly SemaphoreSlim _slots = new(options.PoolSize, options.PoolSize);
    private int _disposed;

    /// <summary>An idle connection, or a new one. Waits while all <see cref="SmtpOptions.PoolSize"/> are in use.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <remarks>Throws what <see cref="SmtpConnection.ConnectAsync"/> throws when a new connection fails.</remarks>
    public async Task<SmtpConnection> RentAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (_idle.TryPop(out var idle))
            {
                if (idle.IsReusable(options.IdleTimeout))
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

    /// <summary>Gives a connection back: kept when it is sound, closed otherwise.</summary>
    public async Task ReturnAsync(SmtpConnection connection)
    {
        if (connection.IsBroken || Volatile.Read(ref _disposed) != 0)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            _idle.Push(connection);
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

    private static async Task CloseAsync(SmtpConnection connection)
    {
        await connection.QuitAsync(CancellationToken.None).ConfigureAwait(false);
        await connection.DisposeAsync().ConfigureAwait(false);
    }
}
