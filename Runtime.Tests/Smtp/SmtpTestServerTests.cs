using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TypedMail.Runtime.Tests.Infrastructure;
using TypedMail.Runtime.Tests.Mime;
using TypedMail.Smtp;
using TypedMail.Transports;
using static TypedMail.Runtime.Tests.Smtp.SmtpScript;

namespace TypedMail.Runtime.Tests.Smtp;

/// <summary>Against Infrastructure/smtp_test_server.py (aiosmtpd): chosen rejections, and implicit TLS.</summary>
public sealed class SmtpTestServerTests : IClassFixture<SmtpTestServerTests.Server>
{
    private readonly Server _server;

    public SmtpTestServerTests(Server server) => _server = server;

    public sealed class Server : IDisposable
    {
        public TestSmtpServer Plain { get; } = new();

        public void Dispose() => Plain.Dispose();
    }

    private SmtpTransport Transport() => new(SmtpSinkTests.For(_server.Plain, poolSize: 2));

    [Fact]
    public async Task Each_recipient_gets_the_servers_verdict_with_its_enhanced_status()
    {
        await using var transport = Transport();
        var result = Assert.Single(await transport.SendAsync([Email(1, "reject5.a@example.com", "reject4.b@example.com", "ok@example.com")], CancellationToken.None));
        Assert.Equal(DeliveryStatus.Accepted, result.Status);
        Assert.Equal(
            [
                (DeliveryStatus.PermanentFailure, 550, "5.1.1"),
                (DeliveryStatus.TransientFailure, 451, "4.2.1"),
                (DeliveryStatus.Accepted, 250, "2.0.0"),
            ],
            result.Recipients.Select(r => (r.Status, r.Reply!.Code, r.Reply.EnhancedStatus)));
    }

    [Fact]
    public async Task Rejections_of_the_sender_of_every_recipient_and_of_the_content_are_reported_and_the_connection_goes_on()
    {
        await using var transport = Transport();
        var sender = Email(1);
        sender = new OutgoingEmail(sender.OutboxId, new EmailMessage
        {
            From = new EmailAddress("reject-sender@example.com"),
            To = sender.Message.To,
            Subject = "s",
            Date = sender.Message.Date,
            MessageId = "s1@example.com",
            TextBody = "x",
        }, sender.Recipients);
        var results = await transport.SendAsync(
            [sender, Email(2, "reject5@example.com", "reject4@example.com"), WithHeader(Email(3), "554"), WithHeader(Email(4), "451"), Email(5)],
            CancellationToken.None);

        Assert.Equal((DeliveryStatus.PermanentFailure, 553, "5.7.1"), (results[0].Status, results[0].Reply!.Code, results[0].Reply!.EnhancedStatus));
        Assert.Equal(DeliveryStatus.TransientFailure, results[1].Status);
        Assert.Equal((DeliveryStatus.PermanentFailure, 554, "5.6.0"), (results[2].Status, results[2].Reply!.Code, results[2].Reply!.EnhancedStatus));
        Assert.Equal((DeliveryStatus.TransientFailure, 451, "4.3.0"), (results[3].Status, results[3].Reply!.Code, results[3].Reply!.EnhancedStatus));
        Assert.Equal(DeliveryStatus.Accepted, results[4].Status);

        static OutgoingEmail WithHeader(OutgoingEmail email, string code) => new(email.OutboxId, new EmailMessage
        {
            From = email.Message.From,
            To = email.Message.To,
            Subject = email.Message.Subject,
            Date = email.Message.Date,
            MessageId = email.Message.MessageId,
            TextBody = email.Message.TextBody,
            Headers = [new("X-Test-Reject", code)],
        }, email.Recipients);
    }

    [Fact]
    public async Task Implicit_tls_delivers_the_exact_bytes()
    {
        using var certificate = new TestCertificate();
        using var server = new TestSmtpServer(certificate);
        var email = Email(1);
        await using (var transport = new SmtpTransport(new SmtpOptions
        {
            Host = "localhost",
            Port = server.Port,
            TlsMode = SmtpTlsMode.Implicit,
            ServerCertificateValidation = certificate.Trust,
        }))
        {
            Assert.Equal(DeliveryStatus.Accepted, Assert.Single(await transport.SendAsync([email], CancellationToken.None)).Status);
        }

        var saved = Assert.Single(Directory.GetFiles(server.MailFolder, "*.eml"));
        Assert.Equal(WireForm(email), Encoding.UTF8.GetString(await File.ReadAllBytesAsync(saved)));
        var (exit, output) = MimeCheck.Run(saved);
        Assert.True(exit == 0, output);
    }

    [Fact]
    public async Task Xoauth2_asks_the_provider_again_when_the_server_refuses_an_expired_token_and_no_token_is_logged()
    {
        using var certificate = new TestCertificate();
        using var server = new TestSmtpServer(certificate, "--oauth2", "mailer@example.com", "fresh-token-8d41");
        var asked = new List<bool>();
        var provider = new SmtpAccessTokenProvider((user, forceRefresh, _) =>
        {
            Assert.Equal("mailer@example.com", user);
            asked.Add(forceRefresh);
            return ValueTask.FromResult(forceRefresh ? "fresh-token-8d41" : "expired-token-51c2");
        });
        using var logs = new RecordingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        var email = Email(1);
        await using (var transport = new SmtpTransport(
            new SmtpOptions
            {
                Host = "localhost",
                Port = server.Port,
                TlsMode = SmtpTlsMode.Implicit,
                ServerCertificateValidation = certificate.Trust,
                UserName = "mailer@example.com",
                AccessTokenProvider = provider,
            },
            factory.CreateLogger<SmtpTransport>()))
        {
            var result = Assert.Single(await transport.SendAsync([email], CancellationToken.None));
            Assert.Equal((DeliveryStatus.Accepted, 250, "2.0.0", "Queued"), (result.Status, result.Reply!.Code, result.Reply.EnhancedStatus, result.Reply.Text));
        }

        Assert.Equal([false, true], asked);
        Assert.Equal(["expired-token-51c2", "fresh-token-8d41"], server.PresentedTokens());
        Assert.Equal([email.Message.MessageId], server.Accepted().Select(a => a.MessageId));
        var everything = string.Join("\n", logs.Lines);
        Assert.Contains("SMTP C: AUTH XOAUTH2 ********", everything);
        foreach (var secret in AiosmtpdTests.Secrets("mailer@example.com", "expired-token-51c2").Concat(AiosmtpdTests.Secrets("mailer@example.com", "fresh-token-8d41")))
        {
            Assert.DoesNotContain(secret, everything);
        }
    }

    [Fact]
    public async Task A_token_refused_twice_fails_the_messages_for_now()
    {
        using var certificate = new TestCertificate();
        using var server = new TestSmtpServer(certificate, "--oauth2", "mailer@example.com", "the-right-one");
        await using var transport = new SmtpTransport(new SmtpOptions
        {
            Host = "localhost",
            Port = server.Port,
            TlsMode = SmtpTlsMode.Implicit,
            ServerCertificateValidation = certificate.Trust,
            UserName = "mailer@example.com",
            AccessTokenProvider = new SmtpAccessTokenProvider((_, _, _) => ValueTask.FromResult("revoked")),
        });
        var result = Assert.Single(await transport.SendAsync([Email(1)], CancellationToken.None));
        Assert.Equal(DeliveryStatus.TransientFailure, result.Status);
        Assert.Contains("535", result.Error);
        Assert.Equal(["revoked", "revoked"], server.PresentedTokens());
        Assert.Empty(server.Accepted());
    }

    [Fact]
    public async Task Requiretls_goes_only_to_a_server_that_offers_it()
    {
        using var certificate = new TestCertificate();
        using var offering = new TestSmtpServer(certificate, "--requiretls");
        using var lacking = new TestSmtpServer(certificate);
        SmtpOptions Options(LoopbackServer server) => new()
        {
            Host = "localhost",
            Port = server.Port,
            TlsMode = SmtpTlsMode.Implicit,
            ServerCertificateValidation = certificate.Trust,
            RequireTls = true,
        };

        var email = Email(1);
        await using (var transport = new SmtpTransport(Options(offering)))
        {
            Assert.Equal(DeliveryStatus.Accepted, Assert.Single(await transport.SendAsync([email], CancellationToken.None)).Status);
        }

        Assert.Equal([(email.Message.MessageId, "REQUIRETLS")], offering.Deliveries().Select(d => (d.MessageId, string.Join(' ', d.MailParameters))));

        await using (var transport = new SmtpTransport(Options(lacking)))
        {
            var result = Assert.Single(await transport.SendAsync([Email(2)], CancellationToken.None));
            Assert.Equal(DeliveryStatus.TransientFailure, result.Status);
            Assert.Contains("does not offer REQUIRETLS", result.Error);
        }

        Assert.Empty(lacking.Accepted());
    }

    [Fact]
    public async Task Messages_sent_over_smtp_are_dkim_signed_over_the_bytes_the_server_receives()
    {
        DkimTestKey[] keys = [DkimTestKey.Create("example.com", "mail2026", DkimAlgorithm.Ed25519Sha256), DkimTestKey.Create("b\u00fccher.example", "s1", DkimAlgorithm.RsaSha256)];
        using var server = new TestSmtpServer();
        EmailMessage[] messages =
        [
            MimeMessageBuilderTests.Message(
                html: "<p>Hello <b>Ada</b></p>",
                attachments: [new EmailAttachment("Rechnung M\u00e4rz.pdf", "application/pdf", Encoding.ASCII.GetBytes("%PDF-1.7\r\n.\r\n"))],
                messageId: "attachment@shop.example.com"),
            MimeMessageBuilderTests.Message(
                text: ".Gr\u00fc\u00dfe aus M\u00fcnchen \u2615\n",
                subject: "\u00dcber Ihre Bestellung \ud83d\udce6",
                from: new EmailAddress("laden@b\u00fccher.example", "B\u00fccher & Co."),
                messageId: "unicode@shop.example.com"),
        ];
        await using (var transport = new SmtpTransport(SmtpSinkTests.For(server, poolSize: 1), new DkimOptions { Keys = keys.Select(k => k.ToOptions()).ToList() }, null))
        {
            var results = await transport.SendAsync(messages.Select(m => new OutgoingEmail(Guid.NewGuid(), m, m.To)).ToList(), CancellationToken.None);
            Assert.All(results, r => Assert.Equal(DeliveryStatus.Accepted, r.Status));
        }

        var saved = Directory.GetFiles(server.MailFolder, "*.eml").Order().ToArray();
        Assert.Equal(2, saved.Length);
        var verified = DkimVerifier.Verify(keys, saved);
        Assert.All(saved, f => Assert.True(verified[f].Ok && verified[f].Signatures == 1, $"{Path.GetFileName(f)} did not verify:\n{verified[f].Log}"));
        var (exit, output) = MimeCheck.Run(saved);
        Assert.True(exit == 0, output);
    }
}
