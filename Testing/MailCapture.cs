using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using TypedMail.Outbox;

namespace TypedMail.Testing;

/// <summary>
/// Captures the emails the code under test enqueues, and asserts on them, typed:
/// <code>
/// using var mail = MailCapture.Start();
/// await checkout.PlaceOrderAsync("A-1");
/// var confirmation = mail.Enqueued&lt;OrderConfirmationEmail&gt;(e => e.OrderNumber == "A-1");
/// Assert.Equal("ada@example.com", confirmation.To.Single());
/// </code>
/// </summary>
/// <remarks>
/// <para>
/// The application's code runs as in production, against a real <c>DbContext</c>: the generated <c>Enqueue</c> hands
/// each model to the capture, and the outbox interceptor tells it when the message's transaction commits or rolls back.
/// Only committed emails count unless a method says otherwise: an email whose transaction rolled back was never
/// enqueued (<see cref="NotCommitted{TEmail}"/> lists those).
/// </para>
/// <para>
/// A capture belongs to the asynchronous flow that started it and the tasks that flow starts, so tests running in
/// parallel never see each other's emails. Start it in the test itself (not in an async setup method, whose flow
/// ends when it returns). Code that runs on another flow, such as an ASP.NET Core request in a <c>TestServer</c>, is
/// captured when that server preserves the test's execution context (<c>TestServer.PreserveExecutionContext = true</c>).
/// </para>
/// </remarks>
public sealed class MailCapture : IDisposable
{
    private readonly CaptureScope _scope;
    private bool _disposed;

    private MailCapture(CaptureScope scope) => _scope = scope;

    /// <summary>Every email captured so far, in enqueue order, whatever its state.</summary>
    public IReadOnlyList<CapturedEmail> All => _scope.Captured.Select(c => new CapturedEmail(c)).ToArray();

    /// <summary>Starts capturing the emails enqueued by this flow and the tasks it starts, until disposed.</summary>
    /// <returns>The capture; dispose it at the end of the test.</returns>
    public static MailCapture Start() => new(EnqueueCapture.Begin());

    /// <summary>The committed emails of type <typeparamref name="TEmail"/> that match <paramref name="where"/>; asserts nothing.</summary>
    /// <typeparam name="TEmail">The <c>[Email]</c> type.</typeparam>
    /// <param name="where">A condition on the model, or <see langword="null"/> for all.</param>
    /// <returns>The matching emails, in enqueue order; empty when none.</returns>
    public IReadOnlyList<CapturedEmail<TEmail>> Committed<TEmail>(Func<TEmail, bool>? where = null)
        => Find(where, committed: true);

    /// <summary>
    /// The emails of type <typeparamref name="TEmail"/> matching <paramref name="where"/> that were enqueued but never
    /// committed: rolled back, still pending, or dropped as duplicates. Their <see cref="CapturedEmail.State"/> says which.
    /// </summary>
    /// <typeparam name="TEmail">The <c>[Email]</c> type.</typeparam>
    /// <param name="where">A condition on the model, or <see langword="null"/> for all.</param>
    /// <returns>The matching emails, in enqueue order; empty when none.</returns>
    public IReadOnlyList<CapturedEmail<TEmail>> NotCommitted<TEmail>(Func<TEmail, bool>? where = null)
        => Find(where, committed: false);

    /// <summary>Asserts that exactly one committed <typeparamref name="TEmail"/> matches <paramref name="where"/>, and returns it.</summary>
    /// <typeparam name="TEmail">The <c>[Email]</c> type.</typeparam>
    /// <param name="where">A condition on the model, or <see langword="null"/> for any.</param>
    /// <returns>The email: its model, rendered subject and bodies, recipients and options.</returns>
    /// <exception cref="EmailAssertionException">None or several match; the message lists what was enqueued.</exception>
    public CapturedEmail<TEmail> Enqueued<TEmail>(Func<TEmail, bool>? where = null) => Enqueued(1, where)[0];

    /// <summary>Asserts that exactly <paramref name="count"/> committed <typeparamref name="TEmail"/>s match <paramref name="where"/>.</summary>
    /// <typeparam name="TEmail">The <c>[Email]</c> type.</typeparam>
    /// <param name="count">How many are expected (0 or more).</param>
    /// <param name="where">A condition on the model, or <see langword="null"/> for any.</param>
    /// <returns>The matching emails, in enqueue order.</returns>
    /// <exception cref="EmailAssertionException">Another number match; the message lists what was enqueued.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    public IReadOnlyList<CapturedEmail<TEmail>> Enqueued<TEmail>(int count, Func<TEmail, bool>? where = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var found = Committed(where);
        if (found.Count != count)
        {
            Fail($"Expected {Count(count)} committed {typeof(TEmail).Name}{(where is null ? "" : " matching the condition")}, found {found.Count}.");
        }

        return found;
    }

    /// <summary>Asserts that no committed <typeparamref name="TEmail"/> matches <paramref name="where"/>.</summary>
    /// <typeparam name="TEmail">The <c>[Email]</c> type.</typeparam>
    /// <param name="where">A condition on the model, or <see langword="null"/> for none of this type at all.</param>
    /// <exception cref="EmailAssertionException">One or more match; the message lists what was enqueued.</exception>
    public void NoneEnqueued<TEmail>(Func<TEmail, bool>? where = null) => Enqueued(0, where);

    /// <summary>Asserts that no email of any type was committed.</summary>
    /// <exception cref="EmailAssertionException">Some were; the message lists them.</exception>
    public void NothingEnqueued()
    {
        var committed = All.Count(e => e.State == CapturedEmailState.Committed);
        if (committed != 0)
        {
            Fail($"Expected no committed email, found {committed}.");
        }
    }

    /// <summary>Stops capturing.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _scope.Dispose();
        }
    }

    private CapturedEmail<TEmail>[] Find<TEmail>(Func<TEmail, bool>? where, bool committed)
    {
        var found = new List<CapturedEmail<TEmail>>();
        foreach (var captured in _scope.Captured)
        {
            if (captured.Model is TEmail model && (captured.State == CaptureState.Committed) == committed && (where is null || where(model)))
            {
                found.Add(new CapturedEmail<TEmail>(captured, model));
            }
        }

        return [.. found];
    }

    private static string Count(int count) => count == 1 ? "exactly one" : count.ToString(CultureInfo.InvariantCulture);

    private void Fail(string expectation)
    {
        var message = new StringBuilder(expectation);
        var all = All;
        if (all.Count == 0)
        {
            message.Append(" Nothing was enqueued.");
        }
        else
        {
            message.Append(CultureInfo.InvariantCulture, $" Enqueued ({all.Count}):");
            foreach (var email in all)
            {
                message.AppendLine().Append("  ").Append(email);
            }
        }

        throw new EmailAssertionException(message.ToString());
    }
}
