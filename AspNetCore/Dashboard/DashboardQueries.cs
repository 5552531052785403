using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using TypedMail.Diagnostics;
using TypedMail.Outbox;

namespace TypedMail.AspNetCore;

/// <summary>The overview: counts per state (each at most <see cref="DashboardQueries.CountLimit"/> + 1), the oldest unsent message, and the last hour.</summary>
internal sealed record DashboardOverview(
    IReadOnlyDictionary<OutboxMessageState, long> Counts, PendingMessage? OldestPending, long SentLastHour, long FailedLastHour, long AttemptsLastHour, long FailedAttemptsLastHour);

/// <summary>One message in a list.</summary>
internal sealed record MessageRow(
    Guid Id, string EmailType, string Subject, string? FirstRecipient, int Recipients, OutboxMessageState State, DateTime CreatedAt,
    DateTime DueAt, int Attempts, string? LastError, string? Tags, string Culture);

/// <summary>Where a page of one state's messages (newest first) continues: after this message.</summary>
internal readonly record struct MessageCursor(DateTime CreatedAt, Guid Id)
{
    public override string ToString() => CreatedAt.Ticks.ToString(CultureInfo.InvariantCulture) + "-" + Id.ToString("N");

    public static bool TryParse(string text, out MessageCursor cursor)
    {
        cursor = default;
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash <= 0
            || !long.TryParse(text.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks > DateTime.MaxValue.Ticks
            || !Guid.TryParseExact(text.AsSpan(dash + 1), "N", out var id))
        {
            return false;
        }

        cursor = new MessageCursor(new DateTime(ticks, DateTimeKind.Utc), id);
        return true;
    }
}

/// <summary>
/// The dashboard's reads. Each is one indexed query: pages are keyset ranges (never OFFSET), so their cost does not
/// grow with the table. docs/dashboard.md names the index behind each one.
/// </summary>
internal static class DashboardQueries
{
    /// <summary>
    /// Where counting stops: a state with more messages shows as "10,000+". Each count then reads at most this many
    /// index entries, so the overview costs the same on ten million messages as on a hundred thousand, where an exact
    /// count of sent mail would read the whole index.
    /// </summary>
    public const long CountLimit = 10_000;

    /// <summary>Counts per state (capped), the oldest pending message, and the last hour's sends and failures.</summary>
    public static async Task<DashboardOverview> OverviewAsync(DbContext db, DateTime now, CancellationToken cancellationToken)
    {
        var since = now.AddHours(-1);
        var messages = db.Set<OutboxMessage>().AsNoTracking();

        // (state, created_at, id) or (state, sent_at): one index range per state, cut off after CountLimit + 1 entries.
        var counts = new Dictionary<OutboxMessageState, long>();
        foreach (var state in Enum.GetValues<OutboxMessageState>())
        {
            counts[state] = await messages.Where(m => m.State == state).Select(m => m.Id).Take((int)CountLimit + 1)
                .LongCountAsync(cancellationToken).ConfigureAwait(false);
        }

        // (state, created_at, id)
        var oldest = await OutboxStatus.ReadOldestPendingAsync(db, cancellationToken).ConfigureAwait(false);

        // (state, sent_at)
        var sent = await messages.Where(m => m.State == OutboxMessageState.Sent && m.SentAt >= since).LongCountAsync(cancellationToken).ConfigureAwait(false);

        // (state, created_at, id): the failed rows, filtered by failed_at.
        var failed = await messages.Where(m => m.State == OutboxMessageState.Failed && m.FailedAt >= since).LongCountAsync(cancellationToken).ConfigureAwait(false);

        // (started_at)
        var attempts = await db.Set<OutboxAttempt>().AsNoTracking().Where(a => a.StartedAt >= since)
            .GroupBy(a => a.Outcome == AttemptOutcome.TransientFailure || a.Outcome == AttemptOutcome.PermanentFailure)
            .Select(g => new { Failed = g.Key, Count = g.LongCount() })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var failedAttempts = attempts.Where(a => a.Failed).Sum(a => a.Count);
        return new DashboardOverview(counts, oldest, sent, failed, attempts.Sum(a => a.Count), failedAttempts);
    }

    /// <summary>A page of messages in <paramref name="state"/>, newest first, after <paramref name="after"/>, and where the next page starts when more follow.</summary>
    public static async Task<(IReadOnlyList<MessageRow> Rows, MessageCursor? Next)> MessagesAsync(
        DbContext db, OutboxMessageState state, MessageCursor? after, int pageSize, CancellationToken cancellationToken)
    {
        var query = db.Set<OutboxMessage>().AsNoTracking().Where(m => m.State == state);
        if (after is { } c)
        {
            // The first condition bounds the index range; the second breaks ties on the same timestamp by id.
            query = query.Where(m => m.CreatedAt <= c.CreatedAt && (m.CreatedAt < c.CreatedAt || m.Id.CompareTo(c.Id) < 0));
        }

        var rows = await query
            .OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id)
            .Take(pageSize + 1)
            .Select(m => new MessageRow(
                m.Id, m.EmailType, m.Subject,
                m.Recipients.OrderBy(r => r.Id).Select(r => r.Address).FirstOrDefault(),
                m.Recipients.Count,
                m.State, m.CreatedAt, m.DueAt, m.AttemptsBefore + m.AttemptCount, m.LastError, m.Tags, m.Culture))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        if (rows.Count <= pageSize)
        {
            return (rows, null);
        }

        rows.RemoveAt(pageSize);
        var last = rows[^1];
        return (rows, new MessageCursor(last.CreatedAt, last.Id));
    }

    /// <summary>One message with its recipients, attempt log and attachment names (not their content), or <see langword="null"/>.</summary>
    public static Task<OutboxMessage?> MessageAsync(DbContext db, Guid id, CancellationToken cancellationToken)
        => db.Set<OutboxMessage>().AsNoTracking()
            .Include(m => m.Recipients).Include(m => m.Attempts).Include(m => m.Attachments)
            .AsSplitQuery()
            .SingleOrDefaultAsync(m => m.Id == id, cancellationToken);

    /// <summary>A message's HTML body, or <see langword="null"/> when it has none or does not exist.</summary>
    public static Task<string?> HtmlBodyAsync(DbContext db, Guid id, CancellationToken cancellationToken)
        => db.Set<OutboxMessage>().AsNoTracking().Where(m => m.Id == id).Select(m => m.HtmlBody).SingleOrDefaultAsync(cancellationToken);

    /// <summary>A page of the suppression list in address order, after <paramref name="after"/> (the primary key).</summary>
    public static async Task<(IReadOnlyList<OutboxSuppression> Rows, string? Next)> SuppressionsAsync(DbContext db, string? after, int pageSize, CancellationToken cancellationToken)
    {
        var query = db.Set<OutboxSuppression>().AsNoTracking();
        if (after is not null)
        {
            query = query.Where(s => s.Address.CompareTo(after) > 0);
        }

        var rows = await query.OrderBy(s => s.Address).Take(pageSize + 1).ToListAsync(cancellationToken).ConfigureAwait(false);
        if (rows.Count <= pageSize)
        {
            return (rows, null);
        }

        rows.RemoveAt(pageSize);
        return (rows, rows[^1].Address);
    }
}
