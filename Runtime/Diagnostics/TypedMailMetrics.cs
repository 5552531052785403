using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using TypedMail.Outbox;

namespace TypedMail.Diagnostics;

/// <summary>
/// TypedMail's instruments on the <see cref="TypedMailDiagnostics.MeterName"/> meter. The outcome counters are fed by
/// the dispatcher once outcomes are saved; the queue gauges read a cached <see cref="OutboxStatus"/>.
/// </summary>
internal sealed class TypedMailMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly Counter<long> _queued;
    private readonly IDisposable _commits;
    private readonly Counter<long> _sent;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _retried;
    private readonly Histogram<double> _sendDuration;
    private readonly OutboxStatusCache _queue;
    private readonly TimeProvider _time;

    /// <param name="meterFactory">Creates the meter, so each service provider (each host, each test) has its own.</param>
    /// <param name="queue">The cached queue status the gauges read.</param>
    /// <param name="time">The clock.</param>
    /// <param name="contextType">The application's context type: commits through it count as queued.</param>
    public TypedMailMetrics(IMeterFactory meterFactory, OutboxStatusCache queue, TimeProvider time, Type contextType)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _queue = queue;
        _time = time;
        _meter = meterFactory.Create(new MeterOptions(TypedMailDiagnostics.MeterName)
        {
            Version = typeof(TypedMailMetrics).Assembly.GetName().Version?.ToString(),
        });
        _queued = _meter.CreateCounter<long>("typedmail.messages.queued", "{message}", "Messages enqueued by transactions that committed, in this process.");
        _sent = _meter.CreateCounter<long>("typedmail.messages.sent", "{message}", "Messages accepted by the transport.");
        _failed = _meter.CreateCounter<long>("typedmail.messages.failed", "{message}", "Messages that failed for good.");
        _retried = _meter.CreateCounter<long>("typedmail.messages.retried", "{message}", "Messages that failed for now and were scheduled for another attempt.");
        _sendDuration = _meter.CreateHistogram<double>(
            "typedmail.send.duration", "s", "How long one transport call took (one batch of messages).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });
        _meter.CreateObservableGauge("typedmail.queue.depth", ObserveDepth, "{message}", "Messages in the outbox by state.");
        _meter.CreateObservableGauge("typedmail.queue.oldest_pending.age", ObserveOldestAge, "s", "Age of the oldest message not yet sent.");
        _commits = OutboxWakeups.Listen(contextType, messages =>
        {
            if (messages > 0)
            {
                _queued.Add(messages);
            }
        });
    }

    /// <summary>Counts one message whose outcome a dispatcher recorded: sent, failed for good, or deferred for a retry.</summary>
    /// <param name="state">The state the message was saved in.</param>
    /// <param name="transport">The transport of its last attempt, or <see langword="null"/> when none was made (every recipient suppressed).</param>
    /// <param name="tags">The message's tags, comma-separated (<see cref="OutboxMessage.Tags"/>), or <see langword="null"/>.</param>
    public void RecordOutcome(OutboxMessageState state, string? transport, string? tags)
    {
        var counter = state switch
        {
            OutboxMessageState.Sent => _sent,
            OutboxMessageState.Failed => _failed,
            OutboxMessageState.Deferred => _retried,
            _ => null,
        };
        if (counter is null)
        {
            return;
        }

        var dimensions = new TagList();
        if (transport is not null)
        {
            dimensions.Add(TypedMailDiagnostics.TransportTag, transport);
        }

        if (tags is not null)
        {
            dimensions.Add(TypedMailDiagnostics.TagsTag, tags);
        }

        counter.Add(1, dimensions);
    }

    /// <summary>Records the duration of one transport call.</summary>
    public void RecordSend(TimeSpan elapsed, string transport)
        => _sendDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>(TypedMailDiagnostics.TransportTag, transport));

    public void Dispose()
    {
        _commits.Dispose();
        _meter.Dispose();
    }

    private IEnumerable<Measurement<long>> ObserveDepth()
    {
        if (_queue.Current is not { } status)
        {
            return [];
        }

        var measurements = new List<Measurement<long>>(status.Counts.Count);
        foreach (var (state, count) in status.Counts)
        {
            measurements.Add(new Measurement<long>(count, new KeyValuePair<string, object?>(TypedMailDiagnostics.StateTag, OutboxStatus.NameOf(state))));
        }

        return measurements;
    }

    private IEnumerable<Measurement<double>> ObserveOldestAge()
    {
        if (_queue.Current is not { } status)
        {
            return [];
        }

        var age = status.OldestPending is { } oldest ? (_time.GetUtcNow().UtcDateTime - oldest.CreatedAt).TotalSeconds : 0;
        return [new Measurement<double>(Math.Max(0, age))];
    }
}
