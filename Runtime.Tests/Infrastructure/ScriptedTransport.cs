using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using TypedMail.Transports;

namespace TypedMail.Runtime.Tests.Infrastructure;

/// <summary>A transport whose answer per recipient is scripted, and which records every message it was given.</summary>
public sealed class ScriptedTransport(string name = "scripted") : IEmailTransport
{
    public static readonly TransportReply Ok = new(250, "2.0.0", "OK");

    public string Name { get; } = name;

    /// <summary>Decides the result for each message; accepts everything by default.</summary>
    public Func<OutgoingEmail, SendResult> Answer { get; set; } = email => SendResult.AcceptedForAll(email, Ok);

    /// <summary>Awaited before each batch; lets a test hold a send in flight.</summary>
    public Func<IReadOnlyList<OutgoingEmail>, Task>? BeforeSend { get; set; }

    public ConcurrentQueue<OutgoingEmail> Sent { get; } = new();

    public ConcurrentQueue<(long Timestamp, int Count)> Batches { get; } = new();

    public async Task<IReadOnlyList<SendResult>> SendAsync(IReadOnlyList<OutgoingEmail> batch, CancellationToken cancellationToken)
    {
        Batches.Enqueue((TimeProvider.System.GetTimestamp(), batch.Count));
        if (BeforeSend is { } before)
        {
            await before(batch);
        }

        foreach (var email in batch)
        {
            Sent.Enqueue(email);
        }

        return batch.Select(Answer).ToArray();
    }

    /// <summary>Per-recipient answers: each recipient address maps to a reply; others are accepted.</summary>
    public static Func<OutgoingEmail, SendResult> PerRecipient(IReadOnlyDictionary<string, TransportReply> replies) => email =>
    {
        var results = email.Recipients.Select(r => replies.TryGetValue(r.Address, out var reply)
            ? new RecipientResult(r, reply.Code >= 500 ? DeliveryStatus.PermanentFailure : DeliveryStatus.TransientFailure, reply)
            : new RecipientResult(r, DeliveryStatus.Accepted, Ok)).ToArray();
        var accepted = results.Any(r => r.Status == DeliveryStatus.Accepted);
        var status = accepted ? DeliveryStatus.Accepted
            : results.Any(r => r.Status == DeliveryStatus.TransientFailure) ? DeliveryStatus.TransientFailure : DeliveryStatus.PermanentFailure;
        return new SendResult(status, accepted ? Ok : results[0].Reply, results);
    };
}

/// <summary>A clock a test sets; timers and timestamps stay real.</summary>
public sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Now += by;
}
