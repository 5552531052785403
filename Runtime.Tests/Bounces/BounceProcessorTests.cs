using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using MailKit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using TypedMail.Bounces;
using TypedMail.Outbox;
using TypedMail.Runtime.Tests.Emails;
using TypedMail.Runtime.Tests.Infrastructure;

namespace TypedMail.Runtime.Tests.Bounces;

public sealed class BounceProcessorTestsSqlite() : BounceProcessorTests(new SqliteShop());

[Collection(PostgresCollection.Name)]
public sealed class BounceProcessorTestsPostgres(PostgresCluster cluster) : BounceProcessorTests(new PostgresShop(cluster));

/// <summary>The bounce processor against a real IMAP server (a private Dovecot) and an outbox on each database.</summary>
public abstract class BounceProcessorTests(ShopDatabase shop) : IDisposable
{
    private readonly ShopDatabase _shop = shop;
    private readonly DovecotServer _dovecot = new();
    private readonly ConcurrentQueue<string> _logs = new();

    public void Dispose()
    {
        _dovecot.Dispose();
        _shop.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Hard_bounces_and_complaints_suppress_delays_are_recorded_and_bad_reports_are_moved_aside()
    {
        var (ada, bob, cy) = (await EnqueueAsync("ada@example.com"), await EnqueueAsync("bob@example.com"), await EnqueueAsync("cy@example.com"));
        await _dovecot.AppendAsync(BounceSamples.Postfix(ada, "ada@example.com", "r1@mx.example.net"));
        await _dovecot.AppendAsync(BounceSamples.Arf(bob, "bob@example.com", "r2@mailbox.example"));
        await _dovecot.AppendAsync(BounceSamples.Gmail(cy, "cy@example.com", "r3@googlemail.com", "delayed"));
        await _dovecot.AppendAsync(BounceSamples.Garbled("r4@mx.example.net"));
        await _dovecot.AppendAsync(BounceSamples.Exchange("unknown@shop.example", "dee@example.com", "r5@contoso.com"));
        await _dovecot.AppendAsync(BounceSamples.Huge("r6@example.org", 20_000));
        await _dovecot.AppendAsync(BounceSamples.Exchange(ada, "eve@example.com", "r7@contoso.com"));

        var result = await Processor(o => o.ProcessedFolder = "Processed").ProcessAsync();

        Assert.Equal(new BounceRunResult(Recorded: 3, Rejected: 4, AlreadyProcessed: 0, Suppressed: 2), result);
        await using (var db = _shop.CreateDbContext())
        {
            var suppressions = await db.Set<OutboxSuppression>().OrderBy(s => s.Address).ToListAsync();
            Assert.Equal(["ada@example.com", "bob@example.com"], suppressions.Select(s => s.Address));
            Assert.Equal("hard bounce: 5.1.1: smtp; 550 5.1.1 <ada@example.com>: Recipient address rejected: User unknown in virtual mailbox table", suppressions[0].Reason);
            Assert.Equal("complaint: feedback-type: abuse: mail.mailbox.example", suppressions[1].Reason);

            var events = await db.Set<OutboxDeliveryEvent>().OrderBy(e => e.Recipient).ToListAsync();
            Assert.Equal(
                [("ada@example.com", DeliveryEventKind.HardBounce, "mid:r1@mx.example.net"), ("bob@example.com", DeliveryEventKind.Complaint, "mid:r2@mailbox.example"), ("cy@example.com", DeliveryEventKind.Deferred, "mid:r3@googlemail.com")],
                events.Select(e => (e.Recipient, e.Kind, e.ReportKey)));
            Assert.Equal("mx.example.com", events[0].RemoteMta);
            Assert.Equal(await db.Set<OutboxMessage>().Where(m => m.MessageId == ada).Select(m => m.Id).SingleAsync(), events[0].OutboxMessageId);
            Assert.Equal(7, await db.Set<OutboxProcessedReport>().CountAsync());
        }

        Assert.Equal(("", 0), await _dovecot.ListAsync("INBOX"));
        Assert.Equal(("r1@mx.example.net,r2@mailbox.example,r3@googlemail.com", 3), await _dovecot.ListAsync("Processed"));
        Assert.Equal(("r4@mx.example.net,r5@contoso.com,r6@example.org,r7@contoso.com", 4), await _dovecot.ListAsync("TypedMail-Rejected"));
        var logs = string.Join("\n", _logs);
        Assert.Contains("rejected the report with UID 4 (mid:r4@mx.example.net) in folder INBOX: its message/delivery-status has no per-recipient fields; it is moved aside to TypedMail-Rejected", logs);
        Assert.Contains("(mid:r5@contoso.com) in folder INBOX: it is about Message-ID <unknown@shop.example>, which is not in the outbox", logs);
        Assert.Contains("(mid:r6@example.org) in folder INBOX: it is ", logs);
        Assert.Contains("more than TypedMail:Bounces:MaxMessageSize (10000)", logs);
        Assert.Contains($"(mid:r7@contoso.com) in folder INBOX: it names recipient eve@example.com, to whom message <{ada}> was not sent", logs);
        Assert.DoesNotContain(DovecotServer.Password, logs);

        Assert.Equal(default, await Processor(o => o.ProcessedFolder = "Processed").ProcessAsync());
    }

    [Fact]
    public async Task A_report_returned_to_a_verp_address_names_the_message_and_recipient_without_the_original_headers()
    {
        Guid ada;
        Guid bob;
        await using (var db = _shop.CreateDbContext())
        {
            ada = db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "V-1", 5m), to: "ada@example.com").Id;
            bob = db.Emails().Enqueue(new OrderConfirmationEmail("Bob", "V-2", 5m), to: "bob@example.com", new EnqueueOptions { Cc = [EmailAddress.Parse("cy@example.com")] }).Id;
            await db.SaveChangesAsync();
        }

        // Ada's mail was forwarded: the DSN names only the final address, but the VERP recipient tag names her.
        var tagged = VerpAddress.Format("bounces@bounce.shop.example", ada, "ada@example.com").Address;
        await _dovecot.AppendAsync(WithoutReturnedHeaders(BounceSamples.Postfix("unused@x", "ada.lovelace@forwarded.example", "v1@mx.example.net"))
            .Replace("To: bounces@shop.example", "To: " + tagged, StringComparison.Ordinal));

        // Bob's message had two recipients: the VERP address names the message, the DSN's Final-Recipient the recipient.
        var untagged = VerpAddress.Format("bounces@bounce.shop.example", bob, null).Address;
        await _dovecot.AppendAsync(WithoutReturnedHeaders(BounceSamples.Postfix("unused@x", "cy@example.com", "v2@mx.example.net"))
            .Replace("To: bounces@shop.example", "To: " + untagged.ToUpperInvariant(), StringComparison.Ordinal));

        Assert.Equal(new BounceRunResult(2, 0, 0, 2), await Processor().ProcessAsync());
        await using (var db = _shop.CreateDbContext())
        {
            var events = await db.Set<OutboxDeliveryEvent>().OrderBy(e => e.Recipient).ToListAsync();
            Assert.Equal([(ada, "ada@example.com"), (bob, "cy@example.com")], events.Select(e => (e.OutboxMessageId, e.Recipient)));
            Assert.Equal(["ada@example.com", "cy@example.com"], await db.Set<OutboxSuppression>().OrderBy(s => s.Address).Select(s => s.Address).ToListAsync());
        }

        static string WithoutReturnedHeaders(string raw)
            => raw[..raw.IndexOf("--4F1A02C1B7.1764896400/mx.example.net\r\nContent-Description: Undelivered", StringComparison.Ordinal)]
                + "--4F1A02C1B7.1764896400/mx.example.net--\r\n";
    }

    [Fact]
    public async Task Soft_bounces_suppress_at_the_configured_count()
    {
        var first = await EnqueueAsync("cy@example.com");
        var second = await EnqueueAsync("cy@example.com");
        await _dovecot.AppendAsync(BounceSamples.Gmail(first, "cy@example.com", "s1@googlemail.com", "failed"));
        Assert.Equal(new BounceRunResult(1, 0, 0, 0), await Processor(o => o.SoftBounceLimit = 2).ProcessAsync());
        await using (var db = _shop.CreateDbContext())
        {
            Assert.False(await db.Set<OutboxSuppression>().AnyAsync());
        }

        await _dovecot.AppendAsync(BounceSamples.Gmail(second, "cy@example.com", "s2@googlemail.com", "failed"));
        Assert.Equal(new BounceRunResult(1, 0, 0, 1), await Processor(o => o.SoftBounceLimit = 2).ProcessAsync());
        await using (var db = _shop.CreateDbContext())
        {
            var suppression = await db.Set<OutboxSuppression>().SingleAsync();
            Assert.Equal("cy@example.com", suppression.Address);
            Assert.StartsWith("2 soft bounces: 4.2.2: smtp; 452-4.2.2", suppression.Reason);
        }

        // Left in place (no ProcessedFolder): seen and flagged, and not read again.
        Assert.Equal(("s1@googlemail.com,s2@googlemail.com", 2), await _dovecot.ListAsync("INBOX"));
    }

    [Fact]
    public async Task Each_report_is_processed_once_with_two_processors_and_after_a_restart()
    {
        var reports = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            var id = await EnqueueAsync($"user{i}@example.com");
            var report = $"d{i}@mx.example.net";
            reports.Add(report);
            await _dovecot.AppendAsync(BounceSamples.Postfix(id, $"user{i}@example.com", report));
        }

        var results = await Task.WhenAll(Processor().ProcessAsync(), Processor().ProcessAsync());

        Assert.Equal(8, results.Sum(r => r.Recorded));
        await using (var db = _shop.CreateDbContext())
        {
            Assert.Equal(8, await db.Set<OutboxDeliveryEvent>().CountAsync());
            Assert.Equal(8, await db.Set<OutboxSuppression>().CountAsync());
        }

        // A processor stopped after recording a report but before finishing it on the server: the next pass only finishes it.
        using (var client = await _dovecot.ConnectAsync())
        {
            await client.Inbox.OpenAsync(FolderAccess.ReadWrite);
            await client.Inbox.StoreAsync(await client.Inbox.SearchAsync(MailKit.Search.SearchQuery.All),
                new StoreFlagsRequest(StoreAction.Remove, MessageFlags.Seen) { Keywords = { BounceProcessor<ShopContext>.ProcessedKeyword } });
            await client.DisconnectAsync(true);
        }

        Assert.Equal(new BounceRunResult(0, 0, 8, 0), await Processor().ProcessAsync());
        await using (var db = _shop.CreateDbContext())
        {
            Assert.Equal(8, await db.Set<OutboxDeliveryEvent>().CountAsync());
        }

        Assert.Equal((string.Join(',', reports.Order(StringComparer.Ordinal)), 8), await _dovecot.ListAsync("INBOX"));
    }

    [Fact]
    public async Task The_bounces_command_reads_the_mailbox_once_and_a_refused_login_exits_5_without_the_password()
    {
        var ada = await EnqueueAsync("ada@example.com");
        await _dovecot.AppendAsync(BounceSamples.Exchange(ada, "ada@example.com", "c1@contoso.com"));
        string[] args = ["bounces", "--imap-host", "127.0.0.1", "--imap-port", _dovecot.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--imap-tls", "None",
            "--imap-user", DovecotServer.UserName, "--processed-folder", "Done", "--provider", _shop.Provider == "sqlite" ? "sqlite" : "postgres", "--connection", _shop.ConnectionString];

        var result = await Cli.CliRunner.RunAsync(new Dictionary<string, string> { ["TYPEDMAIL_BOUNCES_PASSWORD"] = DovecotServer.Password }, null, default, args);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("1 report(s) recorded, 0 rejected and moved aside, 0 already processed; 1 address(es) suppressed.", result.Output);
        Assert.Contains("TypedMail suppressed ada@example.com: hard bounce: 5.1.10", result.Output);
        Assert.Equal(("c1@contoso.com", 1), await _dovecot.ListAsync("Done"));

        var refused = await Cli.CliRunner.RunAsync(new Dictionary<string, string> { ["TYPEDMAIL_BOUNCES_PASSWORD"] = "wrong-Pa55" }, null, default, args);
        Assert.True(refused.ExitCode == 5, refused.ToString());
        Assert.StartsWith($"Could not read the bounce mailbox INBOX on 127.0.0.1:{_dovecot.Port} as bounces: ", refused.Error);
        Assert.DoesNotContain("wrong-Pa55", refused.ToString());

        var noPassword = await Cli.CliRunner.RunAsync(args);
        Assert.Equal(2, noPassword.ExitCode);
        Assert.Contains("set the TYPEDMAIL_BOUNCES_PASSWORD environment variable", noPassword.Error);
    }

    private BounceProcessor<ShopContext> Processor(Action<BounceOptions>? configure = null)
    {
        var options = new BounceOptions { MaxMessageSize = 10_000 };
        _dovecot.Configure(options);
        configure?.Invoke(options);
        var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new RecordingLoggerProvider(_logs)));
        return new BounceProcessor<ShopContext>(_shop, options, loggers.CreateLogger<BounceProcessor<ShopContext>>());
    }

    private async Task<string> EnqueueAsync(string to)
    {
        await using var db = _shop.CreateDbContext();
        var id = db.Emails().Enqueue(new OrderConfirmationEmail("Customer", "O-1", 5m), to: to).MessageId;
        await db.SaveChangesAsync();
        return id;
    }
}
