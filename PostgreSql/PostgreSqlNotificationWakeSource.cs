using System;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using TypedMail.Dispatch;

namespace TypedMail.PostgreSql;

/// <summary>
/// Wakes a dispatcher when any process commits mail to a PostgreSQL outbox: TypedMail's interceptor sends
/// <c>NOTIFY typedmail_outbox</c> in the enqueueing transaction, and this source holds one connection that
/// <c>LISTEN</c>s for it. When the connection drops (a database restart), it reconnects with backoff and wakes the
/// dispatcher once, since notifications sent meanwhile were lost. As a wake source of its own
/// (<see cref="DispatcherOptions.WakeSources"/>) it wakes at every notification, this process's included; the listener
/// that <see cref="DispatcherOptions.ListenForNotifications"/> starts ignores this process's own, whose commits woke
/// its dispatchers already.
/// </summary>
public sealed class PostgreSqlNotificationWakeSource : IOutboxWakeSource, IOutboxNotificationSource
{
    /// <summary>The channel TypedMail notifies.</summary>
    public const string Channel = "typedmail_outbox";

    private readonly string _connectionString;

    /// <summary>Creates the source.</summary>
    /// <param name="connectionString">The outbox database's connection string.</param>
    /// <exception cref="ArgumentException">The connection string is empty.</exception>
    public PostgreSqlNotificationWakeSource(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);

        // The listening connection is long-lived and must not be a pooled one that another user could receive.
        _connectionString = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, KeepAlive = 15 }.ConnectionString;
    }

    /// <summary>Raised after each (re)connection, once <c>LISTEN</c> is in place; for tests and diagnostics.</summary>
    public event EventHandler? Listening;

    /// <inheritdoc/>
    public Task ListenAsync(Action wake, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wake);
        return ListenAsync(_ => wake(), cancellationToken);
    }

    /// <summary>Listens, telling <paramref name="notified"/> each notification's payload: the committing process's sender.</summary>
    Task IOutboxNotificationSource.ListenAsync(Action<string?> notified, CancellationToken cancellationToken) => ListenAsync(notified, cancellationToken);

    private async Task ListenAsync(Action<string?> notified, CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(_connectionString);
                connection.Notification += (_, e) => notified(e.Payload);
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                await using (var listen = new NpgsqlCommand("LISTEN " + Channel, connection))
                {
                    await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                Listening?.Invoke(this, EventArgs.Empty);
                if (failures > 0)
                {
                    notified(null);
                }

                failures = 0;
                while (true)
                {
                    await connection.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or System.IO.IOException or System.Net.Sockets.SocketException or InvalidOperationException)
            {
                failures++;
                var delay = Backoff.Delay(failures, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10));
                try
                {
                    await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
