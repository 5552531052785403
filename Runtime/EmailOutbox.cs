using System;
using System.Collections.Generic;
using System.ComponentModel;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using TypedMail.Mime;
using TypedMail.Outbox;

namespace TypedMail;

/// <summary>Reaches the outbox of a <see cref="DbContext"/>.</summary>
public static class DbContextEmailExtensions
{
    /// <summary>
    /// The outbox of this context. Each <c>[Email]</c> type adds an <c>Enqueue</c> method to it:
    /// <c>db.Emails().Enqueue(new WelcomeEmail("Ada", "Acme"), to: "ada@example.com")</c>.
    /// </summary>
    /// <param name="context">An application context whose model includes <see cref="ModelBuilderExtensions.AddTypedMailOutbox"/>.</param>
    public static EmailOutbox Emails(this DbContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new EmailOutbox(context);
    }
}

/// <summary>Options for one enqueued message.</summary>
public sealed class EnqueueOptions
{
    /// <summary>The sender; defaults to <see cref="TypedMailDbContextOptions.DefaultFrom"/>.</summary>
    public EmailAddress? From { get; init; }

    /// <summary>The <c>Reply-To</c> mailbox.</summary>
    public EmailAddress? ReplyTo { get; init; }

    /// <summary>More <c>To</c> recipients.</summary>
    public IReadOnlyList<EmailAddress> AlsoTo { get; init; } = [];

    /// <summary><c>Cc</c> recipients.</summary>
    public IReadOnlyList<EmailAddress> Cc { get; init; } = [];

    /// <summary>Blind-copy recipients.</summary>
    public IReadOnlyList<EmailAddress> Bcc { get; init; } = [];

    /// <summary>Higher is sent first. Default 0.</summary>
    public int Priority { get; init; }

    /// <summary>Do not send before this time.</summary>
    public DateTimeOffset? NotBefore { get; init; }
}

/// <summary>What <c>Enqueue</c> added to the change tracker.</summary>
/// <param name="Id">The outbox row's key.</param>
/// <param name="MessageId">The message's <c>Message-ID</c>, without angle brackets.</param>
public sealed record EnqueuedEmail(Guid Id, string MessageId);

/// <summary>
/// The outbox of one <see cref="DbContext"/>. <c>Enqueue</c> only adds rows to the change tracker: the email is
/// written by the caller's <c>SaveChanges</c>, in the caller's transaction, so it commits with the business data
/// or not at all.
/// </summary>
public readonly struct EmailOutbox
{
    internal EmailOutbox(DbContext context) => Context = context;

    /// <summary>The context the outbox writes to.</summary>
    public DbContext Context { get; }

    /// <summary>Adds a rendered email to the outbox. Generated <c>Enqueue</c> methods call this; use those instead.</summary>
    /// <param name="emailType">The email type's full name.</param>
    /// <param name="rendered">The rendered subject and bodies.</param>
    /// <param name="to">The first recipient.</param>
    /// <param name="options">Further options, or <see langword="null"/>.</param>
    /// <exception cref="MessageFormatException">A header value is invalid, such as a subject with a line break.</exception>
    /// <exception cref="InvalidOperationException">No sender is given and no default is configured.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public EnqueuedEmail EnqueueRendered(string emailType, RenderedEmail rendered, EmailAddress to, EnqueueOptions? options)
    {
        ArgumentNullException.ThrowIfNull(emailType);
        ArgumentNullException.ThrowIfNull(rendered);
        ArgumentNullException.ThrowIfNull(to);
        if (Context is null)
        {
            throw new InvalidOperationException("This EmailOutbox has no DbContext: get it with db.Emails().");
        }

        var settings = Context.GetService<IDbContextOptions>().FindExtension<TypedMailOptionsExtension>()?.Options;
        var from = options?.From ?? settings?.DefaultFrom
            ?? throw new InvalidOperationException(
                $"No sender for {emailType}: pass EnqueueOptions.From, or set DefaultFrom with optionsBuilder.UseTypedMail(o => o.DefaultFrom = \"...\").");
        MimeWriter.RejectLineBreaks("Subject", rendered.Subject);

        var clock = settings?.TimeProvider ?? TimeProvider.System;
        var now = clock.GetUtcNow().UtcDateTime;
        var id = Guid.CreateVersion7(clock.GetUtcNow());
        var domain = settings?.MessageIdDomain ?? from.AsciiDomain;
        var message = new OutboxMessage
        {
            Id = id,
            MessageId = id.ToString("N") + "@" + domain,
            EmailType = emailType,
            State = OutboxMessageState.Queued,
            Priority = options?.Priority ?? 0,
            CreatedAt = now,
            DueAt = options?.NotBefore?.UtcDateTime ?? now,
            From = from.ToString(),
            ReplyTo = options?.ReplyTo?.ToString(),
            Subject = rendered.Subject,
            HtmlBody = rendered.HtmlBody,
            TextBody = rendered.TextBody,
        };
        AddRecipient(message, RecipientKind.To, to);
        if (options is not null)
        {
            foreach (var a in options.AlsoTo)
            {
                AddRecipient(message, RecipientKind.To, a);
            }

            foreach (var a in options.Cc)
            {
                AddRecipient(message, RecipientKind.Cc, a);
            }

            foreach (var a in options.Bcc)
            {
                AddRecipient(message, RecipientKind.Bcc, a);
            }
        }

        Context.Add(message);
        return new EnqueuedEmail(message.Id, message.MessageId);
    }

    private static void AddRecipient(OutboxMessage message, RecipientKind kind, EmailAddress address)
        => message.Recipients.Add(new OutboxRecipient { OutboxMessageId = message.Id, Kind = kind, Address = address.ToString() });
}
