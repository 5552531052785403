using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace TypedMail.Hosting;

/// <summary>
/// Unhealthy when the transport cannot be reached; degraded when more messages failed for good within
/// <see cref="TypedMailHealthOptions.FailedWindow"/> than <see cref="TypedMailHealthOptions.FailedLimit"/>.
/// A database that cannot be read makes the check throw, which the health check service reports as its failure status.
/// </summary>
internal sealed class TypedMailHealthCheck : IHealthCheck
{
    private readonly IOutboxReader _outbox;
    private readonly TransportProbe _probe;
    private readonly TypedMailHealthOptions _options;
    private readonly TimeProvider _time;

    public TypedMailHealthCheck(IOutboxReader outbox, TransportProbe probe, IOptions<TypedMailOptions> options, TimeProvider time)
    {
        _outbox = outbox;
        _probe = probe;
        _options = options.Value.Health;
        _time = time;
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        string? unreachable;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(_options.ProbeTimeout);
            try
            {
                unreachable = await _probe.ProbeAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                unreachable = $"no answer within {_options.ProbeTimeout}";
            }
        }

        var since = _time.GetUtcNow().UtcDateTime - _options.FailedWindow;
        var failed = await _outbox.CountFailedSinceAsync(since, cancellationToken).ConfigureAwait(false);
        var data = new Dictionary<string, object>
        {
            ["transport"] = _probe.Describe(),
            ["failedRecently"] = failed,
            ["failedWindow"] = _options.FailedWindow.ToString(),
        };

        if (unreachable is not null)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"Transport unreachable ({_probe.Describe()}): {unreachable}", data: data);
        }

        if (failed >= _options.FailedLimit)
        {
            return HealthCheckResult.Degraded(
                $"{failed} message(s) failed for good in the last {_options.FailedWindow} (limit {_options.FailedLimit}).", data: data);
        }

        return HealthCheckResult.Healthy($"Transport reachable ({_probe.Describe()}); {failed} message(s) failed for good in the last {_options.FailedWindow}.", data);
    }
}
