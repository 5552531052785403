using System;
using System.Threading;
using System.Threading.Tasks;

namespace TypedMail.Dispatch;

/// <summary>
/// Hears the database's notifications of committed mail with the sender each names (<c>OutboxWakeups.Sender</c> of the
/// committing process), for the listener a process's dispatchers share: PostgreSQL's <c>LISTEN</c> (the
/// <c>TypedMail.PostgreSql</c> package), made by the provider layer.
/// </summary>
internal interface IOutboxNotificationSource
{
    /// <summary>
    /// Listens until cancelled, calling <paramref name="notified"/> with each notification's sender, or with
    /// <see langword="null"/> when notifications may have been lost (after a reconnection) or name none. Recovers from its own failures.
    /// </summary>
    /// <param name="notified">Wakes dispatchers; cheap, and safe to call from any thread.</param>
    /// <param name="cancellationToken">Stops listening.</param>
    /// <returns>A task that completes when listening has stopped.</returns>
    Task ListenAsync(Action<string?> notified, CancellationToken cancellationToken);
}
