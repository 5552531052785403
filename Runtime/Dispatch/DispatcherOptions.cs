using System;
using System.Collections.Generic;

namespace TypedMail.Dispatch;

/// <summary>How a dispatcher claims, sends, retries and waits.</summary>
public sealed class DispatcherOptions
{
    private const int MaxBatchesInFlight = 16;

    /// <summary>Messages claimed and handed to the transport at once. Default 50.</summary>
    public int BatchSize { get; set; } = 50;

    /// <summary>
    /// How many batches <c>RunAsync</c> keeps in flight at once, each claimed, sent and recorded on its own database
    /// connection: while one batch is with the transport, another is claimed or has its outcomes written, so the
    /// database's part of a batch overlaps the transport's instead of adding to it. The sends take turns (one batch with
    /// the transport at a time per dispatcher). Each batch holds its own lease; a message is only ever in one. Settable from configuration (<c>TypedMail:Dispatcher:BatchesInFlight</c>).
    /// 1 to 16; default 2. The connection pool must allow one connection per batch in flight.
    /// </summary>
    public int BatchesInFlight { get; set; } = 2;

    /// <summary>
    /// How long a claim holds before another dispatcher may take the message. Must be longer than
    /// <see cref="SendTimeout"/>: a dispatcher never starts a send that could outlive its lease, and keeps half of what
    /// the lease holds beyond <see cref="SendTimeout"/> for writing the outcome; a batch that cannot start in time is
    /// released. Default 5 minutes.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The longest one call to a transport may take; then its messages count as failed for now. Default 2 minutes.</summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Attempts before a message that keeps failing for now is given up (dead). Default 8.</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>The delay before the first retry; each later retry doubles it, with jitter. Default 30 seconds.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest delay between retries. Default 1 hour.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How often <c>RunAsync</c> looks for due mail when nothing wakes it: the fallback for wake-ups that were missed,
    /// and the precision of scheduled sends and retries. Default 5 seconds.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>After a transport was down (no connection, timeout, 421), how long it is tried last. Default 30 seconds.</summary>
    public TimeSpan TransportDownCooldown { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// On PostgreSQL, wake on <c>NOTIFY</c> when another process commits mail (one connection that <c>LISTEN</c>s per
    /// database per process, from the <c>TypedMail.PostgreSql</c> package, which the application must reference; this
    /// process's own notifications are ignored, since its commits wake its dispatchers in-process). Settable from configuration
    /// (<c>TypedMail:Dispatcher:ListenForNotifications</c>). <c>RunAsync</c> fails at start, naming this setting, when the
    /// database is not PostgreSQL or the package is missing. Default <see langword="false"/>: other processes' mail is
    /// found at the next poll.
    /// </summary>
    public bool ListenForNotifications { get; set; }

    /// <summary>Wake-ups from other processes added in code; started and stopped by <c>RunAsync</c>.</summary>
    public IList<IOutboxWakeSource> WakeSources { get; } = [];

    /// <summary>This dispatcher's id in the lease column. Defaults to the machine name, process id and a random suffix.</summary>
    public string DispatcherId { get; set; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";

    internal void Validate()
    {
        foreach (var (name, value, rule) in Problems())
        {
            throw new ArgumentOutOfRangeException("options", value, $"DispatcherOptions.{name} {rule}; it is {value}.");
        }
    }

    /// <summary>Every setting out of range: its name, its value and the rule it breaks. Hosting reports them by configuration path.</summary>
    internal IEnumerable<(string Name, object Value, string Rule)> Problems()
    {
        if (BatchSize < 1)
        {
            yield return (nameof(BatchSize), BatchSize, "must be at least 1");
        }

        if (BatchesInFlight is < 1 or > MaxBatchesInFlight)
        {
            yield return (nameof(BatchesInFlight), BatchesInFlight, $"must be 1 to {MaxBatchesInFlight}");
        }

        if (MaxAttempts < 1)
        {
            yield return (nameof(MaxAttempts), MaxAttempts, "must be at least 1");
        }

        if (SendTimeout <= TimeSpan.Zero)
        {
            yield return (nameof(SendTimeout), SendTimeout, "must be positive");
        }

        if (LeaseDuration <= SendTimeout)
        {
            yield return (nameof(LeaseDuration), LeaseDuration, $"must be longer than SendTimeout ({SendTimeout})");
        }

        if (RetryBaseDelay < TimeSpan.Zero)
        {
            yield return (nameof(RetryBaseDelay), RetryBaseDelay, "must not be negative");
        }

        if (RetryMaxDelay < RetryBaseDelay)
        {
            yield return (nameof(RetryMaxDelay), RetryMaxDelay, $"must be at least RetryBaseDelay ({RetryBaseDelay})");
        }

        if (PollInterval <= TimeSpan.Zero)
        {
            yield return (nameof(PollInterval), PollInterval, "must be positive");
        }

        if (string.IsNullOrWhiteSpace(DispatcherId) || DispatcherId.Length > 200)
        {
            yield return (nameof(DispatcherId), DispatcherId, "must be 1 to 200 characters");
        }
    }
}
