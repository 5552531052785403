using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using TypedMail.Dispatch;

namespace TypedMail.Outbox;

/// <summary>
/// A dispatcher's wake-up: any number of <see cref="Set"/> calls while nobody waits collapse into one, and a waiter
/// returns at the first <see cref="Set"/> or when its timeout passes. It knows whether one of the dispatcher's lanes is
/// waiting on it, so a commit can wake an idle dispatcher rather than a busy one. Once registered, a lane about to wait
/// first takes the wake-up owed to its database (<see cref="OwedWakeup"/>), if any, and claims at once instead.
/// </summary>
internal sealed class WakeSignal
{
    private readonly SemaphoreSlim _semaphore = new(0, 1);
    private readonly object _gate = new();
    private OwedWakeup? _owed;
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

    /// <summary>Joins the wake-up owed to the dispatcher's database; done when it registers, before its lanes start.</summary>
    public void Join(OwedWakeup owed) => _owed = owed;

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

    /// <summary>A claim of this dispatcher's starts: it covers the wake-up owed to its database, which no lane need take any more.</summary>
    public void Claiming() => _owed?.Clear();

    /// <summary>
    /// Waits for a wake-up; returns <see langword="true"/> if woken, <see langword="false"/> on timeout. Returns
    /// <see langword="true"/> at once when it takes the wake-up owed to its database.
    /// </summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!Enter())
        {
            return true;
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

    /// <summary>
    /// Counts a lane as waiting, unless it takes the database's owed wake-up (then returns <see langword="false"/>): both
    /// under the owed wake-up's lock, so a wake-up is either owed before the lane looks or finds it waiting.
    /// </summary>
    private bool Enter()
    {
        var owed = _owed;
        if (owed is null)
        {
            lock (_gate)
            {
                _waiting++;
            }

            return true;
        }

        lock (owed.Gate)
        {
            lock (_gate)
            {
                // A wake-up of its own comes first: the owed one is left for another lane.
                if (!_pending && owed.Take())
                {
                    return false;
                }

                _waiting++;
                return true;
            }
        }
    }
}

/// <summary>
/// The wake-up owed to the dispatchers of one database when a commit (or a full claim) found none of their lanes idle:
/// recorded once however many commits arrive meanwhile, taken by whichever lane of the database waits next, and
/// cleared by any claim that starts on it.
/// </summary>
internal sealed class OwedWakeup
{
    private bool _owed;

    /// <summary>Held while a lane decides to wait and while a wake-up is shared out; after the registrations' lock, before a signal's.</summary>
    public object Gate { get; } = new();

    /// <summary>The dispatchers registered on the database; under the registrations' lock.</summary>
    public int Users { get; set; }

    /// <summary>Owes the database a wake-up; under <see cref="Gate"/>, with no lane of the database idle.</summary>
    public void Owe() => _owed = true;

    /// <summary>Takes the wake-up if one is owed; under <see cref="Gate"/>.</summary>
    public bool Take()
    {
        var owed = _owed;
        _owed = false;
        return owed;
    }

    public void Clear()
    {
        lock (Gate)
        {
            _owed = false;
        }
    }
}

/// <summary>
/// The in-process wake-ups between the commit interceptor and the dispatchers. A commit that enqueued n messages through
/// a context of type <c>T</c> wakes as many local dispatchers registered for <c>T</c> (or a base type of it) on the same
/// database as n fills batches (one for a commit of up to a batch): idle ones first, those with every lane waiting
/// before those with a lane busy, then the least recently woken, so commits take turns among them. Waking every
/// dispatcher at every commit made all of them race for one commit's rows, and all but one came back empty.
/// </summary>
/// <remarks>
/// No wake-up is lost and no busy lane is interrupted: what idle lanes cannot take (everything, when every lane is
/// claiming, sending or writing) is owed to the database once (<see cref="OwedWakeup"/>), however many commits arrive
/// meanwhile, and the first lane of the database to wait takes it and claims at once (a claim that starts meanwhile
/// covers it). A claim that comes back full wakes one more idle lane on the database, or owes it one
/// (<see cref="WakeOneMore"/>), and polling finds anything else. Dispatchers are told apart by database through the
/// context's connection string; a commit whose connection string no dispatcher has (one database reached by two
/// spellings) is shared out among the dispatchers of its context type on each database they name. When this process
/// listens for notifications on the database (<see cref="ListenForNotifications"/>), which then ignores this process's
/// own, a commit is shared out among every dispatcher on the database, whatever its context type, as its notification
/// was.
/// </remarks>
internal static partial class OutboxWakeups
{
    /// <summary>The category the shared listeners log under.</summary>
    public const string ListenerCategory = "TypedMail.Notifications";

    private static readonly List<Registration> Registrations = [];
    private static readonly Dictionary<string, OwedWakeup> Owed = [];
    private static readonly Dictionary<string, SharedListener> Listening = [];
    private static long _wakeups;

    /// <summary>
    /// This process's name in the notifications it sends (the <c>NOTIFY</c> payload), random per process, so that its
    /// listener tells its own commits, already woken in-process, from other processes'. 32 hex digits.
    /// </summary>
    public static string Sender { get; } = Guid.NewGuid().ToString("N");

    /// <summary>The database a context's commits go to, as dispatchers are told apart: its connection string.</summary>
    public static string DatabaseOf(DbContext context) => context.Database.GetConnectionString() ?? "";

    /// <summary>Registers a dispatcher for commits through <paramref name="contextType"/> (or a subtype) to <paramref name="database"/>.</summary>
    /// <param name="contextType">The dispatcher's context type.</param>
    /// <param name="database">The dispatcher's <see cref="DatabaseOf"/>.</param>
    /// <param name="signal">Its wake-up; it joins the wake-up owed to the database.</param>
    /// <param name="batchSize">How many messages one of its claims takes.</param>
    public static IDisposable Register(Type contextType, string database, WakeSignal signal, int batchSize)
    {
        lock (Registrations)
        {
            if (!Owed.TryGetValue(database, out var owed))
            {
                owed = new OwedWakeup();
                Owed.Add(database, owed);
            }

            owed.Users++;
            signal.Join(owed);
            var registration = new Registration(contextType, database, signal, batchSize, owed);
            Registrations.Add(registration);
            return registration;
        }
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
        bool listening;
        lock (Listening)
        {
            listening = Listening.ContainsKey(database);
        }

        lock (Registrations)
        {
            var candidates = Registrations.FindAll(r => r.Database == database && (listening || r.ContextType.IsAssignableFrom(contextType)));
            if (candidates.Count > 0)
            {
                Wake(candidates, messages);
            }
            else
            {
                foreach (var onDatabase in Registrations.Where(r => r.ContextType.IsAssignableFrom(contextType)).GroupBy(r => r.Database))
                {
                    Wake([.. onDatabase], messages);
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

    /// <summary>
    /// Another process committed mail to <paramref name="database"/> (a notification, which does not say how much):
    /// wakes one dispatcher on it, whatever its context type, as a local commit of one message would.
    /// </summary>
    public static void PulseDatabase(string database)
    {
        lock (Registrations)
        {
            var candidates = Registrations.FindAll(r => r.Database == database);
            if (candidates.Count > 0)
            {
                Wake(candidates, 1);
            }
        }
    }

    /// <summary>
    /// A claim on <paramref name="database"/> came back full, so more may be due: wakes one idle lane on it, of the
    /// dispatcher with the most idle lanes, the least recently woken among equals, which may be the claimer. When none
    /// is idle, owes the database a wake-up if <paramref name="owe"/> is set (a claimer with one lane claims again by
    /// itself); the lanes that are busy claim again anyway when their batch was full.
    /// </summary>
    public static void WakeOneMore(string database, bool owe)
    {
        lock (Registrations)
        {
            if (!Owed.TryGetValue(database, out var owed))
            {
                return;
            }

            lock (owed.Gate)
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
                else if (owe)
                {
                    owed.Owe();
                }
            }
        }
    }

    /// <summary>
    /// Starts listening for other processes' commits to <paramref name="database"/> with <paramref name="source"/>, or
    /// joins the listener already started for it: one listening connection per database per process, however many
    /// dispatchers run on it. A notification from another process wakes one idle dispatcher (<see cref="PulseDatabase"/>),
    /// not every one, or is owed to the database when none is idle; one from this process (<see cref="Sender"/>) is
    /// ignored, since its commit woke the dispatchers in-process already.
    /// </summary>
    /// <param name="database">The dispatchers' <see cref="DatabaseOf"/>.</param>
    /// <param name="source">The listener to start; dropped when one runs already.</param>
    /// <param name="logger">Logs the listener under its own category (<see cref="ListenerCategory"/>) when the first dispatcher has a logger factory.</param>
    /// <returns>The dispatcher's share; the last one released stops the listener.</returns>
    public static SharedListener ListenForNotifications(string database, IOutboxNotificationSource source, ILogger logger)
    {
        lock (Listening)
        {
            if (!Listening.TryGetValue(database, out var listener))
            {
                listener = new SharedListener(database, source, Sender, logger);
                Listening.Add(database, listener);
            }

            listener.Users++;
            return listener;
        }
    }

    /// <summary>
    /// Wakes idle dispatchers of one database, those with the most idle lanes first, then the least recently woken,
    /// until their batches cover <paramref name="messages"/>; what is left (everything, when none is idle) is owed to
    /// the database, for the first lane that waits. All under the owed wake-up's lock, so no lane starts to wait unseen.
    /// </summary>
    private static void Wake(List<Registration> candidates, int messages)
    {
        var owed = candidates[0].Owed;
        lock (owed.Gate)
        {
            // Most idle lanes first (a dispatcher with a lane busy sends a new batch only after that lane's send), then the
            // least recently woken. The lanes are counted once, so the order holds still while it is sorted.
            var idleLanes = candidates.ToDictionary(c => c, c => c.Signal.IdleLanes);
            candidates.Sort((a, b) => idleLanes[a] != idleLanes[b] ? idleLanes[b].CompareTo(idleLanes[a]) : a.LastWoken.CompareTo(b.LastWoken));
            var left = Math.Max(1, messages);
            for (var i = 0; i < candidates.Count && left > 0 && idleLanes[candidates[i]] > 0; i++)
            {
                left -= candidates[i].Wake();
            }

            if (left > 0)
            {
                owed.Owe();
            }
        }
    }

    [LoggerMessage(11, LogLevel.Debug, "Listening for other processes' mail with {Source}")]
    private static partial void LogListening(ILogger logger, string source);

    [LoggerMessage(12, LogLevel.Error, "Wake source {Source} stopped")]
    private static partial void LogListenerFailed(ILogger logger, Exception exception, string source);

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

        /// <summary>Starts listening.</summary>
        /// <param name="database">The dispatchers' <see cref="DatabaseOf"/>.</param>
        /// <param name="source">Hears the notifications.</param>
        /// <param name="self">The <see cref="Sender"/> whose notifications it ignores: this process's.</param>
        /// <param name="logger">Logs the start and a failure the source does not recover from.</param>
        public SharedListener(string database, IOutboxNotificationSource source, string self, ILogger logger)
        {
            _database = database;
            _run = RunAsync(source, self, logger);
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

        private async Task RunAsync(IOutboxNotificationSource source, string self, ILogger logger)
        {
            try
            {
                await Task.Yield();
                LogListening(logger, source.GetType().Name);
                await source.ListenAsync(
                    sender =>
                    {
                        if (sender != self)
                        {
                            PulseDatabase(_database);
                        }
                    },
                    _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                LogListenerFailed(logger, ex, source.GetType().Name);
            }
        }
    }

    private sealed class Registration(Type contextType, string database, WakeSignal signal, int batchSize, OwedWakeup owed) : IDisposable
    {
        public Type ContextType { get; } = contextType;

        public string Database { get; } = database;

        public WakeSignal Signal { get; } = signal;

        public int BatchSize { get; } = batchSize;

        /// <summary>The wake-up owed to <see cref="Database"/>, shared by every registration on it.</summary>
        public OwedWakeup Owed { get; } = owed;

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
                if (Registrations.Remove(this) && --Owed.Users == 0)
                {
                    OutboxWakeups.Owed.Remove(Database);
                }
            }
        }
    }
}
