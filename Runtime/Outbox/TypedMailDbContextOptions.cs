using System;
using System.Collections.Generic;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace TypedMail.Outbox;

/// <summary>Settings that <c>Enqueue</c> reads from the <see cref="DbContext"/> it writes to.</summary>
public sealed class TypedMailDbContextOptions
{
    /// <summary>The <c>From</c> mailbox for messages that do not set one.</summary>
    public EmailAddress? DefaultFrom { get; set; }

    /// <summary>
    /// The culture of emails enqueued without a <c>culture:</c> argument while the current UI culture is the invariant
    /// culture (as in a background job or a container without a locale). <see langword="null"/>: the invariant culture,
    /// that is, the neutral templates.
    /// </summary>
    public CultureInfo? DefaultCulture { get; set; }

    /// <summary>The right-hand side of generated Message-IDs. Defaults to the sender's domain.</summary>
    public string? MessageIdDomain { get; set; }

    /// <summary>The clock used for <c>Date</c> and scheduling. Tests replace it.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// The most attachment bytes one message may carry (the sum of its attachments). <c>Enqueue</c> throws an
    /// <see cref="ArgumentException"/> naming the file over the limit, before anything is tracked. Default 25 MiB.
    /// </summary>
    public long MaxAttachmentBytes { get; set; } = 25 * 1024 * 1024;

    /// <summary>
    /// The bounce mailbox, such as <c>bounces@bounce.example.com</c>: when set, every message's envelope sender
    /// (<c>MAIL FROM</c>) is a VERP address built from it, <c>bounces+{token}@bounce.example.com</c>
    /// (<see cref="VerpAddress"/>), so a bounce names the message and the recipient. Its local part is the prefix:
    /// 1 to 20 ASCII letters, digits, '.', '-' or '_'. <see langword="null"/> (the default) sends with the <c>From</c> address.
    /// </summary>
    public EmailAddress? BounceAddress { get; set; }

    /// <summary>
    /// Whether TypedMail prepares its enqueue statements (the inserts at <c>SaveChanges</c>) on each physical PostgreSQL
    /// connection: the server then parses and plans each once per connection, not at every use, and the statements
    /// survive the connection's return to the pool. Default <see langword="true"/>. Set it to <see langword="false"/> behind a
    /// connection pooler in transaction mode that cannot carry prepared statements (PgBouncer before 1.21, or later
    /// without <c>max_prepared_statements</c>). SQLite ignores it: its statements are always prepared.
    /// </summary>
    public bool PrepareStatements { get; set; } = true;

    /// <summary>One-click unsubscribe settings, needed by email types with <see cref="EmailAttribute.OneClickUnsubscribe"/>.</summary>
    public Deliverability.UnsubscribeOptions Unsubscribe { get; set; } = new();

    /// <summary>The token service for <see cref="Unsubscribe"/>, built on first use from the options as they are then.</summary>
    internal Deliverability.UnsubscribeTokens UnsubscribeTokens => _unsubscribeTokens ??= new Deliverability.UnsubscribeTokens(Unsubscribe, TimeProvider);

    private Deliverability.UnsubscribeTokens? _unsubscribeTokens;
}

/// <summary>Configures TypedMail on a <see cref="DbContextOptionsBuilder"/>.</summary>
public static class DbContextOptionsBuilderExtensions
{
    /// <summary>
    /// Sets the defaults that <c>Enqueue</c> uses for this context, such as the sender, and adds TypedMail's
    /// interceptor: it makes idempotency keys and attachment storage work across transactions, and wakes dispatchers
    /// right after a transaction that enqueued mail commits (locally, and on PostgreSQL through <c>NOTIFY</c>).
    /// </summary>
    /// <param name="builder">The options builder from <c>OnConfiguring</c> or <c>AddDbContext</c>.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The same builder.</returns>
    public static DbContextOptionsBuilder UseTypedMail(this DbContextOptionsBuilder builder, Action<TypedMailDbContextOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var existing = builder.Options.FindExtension<TypedMailOptionsExtension>();
        var extension = existing ?? new TypedMailOptionsExtension();
        configure(extension.Options);
        ((IDbContextOptionsBuilderInfrastructure)builder).AddOrUpdateExtension(extension);
        if (existing is null)
        {
            builder.AddInterceptors(OutboxInterceptor.Instance);
        }

        return builder;
    }

    /// <summary>Sets the defaults that <c>Enqueue</c> uses for this context, such as the sender.</summary>
    /// <typeparam name="TContext">The context type.</typeparam>
    /// <param name="builder">The options builder from <c>OnConfiguring</c> or <c>AddDbContext</c>.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The same builder.</returns>
    public static DbContextOptionsBuilder<TContext> UseTypedMail<TContext>(this DbContextOptionsBuilder<TContext> builder, Action<TypedMailDbContextOptions> configure)
        where TContext : DbContext
        => (DbContextOptionsBuilder<TContext>)UseTypedMail((DbContextOptionsBuilder)builder, configure);
}

internal sealed class TypedMailOptionsExtension : IDbContextOptionsExtension
{
    private DbContextOptionsExtensionInfo? _info;

    public TypedMailDbContextOptions Options { get; } = new();

    /// <summary>The TypedMail settings of <paramref name="context"/>, or <see langword="null"/> when it was not configured with <c>UseTypedMail</c>.</summary>
    public static TypedMailDbContextOptions? Of(DbContext context)
        => context.GetService<IDbContextOptions>().FindExtension<TypedMailOptionsExtension>()?.Options;

    public DbContextOptionsExtensionInfo Info => _info ??= new ExtensionInfo(this);

    public void ApplyServices(IServiceCollection services)
    {
    }

    public void Validate(IDbContextOptions options)
    {
    }

    private sealed class ExtensionInfo(IDbContextOptionsExtension extension) : DbContextOptionsExtensionInfo(extension)
    {
        public override bool IsDatabaseProvider => false;

        public override string LogFragment => "using TypedMail ";

        public override int GetServiceProviderHashCode() => 0;

        public override void PopulateDebugInfo(IDictionary<string, string> debugInfo) => debugInfo["TypedMail"] = "1";

        public override bool ShouldUseSameServiceProvider(DbContextOptionsExtensionInfo other) => other is ExtensionInfo;
    }
}
