using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TypedMail.Diagnostics;
using TypedMail.Dispatch;
using TypedMail.Transports;

namespace TypedMail.Hosting;

/// <summary>Runs an <see cref="OutboxDispatcher{TContext}"/> for the lifetime of the host and feeds the metrics.</summary>
/// <typeparam name="TContext">The application's context.</typeparam>
internal sealed partial class OutboxDispatcherService<TContext> : BackgroundService
    where TContext : DbContext
{
    private readonly OutboxDispatcher<TContext> _dispatcher;
    private readonly IEmailTransport _transport;
    private readonly TransportProbe _probe;
    private readonly TypedMailMetrics _metrics;
    private readonly TypedMailOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public OutboxDispatcherService(
        OutboxDispatcher<TContext> dispatcher,
        IEmailTransport transport,
        TransportProbe probe,
        TypedMailMetrics metrics,
        IOptions<TypedMailOptions> options,
        TimeProvider time,
        ILogger<OutboxDispatcherService<TContext>> logger)
    {
        _dispatcher = dispatcher;
        _transport = transport;
        _probe = probe;
        _metrics = metrics;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogStarted(_logger, _options.Dispatcher.DispatcherId, _probe.Describe(), _options.Dispatcher.BatchSize, _options.PollInterval);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var summary = await _dispatcher.DispatchDueAsync(stoppingToken).ConfigureAwait(false);
                _metrics.RecordDispatch(summary, _transport.Name);
                if (summary.Claimed > 0)
                {
                    continue;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // The database may be down or restarting: log, wait, and try again; claimed messages are released by their lease.
                LogDispatchFailed(_logger, ex, _options.PollInterval);
            }

            try
            {
                await Task.Delay(_options.PollInterval, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        LogStopped(_logger, _options.Dispatcher.DispatcherId);
    }

    [LoggerMessage(201, LogLevel.Information, "TypedMail dispatcher {DispatcherId} started: {Transport}, batches of {BatchSize}, polling every {PollInterval}")]
    private static partial void LogStarted(ILogger logger, string dispatcherId, string transport, int batchSize, TimeSpan pollInterval);

    [LoggerMessage(202, LogLevel.Error, "TypedMail dispatch failed; trying again in {PollInterval}")]
    private static partial void LogDispatchFailed(ILogger logger, Exception exception, TimeSpan pollInterval);

    [LoggerMessage(203, LogLevel.Information, "TypedMail dispatcher {DispatcherId} stopped")]
    private static partial void LogStopped(ILogger logger, string dispatcherId);
}
