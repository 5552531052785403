using System;
using System.Threading;
using System.Threading.Tasks;

namespace TypedMail.Dispatch;

/// <summary>
/// Tells a running dispatcher that mail may be due, from outside this process: for example PostgreSQL's
/// <c>LISTEN</c> (the <c>TypedMail.PostgreSql</c> package). Commits in this process wake the dispatcher without one.
/// </summary>
public interface IOutboxWakeSource
{
    /// <summary>Listens until cancelled, calling <paramref name="wake"/> whenever mail may be due. Recovers from its own failures.</summary>
    /// <param name="wake">Wakes the dispatcher; cheap, and safe to call from any thread.</param>
    /// <param name="cancellationToken">Stops listening.</param>
    /// <returns>A task that completes when listening has stopped.</returns>
    Task ListenAsync(Action wake, CancellationToken cancellationToken);
}
