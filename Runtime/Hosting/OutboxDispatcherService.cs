using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TypedMail.Dispatch;

namespace TypedMail.Hosting;

/// <summary>Runs an <see cref="OutboxDispatcher{TContext}"/> (<see cref="OutboxDispatcher{TContext}.RunAsync"/>) for the lifetime of the host.</summary>
/// <typeparam name="TContext">The application's context.</typeparam>
internal sealed partial class OutboxDispatcherService<TContext> : BackgroundService
    where TContext : DbContext
{
    private readonly OutboxDispatcher<TContext> _dispatcher;
    private readonly TransportProbe _probe;
    private readonly TypedMailOptions _options;
    private readonly ILogger _logger;

    public OutboxDispatcherService(
        OutboxDispatcher<TContext> dispatcher,
        TransportProbe probe,
        IOptions<TypedMailOptions> options,
        ILogger<OutboxDispatcherService<TContext>> logger)
    {
        _dispatcher = dispatcher;
        _probe = probe;
        _options = options.Value;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var d = _options.Dispatcher;
        LogStarted(_logger, d.DispatcherId, _probe.Describe(), d.BatchSize, d.BatchesInFlight, d.PollInterval);

        // RunAsync wakes after local commits and on its wake sources, polls as a fallback, retries database outages,
        // and on shutdown finishes the send in progress and releases the rest.
        await _dispatcher.RunAsync(stoppingToken).ConfigureAwait(false);
        LogStopped(_logger, d.DispatcherId);
    }

    [LoggerMessage(201, LogLevel.Information, "TypedMail dispatcher {DispatcherId} started: {Transport}, batches of {BatchSize}, {BatchesInFlight} in flight, polling every {PollInterval}")]
    private static partial void LogStarted(ILogger logger, string dispatcherId, string transport, int batchSize, int batchesInFlight, System.TimeSpan pollInterval);

    [LoggerMessage(203, LogLevel.Information, "TypedMail dispatcher {DispatcherId} stopped")]
    private static partial void LogStopped(ILogger logger, string dispatcherId);
}
