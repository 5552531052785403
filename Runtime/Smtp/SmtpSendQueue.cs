using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using TypedMail.Transports;

namespace TypedMail.Smtp;

/// <summary>
/// The messages of one send, shared by the connections that send them: each connection takes the next message,
/// records its result, and puts back a message it could not send (a 421 or a lost connection before the end of
/// the data) for another connection to try, a bounded number of times.
/// </summary>
internal sealed class SmtpSendQueue
{
    /// <summary>How many connections may try one message within one send.</summary>
    public const int MaxAttempts = 3;

    private readonly ConcurrentQueue<int> _retry = new();
    private readonly int[] _attempts;
    private int _next = -1;

    public SmtpSendQueue(IReadOnlyList<OutgoingEmail> batch)
    {
        Batch = batch;
        Results = new SendResult?[batch.Count];
        _attempts = new int[batch.Count];
    }

    public IReadOnlyList<OutgoingEmail> Batch { get; }

    public SendResult?[] Results { get; }

    /// <summary>Why a connection last failed, for the results of messages no connection got to.</summary>
    public string? LastConnectionError { get; set; }

    /// <summary>Whether a message is still waiting for a connection.</summary>
    public bool HasWork => !_retry.IsEmpty || Volatile.Read(ref _next) + 1 < Batch.Count;

    public bool TryTake(out int index)
    {
        if (_retry.TryDequeue(out index))
        {
            return true;
        }

        if (Volatile.Read(ref _next) + 1 >= Batch.Count)
        {
            return false;
        }

        index = Interlocked.Increment(ref _next);
        return index < Batch.Count;
    }

    public void Complete(int index, SendResult result) => Results[index] = result;

    /// <summary>The message was not delivered on this connection: queue it again, or fail it for now after <see cref="MaxAttempts"/>.</summary>
    public void Retry(int index, string error)
    {
        if (++_attempts[index] < MaxAttempts)
        {
            _retry.Enqueue(index);
        }
        else
        {
            Results[index] = SendResult.FailedForAll(Batch[index], DeliveryStatus.TransientFailure, null, error);
        }
    }

    /// <summary>Every result, with messages no connection got to failed for now with <paramref name="error"/>.</summary>
    public SendResult[] Finish(string? error)
    {
        var results = new SendResult[Results.Length];
        for (var i = 0; i < results.Length; i++)
        {
            results[i] = Results[i] ?? SendResult.FailedForAll(Batch[i], DeliveryStatus.TransientFailure, null, error ?? "The message was not sent.");
        }

        return results;
    }
}
