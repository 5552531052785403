using System.Diagnostics;

namespace TypedMail.Diagnostics;

/// <summary>
/// The names TypedMail publishes metrics and traces under. With OpenTelemetry:
/// <c>.WithMetrics(m =&gt; m.AddMeter(TypedMailDiagnostics.MeterName))</c> and
/// <c>.WithTracing(t =&gt; t.AddSource(TypedMailDiagnostics.ActivitySourceName))</c>.
/// </summary>
public static class TypedMailDiagnostics
{
    /// <summary>The <see cref="System.Diagnostics.Metrics.Meter"/> name: <c>TypedMail</c>.</summary>
    public const string MeterName = "TypedMail";

    /// <summary>The <see cref="System.Diagnostics.ActivitySource"/> name: <c>TypedMail</c>.</summary>
    public const string ActivitySourceName = "TypedMail";

    /// <summary>The tag naming the transport, such as <c>smtp</c> or <c>pickup</c>.</summary>
    public const string TransportTag = "typedmail.transport";

    /// <summary>
    /// The tag holding a message's tags (<c>EnqueueOptions.Tags</c> and <c>[Email(Tags = ...)]</c>), comma-separated, on
    /// the sent, failed and retried counters; absent for a message without tags. Keep tags few and fixed: each distinct
    /// set is its own time series.
    /// </summary>
    public const string TagsTag = "typedmail.tags";

    /// <summary>The tag naming a queue state, such as <c>queued</c> or <c>failed</c>.</summary>
    public const string StateTag = "typedmail.state";

    /// <summary>The tag holding the number of messages in one transport call.</summary>
    public const string BatchSizeTag = "typedmail.batch.size";

    /// <summary>The tag holding how many messages of a transport call were accepted.</summary>
    public const string AcceptedTag = "typedmail.batch.accepted";

    internal static readonly ActivitySource ActivitySource = new(ActivitySourceName, typeof(TypedMailDiagnostics).Assembly.GetName().Version?.ToString());
}
