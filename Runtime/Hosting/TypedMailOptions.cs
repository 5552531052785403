using System;
using System.Collections.Generic;
using TypedMail.Dispatch;
using TypedMail.Smtp;
using TypedMail.Transports;

namespace TypedMail.Hosting;

/// <summary>Which transport the hosted dispatcher sends through.</summary>
public enum EmailTransportKind
{
    /// <summary>Write each message as an <c>.eml</c> file into <see cref="TypedMailOptions.Pickup"/>'s folder.</summary>
    Pickup,

    /// <summary>Send to the SMTP server in <see cref="TypedMailOptions.Smtp"/>.</summary>
    Smtp,
}

/// <summary>
/// Settings of the hosted dispatcher, bound from the <c>TypedMail</c> configuration section by
/// <see cref="Microsoft.Extensions.DependencyInjection.TypedMailServiceCollectionExtensions.AddTypedMail{TContext}(Microsoft.Extensions.DependencyInjection.IServiceCollection, Microsoft.Extensions.Configuration.IConfiguration, Action{TypedMailOptions}?)"/>
/// and validated when the host starts.
/// </summary>
public sealed class TypedMailOptions
{
    /// <summary>The configuration section these options are usually bound from: <c>TypedMail</c>.</summary>
    public const string SectionName = "TypedMail";

    /// <summary>The transport messages are sent through. Default <see cref="EmailTransportKind.Pickup"/>.</summary>
    public EmailTransportKind Transport { get; set; } = EmailTransportKind.Pickup;

    /// <summary>The pickup-folder transport's settings.</summary>
    public PickupFolderOptions Pickup { get; set; } = new();

    /// <summary>The SMTP server: host, port, TLS mode and credentials. Keep the password out of files, such as in an environment variable (<c>TypedMail__Smtp__Password</c>) or a secret store.</summary>
    public SmtpOptions Smtp { get; set; } = new();

    /// <summary>
    /// DKIM signing keys per <c>From</c> domain (<c>TypedMail:Dkim:Keys:0:Domain</c>, <c>:Selector</c>, <c>:Algorithm</c>,
    /// <c>:PrivateKeyFile</c> or <c>:PrivateKey</c>), used by every transport the host creates. No keys, no signing.
    /// Keep a private key out of files, such as in an environment variable (<c>TypedMail__Dkim__Keys__0__PrivateKey</c>).
    /// </summary>
    public DkimOptions Dkim { get; set; } = new();

    /// <summary>Batch size, lease, send timeout, retry policy and polling of the dispatcher.</summary>
    public DispatcherOptions Dispatcher { get; set; } = new();

    /// <summary>
    /// Further transports by name (<c>TypedMail:Transports:backup:Smtp:Host</c>), besides the main one, which routes and
    /// the attempt log call <c>smtp</c> or <c>pickup</c>. A message goes through the transport its
    /// <c>EnqueueOptions.Transport</c> names, else the first of its email type's route in <see cref="Routes"/>, else
    /// the main one. When that transport is down (no connection, a timeout, 421), the message fails over to the next:
    /// the route's next entry, or, with no route, the main transport and then these in the order of their names.
    /// </summary>
    public Dictionary<string, TransportOptions> Transports { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Routes by email type: the type's full name (<c>MyApp.Mail.NewsletterEmail</c>) to the names of the transports to
    /// use, first choice first, such as <c>["backup", "smtp"]</c>.
    /// </summary>
    public Dictionary<string, string[]> Routes { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The most messages per second sent through the main transport by all dispatchers on the database together, or
    /// <see langword="null"/> for no limit.
    /// </summary>
    public double? MaxMessagesPerSecond { get; set; }

    /// <summary>The <c>From</c> mailbox for messages that set none, such as <c>Shop &lt;shop@example.com&gt;</c>; applied to the context unless it sets its own.</summary>
    public string? DefaultFrom { get; set; }

    /// <summary>The right-hand side of generated Message-IDs; applied to the context unless it sets its own. Defaults to the sender's domain.</summary>
    public string? MessageIdDomain { get; set; }

    /// <summary>
    /// The bounce mailbox, such as <c>bounces@bounce.example.com</c>: when set, each message's envelope sender is a VERP
    /// address built from it (<c>bounces+{token}@bounce.example.com</c>), so a bounce names the message and the
    /// recipient; applied to the context unless it sets its own.
    /// </summary>
    public string? BounceAddress { get; set; }

    /// <summary>
    /// One-click unsubscribe: the endpoint's URL, the <c>mailto:</c> address and the signing keys
    /// (<c>TypedMail:Unsubscribe:Keys:k1</c>); applied to the context unless it sets its own. Keep keys out of files.
    /// </summary>
    public Deliverability.UnsubscribeOptions Unsubscribe { get; set; } = new();

    /// <summary>
    /// Whether TypedMail prepares its enqueue statements (the inserts at <c>SaveChanges</c>) on each PostgreSQL
    /// connection, so the server parses and plans each once per connection instead of at every use. Default <see langword="true"/>. Set it to
    /// <see langword="false"/> behind a connection pooler in transaction mode that cannot carry prepared statements
    /// (PgBouncer before 1.21, or later without <c>max_prepared_statements</c>); applied to the context unless it turns
    /// preparing off itself. SQLite ignores it.
    /// </summary>
    public bool PrepareStatements { get; set; } = true;

    /// <summary>How often the queue-depth metrics read the database, at most. Default 15 seconds.</summary>
    public TimeSpan QueueMetricsInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Thresholds of the health check.</summary>
    public TypedMailHealthOptions Health { get; set; } = new();

    /// <summary>The retention purge the host runs by itself; off unless <see cref="TypedMailRetentionOptions.Period"/> is set.</summary>
    public TypedMailRetentionOptions Retention { get; set; } = new();

    /// <summary>
    /// The bounce mailbox the host reads delivery status notifications and complaint reports from (<c>TypedMail:Bounces:Host</c>,
    /// <c>:Port</c>, <c>:UserName</c>, <c>:Password</c>, ...); off unless <see cref="Bounces.BounceOptions.Host"/> is set.
    /// </summary>
    public Bounces.BounceOptions Bounces { get; set; } = new();

    /// <summary>The main transport's name in routes and the attempt log: <c>smtp</c> or <c>pickup</c>, the built-in transports' own names.</summary>
    internal static string MainTransportName(EmailTransportKind kind) => kind == EmailTransportKind.Smtp ? "smtp" : "pickup";
}

/// <summary>One of <see cref="TypedMailOptions.Transports"/>: a transport besides the main one, with its own settings.</summary>
public sealed class TransportOptions
{
    /// <summary>The kind of transport. Default <see cref="EmailTransportKind.Smtp"/>.</summary>
    public EmailTransportKind Transport { get; set; } = EmailTransportKind.Smtp;

    /// <summary>The pickup folder, when <see cref="Transport"/> is <see cref="EmailTransportKind.Pickup"/>.</summary>
    public PickupFolderOptions Pickup { get; set; } = new();

    /// <summary>The SMTP server, when <see cref="Transport"/> is <see cref="EmailTransportKind.Smtp"/>.</summary>
    public SmtpOptions Smtp { get; set; } = new();

    /// <summary>The most messages per second sent through this transport by all dispatchers on the database together, or <see langword="null"/> for no limit.</summary>
    public double? MaxMessagesPerSecond { get; set; }
}

/// <summary>
/// The hosted retention purge (<see cref="Outbox.OutboxMaintenance.PurgeAsync"/>): every <see cref="Interval"/>, finished
/// mail older than <see cref="Period"/> is deleted with its attempt log, and attachment content nothing links to any more.
/// </summary>
public sealed class TypedMailRetentionOptions
{
    /// <summary>How long sent mail (and failed mail, with <see cref="IncludeFailed"/>) is kept after it finished; <see langword="null"/> (the default) keeps everything.</summary>
    public TimeSpan? Period { get; set; }

    /// <summary>Also delete failed (dead) mail older than <see cref="Period"/>. Default <see langword="false"/>: dead mail stays until someone looks at it.</summary>
    public bool IncludeFailed { get; set; }

    /// <summary>How often the purge runs: at start, then every interval. Default 1 hour.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>Settings of the pickup-folder transport.</summary>
public sealed class PickupFolderOptions
{
    /// <summary>The folder <c>.eml</c> files are written to; relative paths resolve against the current directory.</summary>
    public string? Folder { get; set; }
}

/// <summary>When the TypedMail health check reports a problem.</summary>
public sealed class TypedMailHealthOptions
{
    /// <summary>The window in which messages that failed for good are counted. Default 15 minutes.</summary>
    public TimeSpan FailedWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How many messages may fail for good within <see cref="FailedWindow"/> before the check reports degraded. Default 10.</summary>
    public int FailedLimit { get; set; } = 10;

    /// <summary>How long the transport probe may take before the transport counts as unreachable. Default 5 seconds.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
