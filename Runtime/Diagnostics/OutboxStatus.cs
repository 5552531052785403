using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using TypedMail.Outbox;

namespace TypedMail.Diagnostics;

/// <summary>The oldest message still waiting to be sent.</summary>
/// <param name="Id">Its outbox key.</param>
/// <param name="EmailType">Its email type.</param>
/// <param name="State">Queued, deferred or sending.</param>
/// <param name="CreatedAt">When it was enqueued (UTC).</param>
/// <param name="DueAt">When it is due (UTC).</param>
public sealed record PendingMessage(Guid Id, string EmailType, OutboxMessageState State, DateTime CreatedAt, DateTime DueAt);

/// <summary>How many messages the outbox holds in each state, and the oldest one not yet sent.</summary>
public sealed record OutboxStatus
{
    private static readonly OutboxMessageState[] PendingStates = [OutboxMessageState.Queued, OutboxMessageState.Sending, OutboxMessageState.Deferred];

    /// <summary>Creates a status.</summary>
    /// <param name="counts">Messages per state; states absent from it count zero.</param>
    /// <param name="oldestPending">The oldest message not yet sent, or <see langword="null"/>.</param>
    public OutboxStatus(IReadOnlyDictionary<OutboxMessageState, long> counts, PendingMessage? oldestPending)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var all = new Dictionary<OutboxMessageState, long>();
        foreach (var state in Enum.GetValues<OutboxMessageState>())
        {
            all[state] = counts.TryGetValue(state, out var n) ? n : 0;
        }

        Counts = all;
        OldestPending = oldestPending;
    }

    /// <summary>Messages per state; every state is present.</summary>
    public IReadOnlyDictionary<OutboxMessageState, long> Counts { get; }

    /// <summary>The oldest message that is queued, deferred or sending, or <see langword="null"/> when there is none.</summary>
    public PendingMessage? OldestPending { get; }

    /// <summary>Reads the status from a context whose model includes the outbox.</summary>
    /// <param name="context">The context.</param>
    /// <param name="cancellationToken">Cancels the queries.</param>
    /// <returns>The counts per state and the oldest pending message.</returns>
    /// <exception cref="System.Data.Common.DbException">The database could not be read.</exception>
    public static async Task<OutboxStatus> ReadAsync(DbContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var messages = context.Set<OutboxMessage>().AsNoTracking();
        var counts = await messages
            .GroupBy(m => m.State)
            .Select(g => new { State = g.Key, Count = g.LongCount() })
            .ToDictionaryAsync(g => g.State, g => g.Count, cancellationToken)
            .ConfigureAwait(false);
        var oldest = await ReadOldestPendingAsync(context, cancellationToken).ConfigureAwait(false);
        return new OutboxStatus(counts, oldest);
    }

    /// <summary>Reads the oldest message that is queued, deferred or sending, from a context whose model includes the outbox.</summary>
    /// <param name="context">The context.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The message, or <see langword="null"/> when there is none.</returns>
    /// <exception cref="System.Data.Common.DbException">The database could not be read.</exception>
    /// <remarks>
    /// One query per state, each the first entry of its range of the (state, created_at, id) index, rather than one
    /// query over the three states, which would sort every unsent message.
    /// </remarks>
    public static async Task<PendingMessage?> ReadOldestPendingAsync(DbContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        PendingMessage? oldest = null;
        foreach (var state in PendingStates)
        {
            var candidate = await context.Set<OutboxMessage>().AsNoTracking()
                .Where(m => m.State == state)
                .OrderBy(m => m.CreatedAt).ThenBy(m => m.Id)
                .Select(m => new PendingMessage(m.Id, m.EmailType, m.State, m.CreatedAt, m.DueAt))
                .FirstOrDefaultAsync(cancellationToken)
                .ConfigureAwait(false);
            if (candidate is not null && (oldest is null || candidate.CreatedAt < oldest.CreatedAt))
            {
                oldest = candidate;
            }
        }

        return oldest;
    }

    /// <summary>The name of a state in metrics and tables: <c>queued</c>, <c>sending</c>, <c>sent</c>, <c>deferred</c>, <c>failed</c>.</summary>
    /// <param name="state">The state.</param>
    public static string NameOf(OutboxMessageState state) => state.ToString().ToLowerInvariant();
}
