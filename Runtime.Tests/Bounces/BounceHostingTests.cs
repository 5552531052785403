using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TypedMail.Bounces;
using TypedMail.Outbox;
using TypedMail.Runtime.Tests.Emails;
using TypedMail.Runtime.Tests.Hosting;
using TypedMail.Runtime.Tests.Infrastructure;

namespace TypedMail.Runtime.Tests.Bounces;

/// <summary>The hosted bounce processor beside the hosted dispatcher: a relay (aiosmtpd) and a bounce mailbox (Dovecot).</summary>
public sealed class BounceHostingTests : IDisposable
{
    private readonly SqliteShop _shop = new();

    public void Dispose() => _shop.Dispose();

    /// <summary>
    /// The whole loop through a real envelope: the relay records MAIL FROM and RCPT TO, the envelope sender is the VERP
    /// address, and the DSN is written from that envelope alone (no Message-ID to fall back on), so the mapping is VERP's.
    /// </summary>
    [Fact]
    public async Task A_bounced_address_is_suppressed_and_the_next_email_to_it_is_recorded_as_suppressed_and_not_sent()
    {
        using var relay = new TestSmtpServer();
        using var dovecot = new DovecotServer();
        var logs = new ConcurrentQueue<string>();
        // Hosted over ShopContext, not HostedShopContext: the hosting tests count commits through that type.
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["TypedMail:Transport"] = "Smtp",
            ["TypedMail:Smtp:Host"] = "127.0.0.1",
            ["TypedMail:Smtp:Port"] = relay.Port.ToString(CultureInfo.InvariantCulture),
            ["TypedMail:Smtp:TlsMode"] = "None",
            ["TypedMail:Dispatcher:PollInterval"] = "00:00:00.100",
            ["TypedMail:DefaultFrom"] = "Shop <shop@example.com>",
            ["TypedMail:BounceAddress"] = "bounces@bounce.example.com",
            ["TypedMail:Bounces:Host"] = "127.0.0.1",
            ["TypedMail:Bounces:Port"] = dovecot.Port.ToString(CultureInfo.InvariantCulture),
            ["TypedMail:Bounces:TlsMode"] = "None",
            ["TypedMail:Bounces:UserName"] = DovecotServer.UserName,
            ["TypedMail:Bounces:Password"] = DovecotServer.Password,
            ["TypedMail:Bounces:ProcessedFolder"] = "Processed",
            ["TypedMail:Bounces:PollInterval"] = "00:00:00.200",
        });
        builder.Services.AddDbContextFactory<ShopContext>(o => o.UseSqlite(_shop.ConnectionString));
        builder.Services.AddTypedMail<ShopContext>(builder.Configuration.GetSection("TypedMail"));
        builder.Logging.SetMinimumLevel(LogLevel.Trace).AddProvider(new RecordingLoggerProvider(logs));
        using var host = builder.Build();
        await host.StartAsync();
        var contexts = host.Services.GetRequiredService<IDbContextFactory<ShopContext>>();

        EnqueuedEmail enqueued;
        await using (var db = await contexts.CreateDbContextAsync())
        {
            enqueued = db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "B-1", 5m), to: "Ada <ada@example.com>");
            await db.SaveChangesAsync();
        }

        var first = enqueued.MessageId;
        await Eventually.True(() => Task.FromResult(relay.Accepted().Any(a => a.MessageId == first)), "the relay to accept the first message");
        var envelope = relay.Deliveries().Single(d => d.MessageId == first);
        Assert.Equal(["ada@example.com"], envelope.Recipients);
        Assert.StartsWith("bounces+", envelope.MailFrom, StringComparison.Ordinal);
        Assert.EndsWith("@bounce.example.com", envelope.MailFrom, StringComparison.Ordinal);
        Assert.True(VerpAddress.TryParse(envelope.MailFrom, out var verp), envelope.MailFrom);
        Assert.Equal(enqueued.Id, verp.OutboxId);
        Assert.True(verp.Names("ada@example.com"));

        // The relay accepted it; the next hop refused the recipient: its DSN goes to the envelope sender, built from the
        // recorded envelope only, and names the original message nowhere else.
        var dsn = BounceSamples.FromEnvelope(envelope.MailFrom, envelope.Recipients.Single(), "bounce-1@relay.example.net");
        Assert.DoesNotContain(first, dsn, StringComparison.Ordinal);
        Assert.DoesNotContain(enqueued.Id.ToString("D"), dsn, StringComparison.Ordinal);
        await dovecot.AppendAsync(dsn);
        await Eventually.True(async () =>
        {
            await using var db = await contexts.CreateDbContextAsync();
            return await db.Set<OutboxSuppression>().AnyAsync(s => s.Address == "ada@example.com");
        }, "the hosted bounce processor to suppress ada@example.com");

        string second;
        await using (var db = await contexts.CreateDbContextAsync())
        {
            second = db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "B-2", 5m), to: "ada@example.com").MessageId;
            await db.SaveChangesAsync();
        }

        OutboxMessage? next = null;
        await Eventually.True(async () =>
        {
            await using var db = await contexts.CreateDbContextAsync();
            next = await db.Set<OutboxMessage>().Include(m => m.Recipients).SingleAsync(m => m.MessageId == second);
            return next.State == OutboxMessageState.Failed;
        }, "the second message to fail as suppressed");
        await host.StopAsync();

        var recipient = Assert.Single(next!.Recipients);
        Assert.Equal(RecipientState.Suppressed, recipient.State);
        Assert.StartsWith("suppressed: hard bounce: 5.1.1", recipient.ReplyText);
        Assert.Equal([first], relay.Accepted().Select(a => a.MessageId));
        Assert.Equal(("bounce-1@relay.example.net", 1), await dovecot.ListAsync("Processed"));
        Assert.DoesNotContain(DovecotServer.Password, string.Join("\n", logs));
    }

    [Fact]
    public async Task Invalid_bounce_settings_stop_the_host_naming_each_and_never_showing_the_password()
    {
        var settings = HostedShop.Settings(_shop);
        settings["TypedMail:Bounces:Host"] = "imap.example.com";
        settings["TypedMail:Bounces:Port"] = "70000";
        settings["TypedMail:Bounces:Password"] = DovecotServer.Password;
        settings["TypedMail:Bounces:PollInterval"] = "00:00:00";
        var authorities = Path.Combine(Path.GetTempPath(), "typedmail-tests", "no-certificate-" + Guid.NewGuid().ToString("N") + ".pem");
        Directory.CreateDirectory(Path.GetDirectoryName(authorities)!);
        File.WriteAllText(authorities, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        settings["TypedMail:Bounces:TrustedCertificateAuthoritiesFile"] = authorities;
        using var host = HostedShop.Builder(_shop, settings).Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Equal(
            [
                "TypedMail:Bounces:Port must be between 1 and 65535, but is 70000.",
                $"TypedMail:Bounces:TrustedCertificateAuthoritiesFile must hold at least one PEM certificate (-----BEGIN CERTIFICATE-----), but is '{authorities}'.",
                "TypedMail:Bounces:UserName must be set when Host is, but is missing.",
                "TypedMail:Bounces:PollInterval must be longer than zero, but is 00:00:00.",
            ],
            error.Failures);
        Assert.DoesNotContain(DovecotServer.Password, error.Message);
        File.Delete(authorities);
    }
}
