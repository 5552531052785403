using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using TypedMail.Diagnostics;
using TypedMail.Outbox;

namespace TypedMail.Hosting;

/// <summary>The queries the metrics and the health check run, without knowing the application's context type.</summary>
internal interface IOutboxReader
{
    Task<OutboxStatus> ReadStatusAsync(CancellationToken cancellationToken);

    /// <summary>Messages that failed for good at or after <paramref name="since"/> (UTC).</summary>
    Task<long> CountFailedSinceAsync(DateTime since, CancellationToken cancellationToken);
}

internal sealed class OutboxReader<TContext> : IOutboxReader
    where TContext : DbContext
{
    private readonly IDbContextFactory<TContext> _contexts;

    public OutboxReader(IDbContextFactory<TContext> contexts) => _contexts = contexts;

    public async Task<OutboxStatus> ReadStatusAsync(CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return await OutboxStatus.ReadAsync(db, cancellationToken).ConfigureAwait(false);
    }

    public async Task<long> CountFailedSinceAsync(DateTime since, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return await db.Set<OutboxMessage>()
            .Where(m => m.State == OutboxMessageState.Failed && m.FailedAt >= since)
            .LongCountAsync(cancellationToken)
            .ConfigureAwait(false);
    }
}
