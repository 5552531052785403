using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using TypedMail.Dispatch;

namespace TypedMail.Outbox;

/// <summary>
/// A dispatcher's wake-up: any number of <see cref="Set"/> calls while nobody waits collapse into one, and a waiter
/// returns at the first <see cref="Set"/> or when its timeout passes. It knows whether one of the dispatcher's lanes is
/// waiting on it, so a commit can wake an idle dispatcher rather than a busy one.
/// </summary>
internal sealed class WakeSignal
{
    private readonly SemaphoreSlim _semaphore = new(0, 1);
    private readonly object _gate = new();
    private int _waiting;
    private bool _pending;

    /// <summary>
    /// How many lanes wait on it with no wake-up pending (0 when one is pending). A dispatcher all of whose lanes wait
    /// sends a new batch at once; one with a lane busy makes it wait for that lane's send to end.
    /// </summary>
    public int IdleLanes
    {
        get
        {
            lock (_gate)
            {
                return _pending ? 0 : _waiting;
            }
        }
    }

    public void Set()
    {
        lock (_gate)
        {
            // A wake-up not yet taken by a waiter covers this one: the claim it starts comes after this call.
            if (!_pending)
            {
                _pending = true;
                _semaphore.Release();
            }
        }
    }

    /// <summary>Waits for a wake-up; returns <see langword="true"/> if woken, <see langword="false"/> on timeout.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _waiting++;
        }

        var woken = false;
        try
        {
            woken = await _semaphore.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            return woken;
        }
        finally
        {
            lock (_gate)
            {
                _waiting--;
                if (woken)
                {
                    _pending = false;
                }
            }
        }
    }
}

/// <summary>
/// The in-process wake-ups between the commit interceptor and the dispatchers. A commit that enqueued n messages through
/// a context of type <c>T</c> wakes as many local dispatchers registered for <c>T</c> (or a base type of it) on the same
/// database as n fills batches (one for a commit of up to a batch): idle ones first, those with every lane waiting
/// before those with a lane busy, then the least recently woken, so commits take turns among them. Waking every dispatcher at every commit made all of them race for one commit's rows,
/// and all but one came back empty.
/// </summary>
/// <remarks>
/// No wake-up is lost: when no dispatcher is idle (every lane is claiming, sending or writing), every one is woken, and
/// the first lane to finish claims at once; a dispatcher woken while busy claims as soon as a lane is free. A claim that
/// comes back full wakes one more idle lane on the database (<see cref="WakeOneMore"/>), and polling finds anything
/// else. Dispatchers are told apart by database through the context's connection string; a commit whose connection
/// string no dispatcher has (one database reached by two spellings) is shared out among every dispatcher of its context
/// type.
/// </remarks>
internal static class OutboxWakeups
{
    private static readonly List<Registration> Registrations = [];
    private static readonly Dictionary<string, SharedListener> Listening = [];
    private static long _wakeups;

    /// <summary>The database a context's commits go to, as dispatchers are told apart: its connection string.</summary>
    public static string DatabaseOf(DbContext context) => context.Database.GetConnectionString() ?? "";

    /// <summary>Registers a dispatcher for commits through <paramref name="contextType"/> (or a subtype) to <paramref name="database"/>.</summary>
    /// <param name="contextType">The dispatcher's context type.</param>
    /// <param name="database">The dispatcher's <see cref="DatabaseOf"/>.</param>
    /// <param name="signal">Its wake-up.</param>
    /// <param name="batchSize">How many messages one of its claims takes.</param>
    public static IDisposable Register(Type contextType, string database, WakeSignal signal, int batchSize)
    {
        var registration = new Registration(contextType, database, signal, batchSize);
        lock (Registrations)
        {
            Registrations.Add(registration);
        }

        return registration;
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

    /// <summary>
    /// A commit through <paramref name="contextType"/> to <paramref name="database"/> enqueued <paramref name="messages"/>
    /// messages: wakes the dispatchers that many messages need and tells listeners.
    /// </summary>
    public static void Pulse(Type contextType, string database, int messages)
    {
        lock (Registrations)
        {
            var candidates = Registrations.FindAll(r => r.ContextType.IsAssignableFrom(contextType) && r.Database == database);
            if (candidates.Count == 0)
            {
                candidates = Registrations.FindAll(r => r.ContextType.IsAssignableFrom(contextType));
            }

            Wake(candidates, messages);
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

    /// <summary>
    /// Another process committed mail to <paramref name="database"/> (a notification, which does not say how much):
    /// wakes one dispatcher on it, whatever its context type, as a local commit of one message would.
    /// </summary>
    public static void PulseDatabase(string database)
    {
        lock (Registrations)
        {
            Wake(Registrations.FindAll(r => r.Database == database), 1);
        }
    }

    /// <summary>
    /// A claim on <paramref name="database"/> came back full, so more may be due: wakes one idle lane on it, of the
    /// dispatcher with the most idle lanes, the least recently woken among equals, which may be the claimer. When none is idle, sets <paramref name="claimer"/>
    /// (its next free lane claims) when given; the lanes that are busy claim again anyway when their batch was full.
    /// </summary>
    public static void WakeOneMore(string database, WakeSignal? claimer)
    {
        lock (Registrations)
        {
            Registration? idle = null;
            var most = 0;
            foreach (var registration in Registrations)
            {
                var lanes = registration.Database == database ? registration.Signal.IdleLanes : 0;
                if (lanes > most || (lanes == most && lanes > 0 && registration.LastWoken < idle!.LastWoken))
                {
                    (idle, most) = (registration, lanes);
                }
            }

            if (idle is not null)
            {
                idle.Wake();
            }
            else
            {
                claimer?.Set();
            }
        }
    }

    /// <summary>
    /// Starts listening for other processes' commits to <paramref name="database"/> with <paramref name="source"/>, or
    /// joins the listener already started for it: one listening connection per database per process, however many
    /// dispatchers run on it. A notification wakes one idle dispatcher (<see cref="PulseDatabase"/>), not every one;
    /// when none is idle, each busy one keeps a single pending wake-up however many notifications arrive meanwhile.
    /// </summary>
    /// <param name="database">The dispatchers' <see cref="DatabaseOf"/>.</param>
    /// <param name="source">The listener to start; dropped when one runs already.</param>
    /// <param name="onFailed">Told when the listener stops on an error it does not recover from.</param>
    /// <returns>The dispatcher's share; the last one released stops the listener.</returns>
    public static SharedListener ListenForNotifications(string database, IOutboxWakeSource source, Action<Exception> onFailed)
    {
        lock (Listening)
        {
            if (!Listening.TryGetValue(database, out var listener))
            {
                listener = new SharedListener(database, source, onFailed);
                Listening.Add(database, listener);
            }

            listener.Users++;
            return listener;
        }
    }

    /// <summary>
    /// Idle dispatchers first, those with the most idle lanes first, then the least recently woken, until their batches
    /// cover <paramref name="messages"/>; then busy ones, which claim when a lane is free, for what is left. Every one
    /// when none is idle: the first to be free takes the rows.
    /// </summary>
    private static void Wake(List<Registration> candidates, int messages)
    {
        // Most idle lanes first (a dispatcher with a lane busy sends a new batch only after that lane's send), then the
        // least recently woken. The lanes are counted once, so the order holds still while it is sorted.
        var idleLanes = candidates.ToDictionary(c => c, c => c.Signal.IdleLanes);
        candidates.Sort((a, b) => idleLanes[a] != idleLanes[b] ? idleLanes[b].CompareTo(idleLanes[a]) : a.LastWoken.CompareTo(b.LastWoken));
        var left = Math.Max(1, messages);
        var woken = new bool[candidates.Count];
        var any = false;
        for (var i = 0; i < candidates.Count && left > 0; i++)
        {
            if (idleLanes[candidates[i]] > 0)
            {
                left -= candidates[i].Wake();
                woken[i] = any = true;
            }
        }

        for (var i = 0; i < candidates.Count && (!any || left > 0); i++)
        {
            if (!woken[i])
            {
                left -= candidates[i].Wake();
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

    /// <summary>One listener for other processes' commits to a database, shared by the dispatchers on it.</summary>
    internal sealed class SharedListener
    {
        private readonly string _database;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _run;

        public SharedListener(string database, IOutboxWakeSource source, Action<Exception> onFailed)
        {
            _database = database;
            _run = RunAsync(source, onFailed);
        }

        /// <summary>The dispatchers sharing it; under the listeners' lock.</summary>
        public int Users { get; set; }

        /// <summary>Gives back one dispatcher's share; the last one stops the listener and waits for it.</summary>
        public async Task ReleaseAsync()
        {
            lock (Listening)
            {
                if (--Users > 0)
                {
                    return;
                }

                Listening.Remove(_database);
            }

            await _stop.CancelAsync().ConfigureAwait(false);
            await _run.ConfigureAwait(false);
            _stop.Dispose();
        }

        private async Task RunAsync(IOutboxWakeSource source, Action<Exception> onFailed)
        {
            try
            {
                await Task.Yield();
                await source.ListenAsync(() => PulseDatabase(_database), _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                onFailed(ex);
            }
        }
    }

    private sealed class Registration(Type contextType, string database, WakeSignal signal, int batchSize) : IDisposable
    {
        public Type ContextType { get; } = contextType;

        public string Database { get; } = database;

        public WakeSignal Signal { get; } = signal;

        public int BatchSize { get; } = batchSize;

        /// <summary>When <see cref="Wake"/> last ran, on a counter of wake-ups; under the registrations' lock.</summary>
        public long LastWoken { get; private set; }

        /// <summary>Wakes the dispatcher; returns how many messages its claim takes.</summary>
        public int Wake()
        {
            LastWoken = ++_wakeups;
            Signal.Set();
            return BatchSize;
        }

        public void Dispose()
        {
            lock (Registrations)
            {
                Registrations.Remove(this);
            }
        }
    }
}
