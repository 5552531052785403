using System;

namespace TypedMail.Dispatch;

/// <summary>How a dispatcher claims, sends and retries.</summary>
public sealed class DispatcherOptions
{
    /// <summary>Messages claimed and handed to the transport at once. Default 50.</summary>
    public int BatchSize { get; set; } = 50;

    /// <summary>How long a claim holds before another dispatcher may take the message. Default 5 minutes.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Attempts before a message that keeps failing for now is given up as failed. Default 8.</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>The delay before the first retry; each later retry doubles it, with jitter. Default 30 seconds.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest delay between retries. Default 1 hour.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>This dispatcher's id in the lease column. Defaults to the machine name, process id and a random suffix.</summary>
    public string DispatcherId { get; set; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";
}
