using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using TypedMail.Runtime.Tests.Infrastructure;
using TypedMail.Runtime.Tests.Mime;
using TypedMail.Smtp;
using TypedMail.Transports;
using static TypedMail.Runtime.Tests.Smtp.SmtpScript;

namespace TypedMail.Runtime.Tests.Smtp;

/// <summary>Against aiosmtpd: STARTTLS with a certificate the test made, AUTH, and the exact bytes the server received.</summary>
public sealed class AiosmtpdTests : IDisposable
{
    private readonly TestCertificate _certificate = new();

    public void Dispose() => _certificate.Dispose();

    private SmtpOptions Secure(LoopbackServer server) => new()
    {
        Host = "localhost",
        Port = server.Port,
        TlsMode = SmtpTlsMode.StartTls,
        ServerCertificateValidation = _certificate.Trust,
        UserName = "ada",
        Password = "open sesame",
        PoolSize = 1,
    };

    [Fact]
    public async Task Over_required_starttls_and_auth_the_server_receives_exactly_the_bytes_written()
    {
        using var server = new AiosmtpdPeer(_certificate, "--auth", "ada:open sesame", "--require-tls", "--require-auth");
        var png = new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x2E, 0x0D, 0x0A, 0x2E };
        var messages = new[]
        {
            MimeMessageBuilderTests.Message(),
            MimeMessageBuilderTests.Message(text: ".leading dot\n..two\n.\nend", html: "<p>caf\u00e9 \u2615</p>", subject: "Caf\u00e9 \u2615 order", messageId: "m2@shop.example.com"),
            MimeMessageBuilderTests.Message(
                html: "<img src=\"cid:logo@shop\">",
                attachments: [new EmailAttachment("logo.png", "image/png", png, "logo@shop"), new EmailAttachment("R\u00e9sum\u00e9 f\u00fcr Ada.pdf", "application/pdf", Encoding.ASCII.GetBytes("%PDF\r\n.\r\n"))],
                headers: [new(".Dotted-Field", "leading dot in a field name")],
                messageId: "m3@shop.example.com"),
        };
        var batch = messages.Select(m => new OutgoingEmail(Guid.NewGuid(), m, m.To)).ToList();

        await using (var transport = new SmtpTransport(Secure(server)))
        {
            var results = await transport.SendAsync(batch, CancellationToken.None);
            Assert.All(results, r => Assert.Equal((DeliveryStatus.Accepted, 250, "2.0.0"), (r.Status, r.Reply!.Code, r.Reply.EnhancedStatus)));
        }

        var saved = Directory.GetFiles(server.MailFolder, "*.eml").Order().ToList();
        Assert.Equal(3, saved.Count);
        for (var i = 0; i < saved.Count; i++)
        {
            Assert.Equal(WireForm(batch[i]), Encoding.UTF8.GetString(await File.ReadAllBytesAsync(saved[i])));
            MimeRoundTrip.WriteManifest(Path.ChangeExtension(saved[i], ".json"), messages[i]);
        }

        var check = MimeRoundTrip.Check(server.MailFolder);
        Assert.True(check.All(r => r.Ok), string.Join("\n", check));
        var (exit, output) = MimeCheck.Run(saved.ToArray());
        Assert.True(exit == 0, output);
    }

    [Fact]
    public async Task The_certificate_is_validated_by_default()
    {
        using var server = new AiosmtpdPeer(_certificate);
        var options = Secure(server);
        options.ServerCertificateValidation = null;
        options.UserName = options.Password = null;
        await using var transport = new SmtpTransport(options);
        await Assert.ThrowsAsync<SslHandshakeException>(() => transport.VerifyConnectionAsync(CancellationToken.None));

        var result = Assert.Single(await transport.SendAsync([Email(1)], CancellationToken.None));
        Assert.Equal(DeliveryStatus.TransientFailure, result.Status);
        Assert.Contains("certificate", result.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(Directory.Exists(server.MailFolder) ? Directory.GetFiles(server.MailFolder) : []);
    }

    [Fact]
    public async Task Wrong_credentials_are_a_535_that_never_shows_the_password_in_any_log_line()
    {
        using var server = new AiosmtpdPeer(_certificate, "--auth", "ada:open sesame");
        var options = Secure(server);
        options.Password = "wrong horse battery";
        using var logs = new RecordingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        await using var transport = new SmtpTransport(options, factory.CreateLogger<SmtpTransport>());
        var ex = await Assert.ThrowsAsync<MailKit.Security.AuthenticationException>(() => transport.VerifyConnectionAsync(CancellationToken.None));
        Assert.DoesNotContain("wrong horse", ex.Message);

        var result = Assert.Single(await transport.SendAsync([Email(1)], CancellationToken.None));
        Assert.Equal(DeliveryStatus.TransientFailure, result.Status);
        Assert.Contains("535", result.Error);
        Assert.DoesNotContain("wrong horse", result.Error);
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes("\0ada\0wrong horse battery")), result.Error);

        // The protocol log ran (AUTH is there, redacted), and no line at any level holds the password in any form.
        var everything = string.Join("\n", logs.Lines);
        Assert.Contains("SMTP C: AUTH ", everything);
        Assert.Contains("********", everything);
        foreach (var secret in Secrets("ada", "wrong horse battery"))
        {
            Assert.DoesNotContain(secret, everything);
        }
    }

    /// <summary>A secret as it could leak: plain, and in the base64 forms AUTH PLAIN, LOGIN and XOAUTH2 send.</summary>
    internal static IEnumerable<string> Secrets(string user, string secret) =>
    [
        secret,
        Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)),
        Convert.ToBase64String(Encoding.UTF8.GetBytes("\0" + user + "\0" + secret)),
        Convert.ToBase64String(Encoding.UTF8.GetBytes("user=" + user + "\u0001auth=Bearer " + secret + "\u0001\u0001")),
    ];

    [Fact]
    public async Task A_non_ascii_local_part_goes_through_with_smtputf8()
    {
        using var server = new AiosmtpdPeer(_certificate, "--smtputf8");
        var options = Secure(server);
        options.UserName = options.Password = null;
        var email = Email(1, "\u00e9l\u00e8ve@\u00e9cole.example");
        await using (var transport = new SmtpTransport(options))
        {
            Assert.Equal(DeliveryStatus.Accepted, Assert.Single(await transport.SendAsync([email], CancellationToken.None)).Status);
        }

        var saved = Assert.Single(Directory.GetFiles(server.MailFolder, "*.eml"));
        Assert.Equal(WireForm(email), Encoding.UTF8.GetString(await File.ReadAllBytesAsync(saved)));
    }
}
