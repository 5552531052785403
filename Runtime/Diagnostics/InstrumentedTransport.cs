using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using TypedMail.Transports;

namespace TypedMail.Diagnostics;

/// <summary>Wraps a transport with a <c>typedmail.send</c> activity and the send-duration histogram.</summary>
internal sealed class InstrumentedTransport : IEmailTransport
{
    private readonly IEmailTransport _inner;
    private readonly TypedMailMetrics _metrics;

    /// <param name="inner">The transport.</param>
    /// <param name="metrics">Where send durations are recorded.</param>
    /// <param name="name">Its name in routes, the attempt log and the telemetry tags; the transport's own name when <see langword="null"/>.</param>
    public InstrumentedTransport(IEmailTransport inner, TypedMailMetrics metrics, string? name = null)
    {
        _inner = inner;
        _metrics = metrics;
        Name = name ?? inner.Name;
    }

    public string Name { get; }

    public async Task<IReadOnlyList<SendResult>> SendAsync(IReadOnlyList<OutgoingEmail> batch, CancellationToken cancellationToken)
    {
        using var activity = TypedMailDiagnostics.ActivitySource.StartActivity("typedmail.send", ActivityKind.Client);
        activity?.SetTag(TypedMailDiagnostics.TransportTag, Name);
        activity?.SetTag(TypedMailDiagnostics.BatchSizeTag, batch.Count);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var results = await _inner.SendAsync(batch, cancellationToken).ConfigureAwait(false);
            if (activity is not null)
            {
                var accepted = 0;
                foreach (var result in results)
                {
                    accepted += result.Status == DeliveryStatus.Accepted ? 1 : 0;
                }

                activity.SetTag(TypedMailDiagnostics.AcceptedTag, accepted);
                if (accepted < results.Count)
                {
                    activity.SetStatus(ActivityStatusCode.Error, $"{results.Count - accepted} of {results.Count} message(s) not accepted");
                }
            }

            return results;
        }
        catch (System.OperationCanceledException)
        {
            activity?.SetStatus(ActivityStatusCode.Error, "cancelled");
            throw;
        }
        finally
        {
            _metrics.RecordSend(Stopwatch.GetElapsedTime(started), Name);
        }
    }
}
