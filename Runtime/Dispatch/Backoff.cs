using System;

namespace TypedMail.Dispatch;

/// <summary>
/// The one exponential backoff of TypedMail: retries of a message, the run loop after database errors, recording
/// outcomes while the database is down, and a wake source reconnecting.
/// </summary>
internal static class Backoff
{
    /// <summary>
    /// The wait before try <paramref name="failures"/> + 1: <paramref name="first"/> × 2^(<paramref name="failures"/> − 1),
    /// at most <paramref name="max"/>; with <paramref name="jitter"/>, times a random factor in [0.5, 1], so
    /// dispatchers that failed together do not retry together.
    /// </summary>
    /// <param name="failures">How many tries failed in a row; at least 1.</param>
    /// <param name="first">The wait after the first failure.</param>
    /// <param name="max">The longest wait.</param>
    /// <param name="jitter">The random source for the jitter, or <see langword="null"/> for none.</param>
    public static TimeSpan Delay(int failures, TimeSpan first, TimeSpan max, Random? jitter = null)
    {
        var exponent = Math.Clamp(failures - 1, 0, 30);
        var delay = Math.Min(first.TotalMilliseconds * Math.Pow(2, exponent), max.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(jitter is null ? delay : delay * (0.5 + (jitter.NextDouble() * 0.5)));
    }
}
