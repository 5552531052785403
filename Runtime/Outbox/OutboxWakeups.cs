using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace TypedMail.Outbox;

/// <summary>
/// An auto-reset wake-up: any number of <see cref="Set"/> calls while nobody waits collapse into one, and a waiter
/// returns at the first <see cref="Set"/> or when its timeout passes.
/// </summary>
internal sealed class WakeSignal
{
    private readonly SemaphoreSlim _semaphore = new(0, 1);

    public void Set()
    {
        lock (_semaphore)
        {
            if (_semaphore.CurrentCount == 0)
            {
                _semaphore.Release();
            }
        }
    }

    /// <summary>Waits for a wake-up; returns <see langword="true"/> if woken, <see langword="false"/> on timeout.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _semaphore.WaitAsync(timeout, cancellationToken);
}

/// <summary>
/// The in-process wake-ups between the commit interceptor and the dispatchers: a commit that enqueued mail through a
/// context of type <c>T</c> wakes every local dispatcher registered for <c>T</c> (or a base type of it).
/// </summary>
internal static class OutboxWakeups
{
    private static readonly List<(Type ContextType, WakeSignal Signal)> Registrations = [];

    public static IDisposable Register(Type contextType, WakeSignal signal)
    {
        lock (Registrations)
        {
            Registrations.Add((contextType, signal));
        }

        return new Registration(contextType, signal);
    }

    private static readonly List<(Type ContextType, Action<int> OnCommitted)> Listeners = [];

    /// <summary>Calls <paramref name="onCommitted"/> with the number of messages each commit through a context of type <paramref name="contextType"/> (or a subtype) enqueued.</summary>
    public static IDisposable Listen(Type contextType, Action<int> onCommitted)
    {
        lock (Listeners)
        {
            Listeners.Add((contextType, onCommitted));
        }

        return new Listener(contextType, onCommitted);
    }

    /// <summary>A commit through <paramref name="contextType"/> enqueued <paramref name="messages"/> messages: wakes dispatchers and tells listeners.</summary>
    public static void Pulse(Type contextType, int messages)
    {
        lock (Registrations)
        {
            foreach (var (type, signal) in Registrations)
            {
                if (type.IsAssignableFrom(contextType))
                {
                    signal.Set();
                }
            }
        }

        lock (Listeners)
        {
            foreach (var (type, onCommitted) in Listeners)
            {
                if (type.IsAssignableFrom(contextType))
                {
                    onCommitted(messages);
                }
            }
        }
    }

    private sealed class Listener(Type contextType, Action<int> onCommitted) : IDisposable
    {
        public void Dispose()
        {
            lock (Listeners)
            {
                Listeners.Remove((contextType, onCommitted));
            }
        }
    }

    private sealed class Registration(Type contextType, WakeSignal signal) : IDisposable
    {
        public void Dispose()
        {
            lock (Registrations)
            {
                Registrations.Remove((contextType, signal));
            }
        }
    }
}
