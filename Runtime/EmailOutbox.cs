using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using TypedMail.Deliverability;
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
    /// <summary>The longest <see cref="IdempotencyKey"/>, in characters.</summary>
    public const int MaxIdempotencyKeyLength = 200;

    /// <summary>The longest <see cref="Transport"/> name, in characters.</summary>
    public const int MaxTransportLength = 100;

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

    /// <summary>
    /// Attachments and inline parts. Identical content is stored once however many messages carry it. Their total size
    /// is limited by <see cref="TypedMailDbContextOptions.MaxAttachmentBytes"/>.
    /// </summary>
    public IReadOnlyList<EmailAttachment> Attachments { get; init; } = [];

    /// <summary>Higher is sent first. Default 0.</summary>
    public int Priority { get; init; }

    /// <summary>Do not send before this time.</summary>
    public DateTimeOffset? NotBefore { get; init; }

    /// <summary>
    /// A key for this logical email, unique across the outbox (for example <c>order-42/confirmation</c>). While a message
    /// with the key exists (until the retention purge removes it), enqueueing the key again does nothing: not in the same
    /// context, not in a later transaction, not in a concurrent one. See docs/queue.md.
    /// </summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>The name of the transport to send through, overriding the dispatcher's routing by email type.</summary>
    public string? Transport { get; init; }

    /// <summary>
    /// Extra header fields, written after the email type's (<see cref="EmailAttribute.Headers"/>); one with the same name
    /// replaces the type's. Checked at enqueue: a name or value that cannot be written, a field the message writes itself
    /// (<c>From</c>, <c>Subject</c>, <c>Content-*</c>...) or one TypedMail stamps (<c>X-TypedMail-*</c>,
    /// <c>List-Unsubscribe*</c>) is a <see cref="MessageFormatException"/> naming the header and the value.
    /// </summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Tags, after the email type's (<see cref="EmailAttribute.Tags"/>): stored, shown by the CLI, written in the
    /// <c>X-TypedMail-Tags</c> header and carried on the sent/failed metrics. At most <see cref="MaxTags"/>, each 1 to
    /// <see cref="MaxTagLength"/> ASCII letters, digits, '.', '-', '_' or ':'.
    /// </summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>
    /// The caller's data about the message, such as a customer id: stored and shown by the CLI, never sent. At most
    /// <see cref="MaxMetadataEntries"/> entries; keys are like tags, values up to <see cref="MaxMetadataValueLength"/> characters.
    /// </summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>The most tags per message.</summary>
    public const int MaxTags = DeliverabilityRules.MaxTags;

    /// <summary>The longest tag or metadata key, in characters.</summary>
    public const int MaxTagLength = DeliverabilityRules.MaxTagLength;

    /// <summary>The most metadata entries per message.</summary>
    public const int MaxMetadataEntries = 20;

    /// <summary>The longest metadata value, in characters.</summary>
    public const int MaxMetadataValueLength = 1000;
}

/// <summary>One email of a fan-out (<c>EnqueueManyAsync</c>): the email's data, its recipient and, optionally, its idempotency key.</summary>
/// <typeparam name="TEmail">The <c>[Email]</c> type.</typeparam>
/// <param name="Email">The email's data.</param>
/// <param name="To">The recipient.</param>
/// <param name="IdempotencyKey">A key for this logical email, unique across the outbox (see <see cref="EnqueueOptions.IdempotencyKey"/>), or <see langword="null"/>.</param>
public readonly record struct BulkEmail<TEmail>(TEmail Email, EmailAddress To, string? IdempotencyKey = null);

/// <summary>
/// A bulk enqueue (<c>EnqueueManyAsync</c>) refused because an idempotency key is already stored in the outbox, or is
/// given to two of its emails. Nothing of the call was written.
/// </summary>
public sealed class DuplicateIdempotencyKeyException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="idempotencyKey">The key.</param>
    /// <param name="message">The message, naming the key.</param>
    public DuplicateIdempotencyKeyException(string idempotencyKey, string message)
        : base(message) => IdempotencyKey = idempotencyKey;

    /// <summary>The key that is already taken.</summary>
    public string IdempotencyKey { get; }
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

    /// <summary>
    /// The culture of an email: <paramref name="culture"/> when given, else <see cref="CultureInfo.CurrentUICulture"/>,
    /// else (when that is the invariant culture) <see cref="TypedMailDbContextOptions.DefaultCulture"/>, else the
    /// invariant culture. The generated <c>Enqueue</c> methods choose the culture with this (through <see cref="EnqueueTemplated"/>).
    /// </summary>
    /// <param name="culture">The culture the caller asked for, or <see langword="null"/>.</param>
    /// <returns>The culture to render the email in.</returns>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public CultureInfo ChooseCulture(CultureInfo? culture)
    {
        if (culture is not null)
        {
            return culture;
        }

        var current = CultureInfo.CurrentUICulture;
        if (current.Name.Length > 0)
        {
            return current;
        }

        var settings = Context is null ? null : TypedMailOptionsExtension.Of(Context);
        return settings?.DefaultCulture ?? CultureInfo.InvariantCulture;
    }

    /// <summary>
    /// Renders an email in its culture (<see cref="ChooseCulture"/>) and adds it to the outbox, then hands it to the test
    /// helpers' capture while one listens. Every generated <c>Enqueue</c> method is this call; use those instead.
    /// </summary>
    /// <typeparam name="TEmail">The <c>[Email]</c> type.</typeparam>
    /// <param name="emailType">The email type's full name.</param>
    /// <param name="email">The email's data.</param>
    /// <param name="to">The first recipient.</param>
    /// <param name="options">Further options, or <see langword="null"/>.</param>
    /// <param name="culture">The culture the caller asked for, or <see langword="null"/>.</param>
    /// <param name="typeSettings">The email type's settings from its <see cref="EmailAttribute"/>; <see langword="null"/> for none.</param>
    /// <returns>The queued message's key and Message-ID (see <see cref="EnqueueRendered"/>).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="email"/> is <see langword="null"/>.</exception>
    /// <exception cref="MessageFormatException">The message cannot be built (see <see cref="EnqueueRendered"/>). Nothing is tracked.</exception>
    /// <exception cref="InvalidOperationException">No sender is given and no default is configured (see <see cref="EnqueueRendered"/>).</exception>
    /// <exception cref="ArgumentException">An option is invalid (see <see cref="EnqueueRendered"/>). Nothing is tracked.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public EnqueuedEmail EnqueueTemplated<TEmail>(string emailType, TEmail email, EmailAddress to, EnqueueOptions? options, CultureInfo? culture, EmailTypeSettings? typeSettings = null)
        where TEmail : ITemplatedEmail
    {
        ArgumentNullException.ThrowIfNull(email);
        var enqueued = EnqueueRendered(emailType, email.Render(ChooseCulture(culture)), to, options, typeSettings);
        if (EnqueueCapture.IsListening)
        {
            EnqueueCapture.Enqueued(this, email, options, enqueued);
        }

        return enqueued;
    }

    /// <summary>Adds a rendered email to the outbox. <see cref="EnqueueTemplated"/> renders an email and calls this; use the generated <c>Enqueue</c> methods instead.</summary>
    /// <param name="emailType">The email type's full name.</param>
    /// <param name="rendered">The rendered subject and bodies.</param>
    /// <param name="to">The first recipient.</param>
    /// <param name="options">Further options, or <see langword="null"/>.</param>
    /// <param name="typeSettings">
    /// The email type's category, headers, tags and unsubscribe setting, as the generator read them from its
    /// <see cref="EmailAttribute"/>; <see langword="null"/> for none (transactional mail).
    /// </param>
    /// <returns>
    /// The queued message's key and Message-ID. When <see cref="EnqueueOptions.IdempotencyKey"/> is set, both are derived
    /// from the key, so a repeated enqueue returns the same values as the first one.
    /// </returns>
    /// <exception cref="MessageFormatException">
    /// The message cannot be built, such as a subject with a line break, a body with an unpaired surrogate, or two
    /// attachments with one content id; it names the field and the value. Nothing is tracked.
    /// </exception>
    /// <exception cref="InvalidOperationException">
    /// No sender is given and no default is configured; or the email type has one-click unsubscribe and
    /// <see cref="TypedMailDbContextOptions.Unsubscribe"/> is not configured.
    /// </exception>
    /// <exception cref="ArgumentException">
    /// An option is invalid: an empty or too long idempotency key or transport name, attachments larger than
    /// <see cref="TypedMailDbContextOptions.MaxAttachmentBytes"/>, a bad tag or metadata entry, or more than one recipient
    /// for a one-click unsubscribe type. Nothing is tracked.
    /// </exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public EnqueuedEmail EnqueueRendered(string emailType, RenderedEmail rendered, EmailAddress to, EnqueueOptions? options, EmailTypeSettings? typeSettings = null)
    {
        ArgumentNullException.ThrowIfNull(emailType);
        ArgumentNullException.ThrowIfNull(rendered);
        ArgumentNullException.ThrowIfNull(to);
        if (Context is null)
        {
            throw new InvalidOperationException("This EmailOutbox has no DbContext: get it with db.Emails().");
        }

        var settings = Settings;
        var message = Build(settings, emailType, rendered, to, options, options?.IdempotencyKey, typeSettings);
        var attachments = options?.Attachments ?? [];
        var autoDetect = Context.ChangeTracker.AutoDetectChangesEnabled;
        Context.ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            if (message.IdempotencyKey is not null && Context.Set<OutboxMessage>().Local.FindEntry(message.Id) is { } tracked)
            {
                // The same logical email, already enqueued in this context: a no-op.
                return new EnqueuedEmail(tracked.Entity.Id, tracked.Entity.MessageId);
            }

            AddAttachments(message, attachments, message.CreatedAt);
            Context.Add(message);
            return new EnqueuedEmail(message.Id, message.MessageId);
        }
        finally
        {
            Context.ChangeTracker.AutoDetectChangesEnabled = autoDetect;
        }
    }

    /// <summary>
    /// Renders many emails of one type in one culture and writes them to the outbox at once, in the caller's transaction;
    /// each is rendered as the database writer takes it. Every generated <c>EnqueueManyAsync</c> method is this call; use
    /// those instead.
    /// </summary>
    /// <typeparam name="TEmail">The <c>[Email]</c> type.</typeparam>
    /// <param name="emailType">The email type's full name.</param>
    /// <param name="emails">Each email's data, its recipient and, optionally, its idempotency key.</param>
    /// <param name="options">Options every message shares (not <see cref="EnqueueOptions.IdempotencyKey"/> nor <see cref="EnqueueOptions.Attachments"/>), or <see langword="null"/>.</param>
    /// <param name="culture">The culture the caller asked for, or <see langword="null"/> (see <see cref="ChooseCulture"/>).</param>
    /// <param name="typeSettings">
    /// The email type's category, headers, tags and unsubscribe setting, as the generator read them from its
    /// <see cref="EmailAttribute"/>; <see langword="null"/> for none (transactional mail).
    /// </param>
    /// <param name="cancellationToken">Cancels the write; nothing is written then.</param>
    /// <returns>How many messages were written.</returns>
    /// <exception cref="DuplicateIdempotencyKeyException">An idempotency key is already stored, or given twice; nothing is written.</exception>
    /// <exception cref="MessageFormatException">A message cannot be built; it names the field and the value. Nothing is written.</exception>
    /// <exception cref="ArgumentException">An email of the batch is <see langword="null"/>, or an option is invalid or not supported for bulk enqueue. Nothing is written.</exception>
    /// <exception cref="InvalidOperationException">No sender is given and no default is configured; or on PostgreSQL the TypedMail.PostgreSql package is not referenced.</exception>
    /// <exception cref="System.Data.Common.DbException">The database failed the write; nothing of it is written.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public async Task<int> EnqueueTemplatedManyAsync<TEmail>(string emailType, IEnumerable<BulkEmail<TEmail>> emails, EnqueueOptions? options, CultureInfo? culture, EmailTypeSettings? typeSettings, CancellationToken cancellationToken)
        where TEmail : ITemplatedEmail
    {
        ArgumentNullException.ThrowIfNull(emailType);
        ArgumentNullException.ThrowIfNull(emails);
        if (Context is null)
        {
            throw new InvalidOperationException("This EmailOutbox has no DbContext: get it with db.Emails().");
        }

        if (options?.IdempotencyKey is { } shared)
        {
            throw new ArgumentException(
                $"EnqueueOptions.IdempotencyKey '{shared}' cannot be shared by the messages of EnqueueManyAsync: give each email its own key (BulkEmail.IdempotencyKey).", nameof(options));
        }

        if (options?.Attachments.Count > 0)
        {
            throw new ArgumentException(
                $"EnqueueOptions.Attachments ({options.Attachments.Count}) are not supported by EnqueueManyAsync: enqueue emails with attachments one by one with Enqueue.", nameof(options));
        }

        var keys = new Dictionary<Guid, string>();
        List<(object? Model, OutboxMessage Message)>? captured = EnqueueCapture.IsListening ? [] : null;
        var written = await OutboxBulkWriter.WriteAsync(Context, BuildAll(Settings, emailType, emails, ChooseCulture(culture), options, typeSettings, keys, captured), keys, cancellationToken).ConfigureAwait(false);
        if (captured is not null && written > 0)
        {
            EnqueueCapture.Written(Context, captured, options);
        }

        return written;
    }

    /// <summary>
    /// Builds the messages of a bulk enqueue one by one, as the writer consumes them (so the database takes in the first
    /// while the next are rendered), collecting their idempotency keys; refuses a key given twice.
    /// </summary>
    private static IEnumerable<OutboxMessage> BuildAll<TEmail>(
        TypedMailDbContextOptions settings, string emailType, IEnumerable<BulkEmail<TEmail>> emails, CultureInfo culture, EnqueueOptions? options, EmailTypeSettings? typeSettings,
        Dictionary<Guid, string> keys, List<(object? Model, OutboxMessage Message)>? captured)
        where TEmail : ITemplatedEmail
    {
        foreach (var email in emails)
        {
            if (email.Email is null)
            {
                throw new ArgumentException("An email of the batch is null.", nameof(emails));
            }

            ArgumentNullException.ThrowIfNull(email.To, nameof(BulkEmail<TEmail>.To));
            var message = Build(settings, emailType, email.Email.Render(culture), email.To, options, email.IdempotencyKey, typeSettings);
            if (message.IdempotencyKey is { } key && !keys.TryAdd(message.Id, key))
            {
                throw new DuplicateIdempotencyKeyException(key, $"The idempotency key '{key}' is given to two emails of one EnqueueManyAsync call; nothing was written.");
            }

            captured?.Add((email.Email, message));
            yield return message;
        }
    }

    private TypedMailDbContextOptions Settings
        => TypedMailOptionsExtension.Of(Context) ?? new TypedMailDbContextOptions();

    /// <summary>
    /// Checks one email and builds its outbox row with its recipients (attachments are added by the caller), tracking
    /// nothing: every check that can refuse the email runs here, before anything is written or tracked.
    /// </summary>
    private static OutboxMessage Build(TypedMailDbContextOptions settings, string emailType, RenderedEmail rendered, EmailAddress to, EnqueueOptions? options, string? key, EmailTypeSettings? typeSettings)
    {
        var from = options?.From ?? settings.DefaultFrom
            ?? throw new InvalidOperationException(
                $"No sender for {emailType}: pass EnqueueOptions.From, or set DefaultFrom with optionsBuilder.UseTypedMail(o => o.DefaultFrom = \"...\").");
        if (key is not null && (string.IsNullOrWhiteSpace(key) || key.Length > EnqueueOptions.MaxIdempotencyKeyLength))
        {
            throw new ArgumentException(
                $"EnqueueOptions.IdempotencyKey '{key}' must be 1 to {EnqueueOptions.MaxIdempotencyKeyLength} characters and not blank.", nameof(options));
        }

        var transport = options?.Transport;
        if (transport is not null && (string.IsNullOrWhiteSpace(transport) || transport.Length > EnqueueOptions.MaxTransportLength))
        {
            throw new ArgumentException(
                $"EnqueueOptions.Transport '{transport}' must be 1 to {EnqueueOptions.MaxTransportLength} characters and not blank.", nameof(options));
        }

        var attachments = options?.Attachments ?? [];
        CheckAttachmentSize(attachments, settings.MaxAttachmentBytes);
        if (settings.BounceAddress is { } bounce && VerpAddress.ValidatePrefix(bounce.LocalPart) is { } prefixProblem)
        {
            throw new InvalidOperationException($"TypedMailDbContextOptions.BounceAddress '{bounce.Address}': {prefixProblem}.");
        }

        typeSettings ??= EmailTypeSettings.None;
        var headers = MessageHeaders.Merge(typeSettings.Headers, options?.Headers);
        var tags = MessageHeaders.Tags(typeSettings.Tags, options?.Tags);
        var metadata = MessageHeaders.Metadata(options?.Metadata);
        if (typeSettings.OneClickUnsubscribe && options is not null && options.AlsoTo.Count + options.Cc.Count + options.Bcc.Count > 0)
        {
            throw new ArgumentException(
                $"{emailType} has one-click unsubscribe, whose link unsubscribes one address: send it to one recipient per message, without EnqueueOptions.AlsoTo, Cc or Bcc.",
                nameof(options));
        }

        var clock = settings.TimeProvider;
        var now = clock.GetUtcNow();
        var id = key is null ? Guid.CreateVersion7(now) : IdFromIdempotencyKey(key);
        var messageId = id.ToString("N") + "@" + (settings.MessageIdDomain ?? from.AsciiDomain);
        MessageHeaders.Stamp(headers, id, tags);
        if (typeSettings.OneClickUnsubscribe)
        {
            MessageHeaders.StampUnsubscribe(headers, settings, emailType, to, typeSettings.Category!);
        }

        // What the transport will build, checked now: a message that cannot be built is never tracked.
        MimeMessageBuilder.Validate(new EmailMessage
        {
            From = from,
            To = [to],
            Subject = rendered.Subject,
            Date = now,
            MessageId = messageId,
            HtmlBody = rendered.HtmlBody,
            TextBody = rendered.TextBody,
            Attachments = attachments,
            Headers = headers,
        });
        var message = new OutboxMessage
        {
            Id = id,
            MessageId = messageId,
            IdempotencyKey = key,
            EmailType = emailType,
            Transport = transport,
            Category = typeSettings.Category,
            BounceAddress = settings.BounceAddress?.Address,
            Headers = MessageHeaders.Serialize(headers),
            Tags = tags.Count == 0 ? null : string.Join(',', tags),
            Metadata = metadata,
            State = OutboxMessageState.Queued,
            Priority = options?.Priority ?? 0,
            CreatedAt = now.UtcDateTime,
            DueAt = options?.NotBefore?.UtcDateTime ?? now.UtcDateTime,
            From = from.ToString(),
            ReplyTo = options?.ReplyTo?.ToString(),
            Culture = rendered.Culture,
            Subject = rendered.Subject,
            HtmlBody = rendered.HtmlBody,
            TextBody = rendered.TextBody,
        };
        AddRecipients(message, to, options);
        return message;
    }

    /// <summary>
    /// The key of a message with an idempotency key: the first 16 bytes of SHA-256 over the key, marked as an RFC 9562
    /// version 8 (custom) GUID, so every enqueue of the key, in any process, produces the same row key.
    /// </summary>
    internal static Guid IdFromIdempotencyKey(string key)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes("typedmail-idempotency:" + key), hash);
        var bytes = hash[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }

    private static void CheckAttachmentSize(IReadOnlyList<EmailAttachment> attachments, long limit)
    {
        long total = 0;
        foreach (var attachment in attachments)
        {
            ArgumentNullException.ThrowIfNull(attachment, nameof(EnqueueOptions.Attachments));
            total += attachment.Content.Length;
            if (total > limit)
            {
                throw new ArgumentException(
                    $"EnqueueOptions.Attachments: '{attachment.FileName}' ({attachment.Content.Length:N0} bytes) brings the message's attachments to {total:N0} bytes, "
                    + $"over the limit of {limit:N0} bytes (TypedMailDbContextOptions.MaxAttachmentBytes).",
                    "options");
            }
        }
    }

    /// <summary>Adds each distinct addr-spec once (compared as <see cref="OutboxSuppression.Normalize"/> does), the first occurrence winning: To, then Cc, then Bcc.</summary>
    private static void AddRecipients(OutboxMessage message, EmailAddress to, EnqueueOptions? options)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        Add(RecipientKind.To, to);
        if (options is null)
        {
            return;
        }

        foreach (var a in options.AlsoTo)
        {
            Add(RecipientKind.To, a);
        }

        foreach (var a in options.Cc)
        {
            Add(RecipientKind.Cc, a);
        }

        foreach (var a in options.Bcc)
        {
            Add(RecipientKind.Bcc, a);
        }

        void Add(RecipientKind kind, EmailAddress address)
        {
            ArgumentNullException.ThrowIfNull(address);
            if (seen.Add(OutboxSuppression.Normalize(address)))
            {
                message.Recipients.Add(new OutboxRecipient { OutboxMessageId = message.Id, Kind = kind, Address = address.ToString() });
            }
        }
    }

    private void AddAttachments(OutboxMessage message, IReadOnlyList<EmailAttachment> attachments, DateTime now)
    {
        var blobs = Context.Set<OutboxBlob>().Local;
        for (var i = 0; i < attachments.Count; i++)
        {
            var attachment = attachments[i];
            var sha = Convert.ToHexStringLower(SHA256.HashData(attachment.Content.Span));
            var blob = blobs.FindEntry(sha)?.Entity
                ?? new OutboxBlob { Sha256 = sha, Length = attachment.Content.Length, Content = attachment.Content.ToArray(), CreatedAt = now };
            message.Attachments.Add(new OutboxAttachment
            {
                OutboxMessageId = message.Id,
                Position = i,
                FileName = attachment.FileName,
                ContentType = attachment.ContentType,
                ContentId = attachment.ContentId,
                BlobSha256 = sha,
                Blob = blob,
            });
        }
    }
}
