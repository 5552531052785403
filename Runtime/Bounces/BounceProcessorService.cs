using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TypedMail.Hosting;

namespace TypedMail.Bounces;

/// <summary>
/// Runs the <see cref="BounceProcessor{TContext}"/> at start and then every <see cref="BounceOptions.PollInterval"/>,
/// when <see cref="BounceOptions.Host"/> is set. A failed pass (server down, password refused) is logged and tried
/// again at the next interval; a bad report never stops it, as it is moved aside. Several hosts may run it: each report
/// is claimed once.
/// </summary>
/// <typeparam name="TContext">The application's context.</typeparam>
internal sealed partial class BounceProcessorService<TContext> : BackgroundService
    where TContext : DbContext
{
    private readonly IDbContextFactory<TContext> _contexts;
    private readonly BounceOptions _options;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;

    public BounceProcessorService(IDbContextFactory<TContext> contexts, IOptions<TypedMailOptions> options, TimeProvider time, ILoggerFactory loggers)
    {
        _contexts = contexts;
        _options = options.Value.Bounces;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger<BounceProcessorService<TContext>>();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_options.Host is null)
        {
            return;
        }

        var processor = new BounceProcessor<TContext>(_contexts, _options, _loggers.CreateLogger<BounceProcessor<TContext>>(), _time);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var result = await processor.ProcessAsync(stoppingToken).ConfigureAwait(false);
                if (result != default)
                {
                    LogPass(_logger, result.Recorded, result.Rejected, result.AlreadyProcessed, result.Suppressed);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // The server is named, the password never: MailKit's exceptions do not carry it.
                LogPassFailed(_logger, ex, _options.Host, _options.Port, _options.Folder, _options.PollInterval);
            }

            try
            {
                await Task.Delay(_options.PollInterval, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(404, LogLevel.Information, "TypedMail bounce mailbox: {Recorded} report(s) recorded, {Rejected} rejected, {Already} already processed, {Suppressed} address(es) suppressed")]
    private static partial void LogPass(ILogger logger, int recorded, int rejected, int already, int suppressed);

    [LoggerMessage(405, LogLevel.Warning, "TypedMail could not read the bounce mailbox {Folder} on {Host}:{Port}; it tries again in {Interval}")]
    private static partial void LogPassFailed(ILogger logger, Exception exception, string host, int port, string folder, TimeSpan interval);
}
