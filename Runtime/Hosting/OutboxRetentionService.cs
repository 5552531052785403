using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TypedMail.Outbox;

namespace TypedMail.Hosting;

/// <summary>
/// Runs the retention purge (<see cref="OutboxMaintenance.PurgeAsync"/>) at start and then every
/// <see cref="TypedMailRetentionOptions.Interval"/>, when <see cref="TypedMailRetentionOptions.Period"/> is set. Several
/// hosts on one database may all run it: a purge deletes in chunks and under the same locks as enqueue, so two at once
/// only find less to do.
/// </summary>
/// <typeparam name="TContext">The application's context.</typeparam>
internal sealed partial class OutboxRetentionService<TContext> : BackgroundService
    where TContext : DbContext
{
    private readonly IDbContextFactory<TContext> _contexts;
    private readonly TypedMailRetentionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public OutboxRetentionService(IDbContextFactory<TContext> contexts, IOptions<TypedMailOptions> options, TimeProvider time, ILogger<OutboxRetentionService<TContext>> logger)
    {
        _contexts = contexts;
        _options = options.Value.Retention;
        _time = time;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_options.Period is not { } period)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var db = await _contexts.CreateDbContextAsync(stoppingToken).ConfigureAwait(false);
                var cutoff = _time.GetUtcNow() - period;
                var purged = await OutboxMaintenance.PurgeAsync(db, cutoff, _options.IncludeFailed, stoppingToken).ConfigureAwait(false);
                LogPurged(_logger, purged.Messages, purged.Attempts, purged.Blobs, cutoff);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // The next run tries again; what was deleted stays deleted.
                LogPurgeFailed(_logger, ex, _options.Interval);
            }

            try
            {
                await Task.Delay(_options.Interval, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(211, LogLevel.Information, "TypedMail retention purge deleted {Messages} message(s), {Attempts} further attempt-log row(s) and {Blobs} attachment blob(s) finished before {Cutoff:O}")]
    private static partial void LogPurged(ILogger logger, int messages, int attempts, int blobs, DateTimeOffset cutoff);

    [LoggerMessage(212, LogLevel.Warning, "TypedMail retention purge failed; it runs again in {Interval}")]
    private static partial void LogPurgeFailed(ILogger logger, Exception exception, TimeSpan interval);
}
