using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using TypedMail.Outbox;

namespace TypedMail.Testing;

/// <summary>Where a captured email stands.</summary>
public enum CapturedEmailState
{
    /// <summary>
    /// Enqueued but not committed: not saved yet, or saved in a transaction that has not committed (or was disposed
    /// without committing). It is not in the outbox.
    /// </summary>
    Pending,

    /// <summary>Written to the outbox and committed: the dispatcher will send it.</summary>
    Committed,

    /// <summary>Saved in a transaction that rolled back: it was never enqueued.</summary>
    RolledBack,

    /// <summary>Not written: a message with the same idempotency key was already enqueued.</summary>
    Duplicate,
}

/// <summary>One email the code under test enqueued: its model, what was rendered, its recipients and options, and its state.</summary>
public class CapturedEmail
{
    private readonly CapturedEnqueue _captured;

    internal CapturedEmail(CapturedEnqueue captured) => _captured = captured;

    /// <summary>The email's model, as passed to <c>Enqueue</c>.</summary>
    public object Model => _captured.Model;

    /// <summary>Whether the email is committed, pending, rolled back or a duplicate; read when asked.</summary>
    public CapturedEmailState State => _captured.State switch
    {
        CaptureState.Committed => CapturedEmailState.Committed,
        CaptureState.RolledBack => CapturedEmailState.RolledBack,
        CaptureState.Duplicate => CapturedEmailState.Duplicate,
        _ => CapturedEmailState.Pending,
    };

    /// <summary>The outbox row <c>Enqueue</c> added, as the dispatcher will read it (subject, bodies, headers, tags, attachments; the recipients are in <see cref="To"/>, <see cref="Cc"/> and <see cref="Bcc"/>).</summary>
    public OutboxMessage Message => _captured.Message;

    /// <summary>The options passed to <c>Enqueue</c>; empty defaults when none were passed.</summary>
    public EnqueueOptions Options => _captured.Options ?? DefaultOptions;

    /// <summary>The email type's full name, such as <c>Shop.OrderConfirmationEmail</c>.</summary>
    public string EmailType => Message.EmailType;

    /// <summary>The rendered subject.</summary>
    public string Subject => Message.Subject;

    /// <summary>The rendered HTML body, or <see langword="null"/> when the email has no HTML template.</summary>
    public string? HtmlBody => Message.HtmlBody;

    /// <summary>The rendered text body, or <see langword="null"/> when the email has no text template.</summary>
    public string? TextBody => Message.TextBody;

    /// <summary>The culture it was rendered in (empty for the invariant culture).</summary>
    public string Culture => Message.Culture;

    /// <summary>The sender, with the application's default applied.</summary>
    public string From => Message.From;

    /// <summary>The <c>To</c> recipients.</summary>
    public IReadOnlyList<string> To => Recipients(RecipientKind.To);

    /// <summary>The <c>Cc</c> recipients.</summary>
    public IReadOnlyList<string> Cc => Recipients(RecipientKind.Cc);

    /// <summary>The blind-copy recipients.</summary>
    public IReadOnlyList<string> Bcc => Recipients(RecipientKind.Bcc);

    /// <summary>The attachments' file names, in order.</summary>
    public IReadOnlyList<string> Attachments => Message.Attachments.OrderBy(a => a.Position).Select(a => a.FileName).ToArray();

    private static EnqueueOptions DefaultOptions { get; } = new();

    /// <summary>One line: state, type, recipients, subject and the model.</summary>
    /// <returns>For example <c>[committed] Shop.OrderConfirmationEmail to ada@example.com, "Order A-1": OrderConfirmationEmail { OrderNumber = A-1 }</c>.</returns>
    public override string ToString()
    {
        var line = new StringBuilder();
        line.Append(CultureInfo.InvariantCulture, $"[{Describe(State)}] {EmailType} to {string.Join(", ", To)}");
        if (Cc.Count > 0)
        {
            line.Append(CultureInfo.InvariantCulture, $", cc {string.Join(", ", Cc)}");
        }

        if (Bcc.Count > 0)
        {
            line.Append(CultureInfo.InvariantCulture, $", bcc {string.Join(", ", Bcc)}");
        }

        line.Append(CultureInfo.InvariantCulture, $", \"{Subject}\": {Model}");
        return line.ToString();
    }

    internal static string Describe(CapturedEmailState state) => state switch
    {
        CapturedEmailState.Committed => "committed",
        CapturedEmailState.RolledBack => "rolled back",
        CapturedEmailState.Duplicate => "duplicate, not written",
        _ => "not committed",
    };

    private string[] Recipients(RecipientKind kind) => _captured.Recipients.Where(r => r.Kind == kind).Select(r => r.Address).ToArray();
}

/// <summary>A captured email whose model is a <typeparamref name="TEmail"/>.</summary>
/// <typeparam name="TEmail">The <c>[Email]</c> type.</typeparam>
public sealed class CapturedEmail<TEmail> : CapturedEmail
{
    internal CapturedEmail(CapturedEnqueue captured, TEmail model)
        : base(captured) => Model = model;

    /// <summary>The email's model, as passed to <c>Enqueue</c>.</summary>
    public new TEmail Model { get; }
}
