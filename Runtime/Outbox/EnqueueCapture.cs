using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Transactions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Storage;

namespace TypedMail.Outbox;

/// <summary>
/// Hands each enqueued email's model to the test helpers of the TypedMail.Testing package, and follows the message until
/// its transaction commits or rolls back. Generated <c>Enqueue</c> methods call <see cref="Enqueued"/> only while
/// <see cref="IsListening"/> is <see langword="true"/>, so an application with no test listening pays one static read.
/// </summary>
/// <remarks>
/// A capture is scoped to an asynchronous flow (an <see cref="AsyncLocal{T}"/>): a test sees the emails its own code
/// enqueued, never those of a test running in parallel.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class EnqueueCapture
{
    private static readonly AsyncLocal<CaptureScope?> Current = new();
    private static readonly Lock Gate = new();
    private static readonly ConditionalWeakTable<DbContext, List<CapturedEnqueue>> Unsaved = [];
    private static readonly ConditionalWeakTable<DbTransaction, List<CapturedEnqueue>> Uncommitted = [];
    private static int _scopes;

    /// <summary>Whether any test has a capture open, in any flow. The outbox checks this before handing a model over.</summary>
    internal static bool IsListening => Volatile.Read(ref _scopes) != 0;

    /// <summary>Records an enqueued email for the capture of the current flow, if there is one (<see cref="EmailOutbox.EnqueueTemplated"/>).</summary>
    /// <param name="outbox">The outbox the email was added to.</param>
    /// <param name="email">The email's model.</param>
    /// <param name="options">The options it was enqueued with, or <see langword="null"/>.</param>
    /// <param name="enqueued">What <c>Enqueue</c> returned.</param>
    internal static void Enqueued(EmailOutbox outbox, object email, EnqueueOptions? options, EnqueuedEmail enqueued)
    {
        ArgumentNullException.ThrowIfNull(email);
        ArgumentNullException.ThrowIfNull(enqueued);
        if (Current.Value is not { } scope || outbox.Context is not { } context)
        {
            return;
        }

        var tracker = context.ChangeTracker;
        var autoDetect = tracker.AutoDetectChangesEnabled;
        tracker.AutoDetectChangesEnabled = false;
        EntityEntry<OutboxMessage> entry;
        try
        {
            entry = context.Set<OutboxMessage>().Local.FindEntry(enqueued.Id)
                ?? throw new InvalidOperationException($"The enqueued message {enqueued.Id} is not tracked by its context.");
        }
        finally
        {
            tracker.AutoDetectChangesEnabled = autoDetect;
        }

        var message = entry.Entity;
        var captured = new CapturedEnqueue(email, options, message);
        lock (Gate)
        {
            var unsaved = Unsaved.GetOrCreateValue(context);
            if (entry.State != EntityState.Added || unsaved.Exists(c => ReferenceEquals(c.Message, message)))
            {
                // The same idempotency key, already enqueued in this context: Enqueue added nothing.
                captured.State = CaptureState.Duplicate;
            }
            else
            {
                unsaved.Add(captured);
            }
        }

        scope.Add(captured);
    }

    /// <summary>Opens a capture for the current flow (and the flows it starts); disposing it closes it.</summary>
    internal static CaptureScope Begin()
    {
        var scope = new CaptureScope(Current.Value);
        Current.Value = scope;
        Interlocked.Increment(ref _scopes);
        return scope;
    }

    internal static void End(CaptureScope scope)
    {
        if (ReferenceEquals(Current.Value, scope))
        {
            Current.Value = scope.Outer;
        }

        Interlocked.Decrement(ref _scopes);
    }

    /// <summary>Called by <see cref="OutboxInterceptor"/> after a <c>SaveChanges</c> that wrote mail succeeded.</summary>
    internal static void Saved(DbContext context)
    {
        if (!IsListening)
        {
            return;
        }

        List<CapturedEnqueue> saved = [];
        lock (Gate)
        {
            if (!Unsaved.TryGetValue(context, out var unsaved))
            {
                return;
            }

            foreach (var captured in unsaved)
            {
                var state = context.Entry(captured.Message).State;
                if (state == EntityState.Detached)
                {
                    // Dropped before the save: a message with its idempotency key was already in the database.
                    captured.State = CaptureState.Duplicate;
                }
                else if (state != EntityState.Added)
                {
                    saved.Add(captured);
                }
            }

            unsaved.RemoveAll(c => c.State == CaptureState.Duplicate || saved.Contains(c));
            if (saved.Count == 0)
            {
                return;
            }

        }

        Follow(context, saved);
    }

    /// <summary>
    /// Called by <see cref="EmailOutbox.EnqueueTemplatedManyAsync"/> once a fan-out is written: each email with its model
    /// counts for the capture of the current flow when the context's transaction commits (at once when there is none).
    /// </summary>
    internal static void Written(DbContext context, IReadOnlyList<(object? Model, OutboxMessage Message)> written, EnqueueOptions? options)
    {
        if (!IsListening || Current.Value is not { } scope)
        {
            return;
        }

        List<CapturedEnqueue> captured = [];
        foreach (var (model, message) in written)
        {
            if (model is not null)
            {
                var enqueue = new CapturedEnqueue(model, options, message);
                captured.Add(enqueue);
                scope.Add(enqueue);
            }
        }

        Follow(context, captured);
    }

    /// <summary>Marks <paramref name="saved"/> committed now, or when the context's (or the ambient) transaction ends.</summary>
    private static void Follow(DbContext context, List<CapturedEnqueue> saved)
    {
        lock (Gate)
        {
            if (context.Database.CurrentTransaction is { } transaction)
            {
                Uncommitted.GetOrCreateValue(transaction.GetDbTransaction()).AddRange(saved);
                return;
            }
        }

        if (System.Transactions.Transaction.Current is { } ambient)
        {
            ambient.TransactionCompleted += (_, e) =>
                SetState(saved, e.Transaction?.TransactionInformation.Status == TransactionStatus.Committed ? CaptureState.Committed : CaptureState.RolledBack);
        }
        else
        {
            SetState(saved, CaptureState.Committed);
        }
    }

    /// <summary>Called by <see cref="OutboxInterceptor"/> when a transaction commits, rolls back or fails.</summary>
    internal static void Ended(DbTransaction transaction, bool committed)
    {
        if (!IsListening)
        {
            return;
        }

        List<CapturedEnqueue>? captured;
        lock (Gate)
        {
            if (!Uncommitted.TryGetValue(transaction, out captured))
            {
                return;
            }

            Uncommitted.Remove(transaction);
        }

        SetState(captured, committed ? CaptureState.Committed : CaptureState.RolledBack);
    }

    private static void SetState(List<CapturedEnqueue> captured, CaptureState state)
    {
        foreach (var c in captured)
        {
            c.State = state;
        }
    }
}

/// <summary>Where a captured email stands.</summary>
internal enum CaptureState
{
    /// <summary>Tracked or saved, but not committed (yet).</summary>
    Pending,

    /// <summary>Written and committed.</summary>
    Committed,

    /// <summary>Saved in a transaction that rolled back.</summary>
    RolledBack,

    /// <summary>Not written: a message with its idempotency key was already enqueued.</summary>
    Duplicate,
}

/// <summary>One email as <c>Enqueue</c> added it: the model, the options and the tracked outbox row.</summary>
internal sealed class CapturedEnqueue(object model, EnqueueOptions? options, OutboxMessage message)
{
    private volatile int _state;

    public object Model { get; } = model;

    public EnqueueOptions? Options { get; } = options;

    public OutboxMessage Message { get; } = message;

    /// <summary>The message's recipients as enqueued (once saved, the outbox no longer tracks them on the message).</summary>
    public IReadOnlyList<OutboxRecipient> Recipients { get; } = [.. message.Recipients];

    public CaptureState State
    {
        get => (CaptureState)_state;
        set => _state = (int)value;
    }
}

/// <summary>The emails captured in one flow, in enqueue order.</summary>
internal sealed class CaptureScope(CaptureScope? outer) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly List<CapturedEnqueue> _captured = [];

    public CaptureScope? Outer { get; } = outer;

    public IReadOnlyList<CapturedEnqueue> Captured
    {
        get
        {
            lock (_gate)
            {
                return _captured.ToArray();
            }
        }
    }

    public void Add(CapturedEnqueue captured)
    {
        lock (_gate)
        {
            _captured.Add(captured);
        }
    }

    public void Dispose() => EnqueueCapture.End(this);
}
