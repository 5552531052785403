using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using MimeKit;
using TypedMail.Outbox;

namespace TypedMail.Bounces;

/// <summary>What one pass over the bounce mailbox did.</summary>
/// <param name="Recorded">Reports read and recorded as delivery events.</param>
/// <param name="Rejected">Reports that could not be used, logged and moved aside.</param>
/// <param name="AlreadyProcessed">Reports another pass (or another processor) had already handled; only finished on the server.</param>
/// <param name="Suppressed">Addresses added to the suppression list.</param>
public readonly record struct BounceRunResult(int Recorded, int Rejected, int AlreadyProcessed, int Suppressed);

/// <summary>
/// Reads the bounce mailbox over IMAP and records each delivery status notification (RFC 3464) and complaint report
/// (RFC 5965) as <see cref="OutboxDeliveryEvent"/>s of the message and recipient it is about, found by the VERP
/// envelope sender the report was returned to (<see cref="VerpAddress"/>), or else by the original Message-ID. Hard bounces and complaints, and <see cref="BounceOptions.SoftBounceLimit"/> soft bounces, add the address
/// to the suppression list with the reason. Each report is claimed once (<see cref="OutboxProcessedReport"/>, in the
/// same transaction as its events), then moved or flagged on the server; an unusable one is logged and moved aside.
/// </summary>
/// <typeparam name="TContext">The application's context, whose model calls <c>AddTypedMailOutbox()</c>.</typeparam>
public sealed partial class BounceProcessor<TContext>
    where TContext : DbContext
{
    /// <summary>The keyword set on every report the processor has finished with, so a pass never reads it again.</summary>
    public const string ProcessedKeyword = "$TypedMailProcessed";

    private const int ClaimAttempts = 3;

    private readonly IDbContextFactory<TContext> _contexts;
    private readonly BounceOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CertificateAuthorityTrust? _trust;

    /// <summary>Creates a processor.</summary>
    /// <param name="contexts">Creates a context per report.</param>
    /// <param name="options">The mailbox and policy; validated here.</param>
    /// <param name="logger">Logs each report's outcome (never the password).</param>
    /// <param name="time">The clock events are stamped with.</param>
    /// <exception cref="ArgumentException"><paramref name="options"/> is invalid or has no <see cref="BounceOptions.Host"/>; the message names the setting and value.</exception>
    public BounceProcessor(IDbContextFactory<TContext> contexts, BounceOptions options, ILogger<BounceProcessor<TContext>> logger, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(contexts);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        if (options.Host is null)
        {
            throw new ArgumentException("BounceOptions.Host is missing: set the IMAP server of the bounce mailbox.");
        }

        foreach (var (setting, value, rule) in options.Problems())
        {
            throw new ArgumentException($"BounceOptions.{setting} {rule}, but is {value}.");
        }

        _contexts = contexts;
        _options = options;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _trust = options.LoadTrustedAuthorities() is { } authorities ? new CertificateAuthorityTrust(authorities) : null;
    }

    /// <summary>Reads every report in <see cref="BounceOptions.Folder"/> not yet finished with, records it and moves or flags it.</summary>
    /// <param name="cancellationToken">Stops between reports; a report is either recorded and finished, or left for the next pass.</param>
    /// <returns>What the pass did.</returns>
    /// <exception cref="ImapCommandException">The IMAP server refused a command (such as an unknown folder).</exception>
    /// <exception cref="AuthenticationException">The user name or password was refused.</exception>
    /// <exception cref="SslHandshakeException">
    /// TLS failed, such as a server certificate that neither the system nor <see cref="BounceOptions.TrustedCertificateAuthoritiesFile"/>
    /// trusts, or one that does not name <see cref="BounceOptions.Host"/>; the message gives the certificate and why it was refused.
    /// </exception>
    /// <exception cref="System.IO.IOException">The connection failed.</exception>
    /// <exception cref="System.Data.Common.DbException">The database failed.</exception>
    public async Task<BounceRunResult> ProcessAsync(CancellationToken cancellationToken = default)
    {
        using var client = new ImapClient { Timeout = (int)Math.Min(int.MaxValue, _options.Timeout.TotalMilliseconds), ServerCertificateValidationCallback = _trust is null ? null : _trust.Validate };
        var tls = _options.TlsMode switch
        {
            BounceMailboxTlsMode.None => SecureSocketOptions.None,
            BounceMailboxTlsMode.StartTls => SecureSocketOptions.StartTls,
            _ => SecureSocketOptions.SslOnConnect,
        };
        try
        {
            await client.ConnectAsync(_options.Host!, _options.Port, tls, cancellationToken).ConfigureAwait(false);
        }
        catch (SslHandshakeException e) when (e.ServerCertificate is { } certificate)
        {
            var reasons = string.Join(" ", e.Message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
            throw new SslHandshakeException(
                $"The bounce mailbox server {_options.Host}:{_options.Port} is not trusted: its certificate ({certificate.Subject}, issued by "
                + $"{certificate.Issuer}, SHA-256 {certificate.GetCertHashString(HashAlgorithmName.SHA256)}) was refused. {reasons} If a private "
                + "certificate authority issued it, trust that authority with BounceOptions.TrustedCertificateAuthoritiesFile "
                + "(TypedMail:Bounces:TrustedCertificateAuthoritiesFile).",
                e);
        }

        await client.AuthenticateAsync(_options.UserName!, _options.Password!, cancellationToken).ConfigureAwait(false);

        var inbox = await client.GetFolderAsync(_options.Folder, cancellationToken).ConfigureAwait(false);
        var processed = _options.ProcessedFolder is null ? null : await FolderAsync(client, _options.ProcessedFolder, cancellationToken).ConfigureAwait(false);
        var rejected = await FolderAsync(client, _options.RejectedFolder, cancellationToken).ConfigureAwait(false);
        await inbox.OpenAsync(FolderAccess.ReadWrite, cancellationToken).ConfigureAwait(false);

        var uids = await inbox.SearchAsync(SearchQuery.NotDeleted.And(SearchQuery.NotKeyword(ProcessedKeyword)), cancellationToken).ConfigureAwait(false);
        var summaries = uids.Count == 0 ? [] : await inbox.FetchAsync(uids, MessageSummaryItems.UniqueId | MessageSummaryItems.Size | MessageSummaryItems.Envelope, cancellationToken).ConfigureAwait(false);
        int recorded = 0, rejectedCount = 0, already = 0, suppressed = 0;
        foreach (var summary in summaries.OrderBy(s => s.UniqueId))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var key = summary.Envelope?.MessageId is { Length: > 0 } id
                ? "mid:" + id
                : string.Create(CultureInfo.InvariantCulture, $"uid:{inbox.FullName}:{inbox.UidValidity}:{summary.UniqueId.Id}");
            var outcome = await HandleAsync(inbox, summary, key, cancellationToken).ConfigureAwait(false);
            switch (outcome.Result)
            {
                case HandleResult.Recorded:
                    recorded++;
                    suppressed += outcome.Suppressed;
                    await FinishAsync(inbox, summary.UniqueId, processed, cancellationToken).ConfigureAwait(false);
                    break;
                case HandleResult.Rejected:
                    rejectedCount++;
                    await FinishAsync(inbox, summary.UniqueId, rejected, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    already++;
                    await FinishAsync(inbox, summary.UniqueId, outcome.PreviousOutcome == ReportOutcome.Rejected ? rejected : processed, cancellationToken).ConfigureAwait(false);
                    break;
            }
        }

        await client.DisconnectAsync(quit: true, cancellationToken).ConfigureAwait(false);
        return new BounceRunResult(recorded, rejectedCount, already, suppressed);
    }

    private async Task<(HandleResult Result, int Suppressed, ReportOutcome? PreviousOutcome)> HandleAsync(IMailFolder inbox, IMessageSummary summary, string key, CancellationToken cancellationToken)
    {
        // A report handled before (by an earlier pass that stopped before finishing it on the server, or by another
        // processor) is only finished on the server.
        if (await PreviousOutcomeAsync(key, cancellationToken).ConfigureAwait(false) is { } previous)
        {
            return (HandleResult.AlreadyProcessed, 0, previous);
        }

        if (summary.Size is { } size && size > (ulong)_options.MaxMessageSize)
        {
            return await RejectAsync(key, summary.UniqueId, $"it is {size} bytes, more than TypedMail:Bounces:MaxMessageSize ({_options.MaxMessageSize})", cancellationToken).ConfigureAwait(false);
        }

        BounceReport report;
        try
        {
            var message = await inbox.GetMessageAsync(summary.UniqueId, cancellationToken).ConfigureAwait(false);
            report = BounceReport.Parse(message);
        }
        catch (BounceReportException ex)
        {
            return await RejectAsync(key, summary.UniqueId, ex.Message, cancellationToken).ConfigureAwait(false);
        }
        catch (ParseException ex)
        {
            return await RejectAsync(key, summary.UniqueId, "it is not valid MIME (" + ex.Message + ")", cancellationToken).ConfigureAwait(false);
        }
        catch (FormatException ex)
        {
            return await RejectAsync(key, summary.UniqueId, "it is not valid MIME (" + ex.Message + ")", cancellationToken).ConfigureAwait(false);
        }

        for (var attempt = 1; ; attempt++)
        {
            await using var db = await _contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            var messages = db.Set<OutboxMessage>().AsNoTracking().Include(m => m.Recipients);
            var message = report.Verp is { } verp
                ? await messages.FirstOrDefaultAsync(m => m.Id == verp.OutboxId, cancellationToken).ConfigureAwait(false)
                : OutboxMessage.KeyOfMessageId(report.OriginalMessageId ?? "") is { } id
                    ? await messages.FirstOrDefaultAsync(m => m.Id == id && m.MessageId == report.OriginalMessageId, cancellationToken).ConfigureAwait(false)
                    : null;
            if (message is null)
            {
                var about = report.Verp is { } token
                    ? string.Create(CultureInfo.InvariantCulture, $"outbox message {token.OutboxId} (by its VERP address)")
                    : $"Message-ID <{report.OriginalMessageId}>";
                return await RejectAsync(key, summary.UniqueId, $"it is about {about}, which is not in the outbox", cancellationToken).ConfigureAwait(false);
            }

            var sentTo = message.Recipients.Select(r => OutboxSuppression.Normalize(EmailAddress.Parse(r.Address))).ToList();
            var events = new List<OutboxDeliveryEvent>();
            foreach (var recipient in report.Recipients)
            {
                // A VERP token with a recipient tag names the recipient itself; otherwise the report's addresses must be among the message's.
                var address = report.Verp is { RecipientTag: not null } tagged && report.Recipients.Count == 1
                    ? sentTo.FirstOrDefault(a => tagged.Names(new EmailAddress(a)))
                    : recipient.Addresses.FirstOrDefault(sentTo.Contains);
                if (address is null)
                {
                    return await RejectAsync(key, summary.UniqueId, $"it names recipient {recipient.Addresses[0]}, to whom message <{message.MessageId}> was not sent", cancellationToken).ConfigureAwait(false);
                }

                events.Add(new OutboxDeliveryEvent
                {
                    OutboxMessageId = message.Id,
                    Recipient = address,
                    Kind = recipient.Kind,
                    RecordedAt = _time.GetUtcNow().UtcDateTime,
                    Status = recipient.Status,
                    Diagnostic = recipient.Diagnostic,
                    RemoteMta = recipient.RemoteMta,
                    ReportKey = key,
                });
            }

            var added = await AddSuppressionsAsync(db, events, cancellationToken).ConfigureAwait(false);
            db.AddRange(events);
            db.Add(new OutboxProcessedReport
            {
                Key = key,
                ProcessedAt = _time.GetUtcNow().UtcDateTime,
                Outcome = ReportOutcome.Recorded,
                Detail = Truncate(string.Join("; ", events.Select(e => $"{e.Kind} {e.Recipient} {e.Status}".TrimEnd()))),
            });
            try
            {
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (DbUpdateException) when (attempt < ClaimAttempts)
            {
                // Another processor claimed the report, or suppressed one of its addresses, first: look again.
                if (await PreviousOutcomeAsync(key, cancellationToken).ConfigureAwait(false) is { } claimed)
                {
                    return (HandleResult.AlreadyProcessed, 0, claimed);
                }

                continue;
            }

            foreach (var e in events)
            {
                LogRecorded(_logger, e.Kind, e.Recipient, message.MessageId, e.Status, e.Diagnostic, key);
            }

            return (HandleResult.Recorded, added, null);
        }
    }

    /// <summary>Adds the suppressions the events call for, unless the address is already on the list (whose reason stays).</summary>
    private async Task<int> AddSuppressionsAsync(DbContext db, List<OutboxDeliveryEvent> events, CancellationToken cancellationToken)
    {
        var added = 0;
        foreach (var e in events)
        {
            string? reason = null;
            switch (e.Kind)
            {
                case DeliveryEventKind.HardBounce:
                    reason = Join("hard bounce", e.Status, e.Diagnostic);
                    break;
                case DeliveryEventKind.Complaint:
                    reason = Join("complaint", e.Diagnostic, e.RemoteMta);
                    break;
                case DeliveryEventKind.SoftBounce when _options.SoftBounceLimit is { } limit:
                    var earlier = await db.Set<OutboxDeliveryEvent>()
                        .CountAsync(d => d.Recipient == e.Recipient && d.Kind == DeliveryEventKind.SoftBounce, cancellationToken).ConfigureAwait(false);
                    var count = earlier + events.Count(d => d.Recipient == e.Recipient && d.Kind == DeliveryEventKind.SoftBounce);
                    if (count >= limit)
                    {
                        reason = Join($"{count.ToString(CultureInfo.InvariantCulture)} soft bounces", e.Status, e.Diagnostic);
                    }

                    break;
            }

            if (reason is null
                || db.ChangeTracker.Entries<OutboxSuppression>().Any(s => s.Entity.Address == e.Recipient)
                || await db.Set<OutboxSuppression>().AnyAsync(s => s.Address == e.Recipient, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            db.Add(new OutboxSuppression { Address = e.Recipient, Reason = Truncate(reason), CreatedAt = _time.GetUtcNow().UtcDateTime });
            LogSuppressed(_logger, e.Recipient, reason);
            added++;
        }

        return added;

        static string Join(params string?[] parts) => string.Join(": ", parts.Where(p => !string.IsNullOrEmpty(p)));
    }

    private async Task<(HandleResult Result, int Suppressed, ReportOutcome? PreviousOutcome)> RejectAsync(string key, UniqueId uid, string reason, CancellationToken cancellationToken)
    {
        LogRejected(_logger, uid.Id, key, _options.Folder, reason, _options.RejectedFolder);
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        db.Add(new OutboxProcessedReport { Key = key, ProcessedAt = _time.GetUtcNow().UtcDateTime, Outcome = ReportOutcome.Rejected, Detail = Truncate(reason) });
        try
        {
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (DbUpdateException)
        {
            // Another processor rejected it first; it is moved aside all the same.
        }

        return (HandleResult.Rejected, 0, null);
    }

    private async Task<ReportOutcome?> PreviousOutcomeAsync(string key, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return await db.Set<OutboxProcessedReport>().AsNoTracking().Where(r => r.Key == key)
            .Select(r => (ReportOutcome?)r.Outcome).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Marks the report finished (seen, with <see cref="ProcessedKeyword"/>) and moves it to <paramref name="target"/> when there is one.</summary>
    private static async Task FinishAsync(IMailFolder inbox, UniqueId uid, IMailFolder? target, CancellationToken cancellationToken)
    {
        await inbox.StoreAsync(uid, new StoreFlagsRequest(StoreAction.Add, MessageFlags.Seen) { Keywords = { ProcessedKeyword }, Silent = true }, cancellationToken).ConfigureAwait(false);
        if (target is not null)
        {
            await inbox.MoveToAsync(uid, target, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<IMailFolder> FolderAsync(ImapClient client, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await client.GetFolderAsync(name, cancellationToken).ConfigureAwait(false);
        }
        catch (FolderNotFoundException)
        {
        }

        var personal = client.GetFolder(client.PersonalNamespaces[0]);
        try
        {
            return await personal.CreateAsync(name, isMessageFolder: true, cancellationToken).ConfigureAwait(false)
                ?? await client.GetFolderAsync(name, cancellationToken).ConfigureAwait(false);
        }
        catch (ImapCommandException)
        {
            // Another processor created it first; otherwise this throws FolderNotFoundException, naming the folder.
            return await client.GetFolderAsync(name, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string Truncate(string text) => text.Length <= 1000 ? text : text[..1000];

    private enum HandleResult
    {
        Recorded,
        Rejected,
        AlreadyProcessed,
    }

    [LoggerMessage(401, LogLevel.Information, "TypedMail bounce report {ReportKey}: {Kind} for {Recipient} of message <{MessageId}>, status {Status}, {Diagnostic}")]
    private static partial void LogRecorded(ILogger logger, DeliveryEventKind kind, string recipient, string messageId, string? status, string? diagnostic, string reportKey);

    [LoggerMessage(402, LogLevel.Warning, "TypedMail suppressed {Recipient}: {Reason}")]
    private static partial void LogSuppressed(ILogger logger, string recipient, string reason);

    [LoggerMessage(403, LogLevel.Warning, "TypedMail rejected the report with UID {Uid} ({ReportKey}) in folder {Folder}: {Reason}; it is moved aside to {RejectedFolder}")]
    private static partial void LogRejected(ILogger logger, uint uid, string reportKey, string folder, string reason, string rejectedFolder);
}
