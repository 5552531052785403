using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace TypedMail.Diagnostics;

/// <summary>
/// The last <see cref="OutboxStatus"/> read from the database, so metric collection never waits on a query and the
/// database is read at most once per <c>refreshInterval</c>, and only while someone collects.
/// </summary>
internal sealed partial class OutboxStatusCache
{
    private readonly Func<CancellationToken, Task<OutboxStatus>> _read;
    private readonly TimeSpan _refreshInterval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private OutboxStatus? _status;
    private long _readAt = long.MinValue;
    private int _refreshing;

    public OutboxStatusCache(Func<CancellationToken, Task<OutboxStatus>> read, TimeSpan refreshInterval, TimeProvider time, ILogger<OutboxStatusCache> logger)
    {
        _read = read;
        _refreshInterval = refreshInterval;
        _time = time;
        _logger = logger;
    }

    /// <summary>The last status read, or <see langword="null"/> before the first read; starts a refresh in the background when stale.</summary>
    public OutboxStatus? Current
    {
        get
        {
            var status = Volatile.Read(ref _status);
            if (IsStale && Interlocked.CompareExchange(ref _refreshing, 1, 0) == 0)
            {
                // On the thread pool: whoever collects metrics never waits on the database.
                _ = Task.Run(RefreshInBackgroundAsync);
            }

            return status;
        }
    }

    private bool IsStale
    {
        get
        {
            var readAt = Interlocked.Read(ref _readAt);
            return readAt == long.MinValue || _time.GetElapsedTime(readAt) >= _refreshInterval;
        }
    }

    /// <summary>Reads the status now and caches it.</summary>
    public async Task<OutboxStatus> RefreshAsync(CancellationToken cancellationToken)
    {
        var status = await _read(cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _status, status);
        Interlocked.Exchange(ref _readAt, _time.GetTimestamp());
        return status;
    }

    private async Task RefreshInBackgroundAsync()
    {
        try
        {
            await RefreshAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // A background refresh has no caller to throw to: keep the last value, log, and retry after the interval.
            Interlocked.Exchange(ref _readAt, _time.GetTimestamp());
            LogRefreshFailed(_logger, ex);
        }
        finally
        {
            Volatile.Write(ref _refreshing, 0);
        }
    }

    [LoggerMessage(101, LogLevel.Warning, "Could not read the outbox status for the queue metrics")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
