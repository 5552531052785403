using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using MailKit.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using TypedMail.Bounces;
using TypedMail.Outbox;
using TypedMail.Runtime.Tests.Emails;
using TypedMail.Runtime.Tests.Infrastructure;

namespace TypedMail.Runtime.Tests.Bounces;

/// <summary>
/// The bounce processor over TLS to a Dovecot whose certificate a private test CA issued: it trusts that CA only when
/// told to (<see cref="BounceOptions.TrustedCertificateAuthoritiesFile"/>), and refuses the server otherwise.
/// </summary>
public sealed class BounceTlsTests : IDisposable
{
    private readonly SqliteShop _shop = new();
    private readonly DovecotServer _dovecot = new();
    private readonly ConcurrentQueue<string> _logs = new();

    public void Dispose()
    {
        _dovecot.Dispose();
        _shop.Dispose();
    }

    [Theory]
    [InlineData(BounceMailboxTlsMode.Implicit)]
    [InlineData(BounceMailboxTlsMode.StartTls)]
    public async Task Reads_the_mailbox_over_tls_trusting_the_configured_authority(BounceMailboxTlsMode mode)
    {
        var ada = await EnqueueAsync("ada@example.com");
        await _dovecot.AppendAsync(BounceSamples.Postfix(ada, "ada@example.com", "t1@mx.example.net"));

        var result = await Processor(mode, _dovecot.AuthorityPath).ProcessAsync();

        Assert.Equal(new BounceRunResult(Recorded: 1, Rejected: 0, AlreadyProcessed: 0, Suppressed: 1), result);
        await using var db = _shop.CreateDbContext();
        Assert.Equal("ada@example.com", (await db.Set<OutboxSuppression>().SingleAsync()).Address);
        // The processor's login was over TLS (Dovecot logs ", TLS," for it); the fixture's own plain logins are not.
        var logins = _dovecot.Log.Split('\n').Where(l => l.Contains("Login: user=<bounces>", StringComparison.Ordinal)).ToList();
        Assert.Single(logins, l => l.Contains(", TLS, ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Refuses_a_server_whose_certificate_no_trusted_authority_issued_and_reads_nothing()
    {
        var ada = await EnqueueAsync("ada@example.com");
        await _dovecot.AppendAsync(BounceSamples.Postfix(ada, "ada@example.com", "t2@mx.example.net"));
        using var other = new TestCertificate();

        // The system's trust store alone, and another authority: both refuse the test CA's certificate.
        var system = await Assert.ThrowsAsync<SslHandshakeException>(() => Processor(BounceMailboxTlsMode.Implicit, null).ProcessAsync());
        var unrelated = await Assert.ThrowsAsync<SslHandshakeException>(() => Processor(BounceMailboxTlsMode.StartTls, other.CertificatePath).ProcessAsync());

        foreach (var error in new[] { system, unrelated })
        {
            Assert.StartsWith($"The bounce mailbox server localhost:{(error == system ? _dovecot.TlsPort : _dovecot.Port)} is not trusted: its certificate (CN=localhost, issued by CN=TypedMail Test CA, SHA-256 ", error.Message, StringComparison.Ordinal);
            Assert.Contains("unable to get local issuer certificate", error.Message, StringComparison.Ordinal);
            Assert.EndsWith("trust that authority with BounceOptions.TrustedCertificateAuthoritiesFile (TypedMail:Bounces:TrustedCertificateAuthoritiesFile).", error.Message, StringComparison.Ordinal);
            Assert.IsType<SslHandshakeException>(error.InnerException);
        }

        Assert.Equal(("t2@mx.example.net", 0), await _dovecot.ListAsync("INBOX"));
        await using var db = _shop.CreateDbContext();
        Assert.False(await db.Set<OutboxSuppression>().AnyAsync());
    }

    [Fact]
    public async Task The_bounces_command_trusts_the_authority_it_is_given_and_exits_5_naming_the_untrusted_certificate_otherwise()
    {
        var ada = await EnqueueAsync("ada@example.com");
        await _dovecot.AppendAsync(BounceSamples.Postfix(ada, "ada@example.com", "t3@mx.example.net"));
        string[] args = ["bounces", "--imap-host", "localhost", "--imap-port", _dovecot.TlsPort.ToString(CultureInfo.InvariantCulture), "--imap-tls", "Implicit",
            "--imap-user", DovecotServer.UserName, "--provider", "sqlite", "--connection", _shop.ConnectionString];
        var password = new Dictionary<string, string> { ["TYPEDMAIL_BOUNCES_PASSWORD"] = DovecotServer.Password };

        var refused = await Cli.CliRunner.RunAsync(password, null, default, args);
        Assert.True(refused.ExitCode == 5, refused.ToString());
        Assert.StartsWith($"Could not read the bounce mailbox INBOX on localhost:{_dovecot.TlsPort} as bounces: The bounce mailbox server localhost:{_dovecot.TlsPort} is not trusted: its certificate (CN=localhost, issued by CN=TypedMail Test CA", refused.Error);
        Assert.Equal(("t3@mx.example.net", 0), await _dovecot.ListAsync("INBOX"));

        var trusted = await Cli.CliRunner.RunAsync(password, null, default, [.. args, "--imap-ca-file", _dovecot.AuthorityPath]);
        Assert.True(trusted.ExitCode == 0, trusted.ToString());
        Assert.Contains("1 report(s) recorded, 0 rejected and moved aside, 0 already processed; 1 address(es) suppressed.", trusted.Output);
    }

    [Fact]
    public void Authorities_file_that_is_missing_or_holds_no_certificate_names_the_setting()
    {
        var empty = Path.Combine(_dovecot.Folder, "empty.pem");
        File.WriteAllText(empty, "not a certificate\n");
        var missing = Path.Combine(_dovecot.Folder, "missing.pem");

        Assert.Equal(
            $"BounceOptions.TrustedCertificateAuthoritiesFile must hold at least one PEM certificate (-----BEGIN CERTIFICATE-----), but is '{empty}'.",
            Assert.Throws<ArgumentException>(() => Processor(BounceMailboxTlsMode.Implicit, empty)).Message);
        Assert.StartsWith(
            "BounceOptions.TrustedCertificateAuthoritiesFile must be a readable PEM file of CA certificates (FileNotFoundException: ",
            Assert.Throws<ArgumentException>(() => Processor(BounceMailboxTlsMode.Implicit, missing)).Message);
        Assert.Equal(
            $"BounceOptions.TrustedCertificateAuthoritiesFile needs TlsMode StartTls or Implicit: without TLS no certificate is checked, but is '{_dovecot.AuthorityPath}'.",
            Assert.Throws<ArgumentException>(() => Processor(BounceMailboxTlsMode.None, _dovecot.AuthorityPath)).Message);
    }

    private BounceProcessor<ShopContext> Processor(BounceMailboxTlsMode mode, string? authorities)
    {
        var options = new BounceOptions();
        _dovecot.Configure(options);
        options.Host = "localhost";
        options.TlsMode = mode;
        options.Port = mode == BounceMailboxTlsMode.Implicit ? _dovecot.TlsPort : _dovecot.Port;
        options.TrustedCertificateAuthoritiesFile = authorities;
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
