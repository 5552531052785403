using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TypedMail.Outbox;
using TypedMail.Runtime.Tests.Emails;
using TypedMail.Runtime.Tests.Hosting;
using TypedMail.Runtime.Tests.Infrastructure;
using TypedMail.Transports;

namespace TypedMail.Runtime.Tests.Mime;

/// <summary>DKIM signatures made by the transports, checked by an independent verifier (python3-dkim).</summary>
public sealed class DkimTests : IDisposable
{
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52];

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "typedmail-tests", "dkim-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    /// <summary>Text, HTML and text, attachments with an inline part, and non-ASCII headers from an internationalized domain.</summary>
    private static List<EmailMessage> Messages() =>
    [
        MimeMessageBuilderTests.Message(messageId: "text@shop.example.com"),
        MimeMessageBuilderTests.Message(html: "<p>Hello <b>Ada</b></p>", messageId: "html@shop.example.com"),
        MimeMessageBuilderTests.Message(
            html: "<img src=\"cid:logo@shop.example.com\"> invoice attached",
            attachments:
            [
                new EmailAttachment("logo.png", "image/png", Png, "logo@shop.example.com"),
                new EmailAttachment("Rechnung M\u00e4rz.pdf", "application/pdf", Encoding.ASCII.GetBytes("%PDF-1.7\n%\u00e2\u00e3\n")),
            ],
            messageId: "attachments@shop.example.com"),
        MimeMessageBuilderTests.Message(
            text: "Gr\u00fc\u00dfe aus M\u00fcnchen \u2615\n",
            subject: "\u00dcber Ihre Bestellung \u2014 \u8a02\u55ae\u78ba\u8a8d \ud83d\udce6",
            from: new EmailAddress("laden@b\u00fccher.example", "B\u00fccher & Co."),
            to: [new EmailAddress("ada@m\u00fcnchen.example", "\u0410\u0434\u0430 \u041b\u0430\u0432\u043b\u0435\u0439\u0441")],
            headers: [new("X-Note", "sch\u00f6n"), new("List-Unsubscribe", "<https://shop.example.com/unsubscribe?u=1>"), new("Keywords", "order, shipped")],
            messageId: "unicode@shop.example.com"),
    ];

    [Theory]
    [InlineData(DkimAlgorithm.RsaSha256, "rsa-sha256")]
    [InlineData(DkimAlgorithm.Ed25519Sha256, "ed25519-sha256")]
    public async Task Messages_the_pickup_transport_writes_are_signed_and_verify_independently(DkimAlgorithm algorithm, string tag)
    {
        DkimTestKey[] keys = [DkimTestKey.Create("example.com", "mail2026", algorithm), DkimTestKey.Create("b\u00fccher.example", "s1", algorithm)];
        var transport = new PickupFolderTransport(_folder, new DkimOptions { Keys = keys.Select(k => k.ToOptions()).ToList() });
        var messages = Messages();

        var results = await transport.SendAsync(messages.Select(m => new OutgoingEmail(Guid.NewGuid(), m, m.To)).ToList(), CancellationToken.None);

        Assert.All(results, r => Assert.Equal(DeliveryStatus.Accepted, r.Status));
        var files = messages.Select(m => transport.PathFor(m.MessageId)).ToArray();
        var verified = DkimVerifier.Verify(keys, files);
        Assert.All(files, f => Assert.True(verified[f].Ok, $"{Path.GetFileName(f)} did not verify:\n{verified[f].Log}\n{File.ReadAllText(f)}"));
        foreach (var file in files)
        {
            var raw = File.ReadAllText(file);
            Assert.StartsWith("DKIM-Signature: v=1; a=" + tag + ";", raw);
            Assert.Contains("c=relaxed/relaxed;", raw);
        }

        Assert.Contains("d=xn--bcher-kva.example; s=s1;", File.ReadAllText(files[3]));
        var (exitCode, output) = MimeCheck.Run(_folder);
        Assert.True(exitCode == 0, output);
    }

    [Fact]
    public async Task A_domain_with_an_rsa_and_an_ed25519_key_gets_two_signatures_that_both_verify()
    {
        DkimTestKey[] keys = [DkimTestKey.Create("example.com", "rsa2026", DkimAlgorithm.RsaSha256), DkimTestKey.Create("example.com", "ed2026", DkimAlgorithm.Ed25519Sha256)];
        var transport = new PickupFolderTransport(_folder, new DkimOptions { Keys = keys.Select(k => k.ToOptions()).ToList() });
        var message = Messages()[2];
        await transport.SendAsync([new OutgoingEmail(Guid.NewGuid(), message, message.To)], CancellationToken.None);
        var file = transport.PathFor(message.MessageId);

        var verified = DkimVerifier.Verify(keys, file);

        Assert.True(verified[file].Ok, verified[file].Log);
        Assert.Equal(2, verified[file].Signatures);
    }

    [Fact]
    public async Task Keys_made_with_openssl_as_the_docs_show_sign_messages_that_verify()
    {
        Directory.CreateDirectory(_folder);
        var rsaFile = Path.Combine(_folder, "dkim-mail2026.pem");
        var edFile = Path.Combine(_folder, "dkim-ed2026.pem");
        // The commands of docs/messages.md, "Make a key".
        var rsaPublic = Shell($"openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out {rsaFile} && openssl pkey -in {rsaFile} -pubout -outform DER | base64 -w0");
        var edPublic = Shell($"openssl genpkey -algorithm ED25519 -out {edFile} && openssl pkey -in {edFile} -pubout -outform DER | tail -c 32 | base64");
        DkimTestKey[] keys =
        [
            new("example.com", "mail2026", DkimAlgorithm.RsaSha256, File.ReadAllText(rsaFile), "v=DKIM1; k=rsa; p=" + rsaPublic),
            new("example.com", "ed2026", DkimAlgorithm.Ed25519Sha256, File.ReadAllText(edFile), "v=DKIM1; k=ed25519; p=" + edPublic),
        ];
        var dkim = new DkimOptions
        {
            Keys =
            [
                new DkimKey { Domain = "example.com", Selector = "mail2026", Algorithm = DkimAlgorithm.RsaSha256, PrivateKeyFile = rsaFile },
                new DkimKey { Domain = "example.com", Selector = "ed2026", Algorithm = DkimAlgorithm.Ed25519Sha256, PrivateKeyFile = edFile },
            ],
        };
        var transport = new PickupFolderTransport(_folder, dkim);
        var message = Messages()[1];
        await transport.SendAsync([new OutgoingEmail(Guid.NewGuid(), message, message.To)], CancellationToken.None);
        var file = transport.PathFor(message.MessageId);

        var verified = DkimVerifier.Verify(keys, file);

        Assert.True(verified[file].Ok, verified[file].Log);
        Assert.Equal(2, verified[file].Signatures);

        static string Shell(string command)
        {
            var start = new System.Diagnostics.ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add("set -o pipefail; " + command);
            using var process = System.Diagnostics.Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"{command} failed: {error.Result}");
            return output.Result.Trim();
        }
    }

    [Fact]
    public async Task A_message_altered_after_signing_fails_verification()
    {
        var key = DkimTestKey.Create("example.com", "mail2026", DkimAlgorithm.Ed25519Sha256);
        var transport = new PickupFolderTransport(_folder, new DkimOptions { Keys = [key.ToOptions()] });
        var message = Messages()[2];
        await transport.SendAsync([new OutgoingEmail(Guid.NewGuid(), message, message.To)], CancellationToken.None);
        var signed = File.ReadAllText(transport.PathFor(message.MessageId));

        var variants = new Dictionary<string, string>
        {
            ["original"] = signed,
            ["body"] = signed.Replace("your order shipped.", "your order shipped!", StringComparison.Ordinal),
            ["subject"] = signed.Replace("Subject: Your order", "Subject: Your 0rder", StringComparison.Ordinal),
            ["added-reply-to"] = signed.Replace("\r\nSubject:", "\r\nReply-To: thief@evil.example\r\nSubject:", StringComparison.Ordinal),
            ["attachment"] = signed.Replace("JVBERi0xLjcK", "JVBERi0xLjgK", StringComparison.Ordinal),
        };
        var files = variants.ToDictionary(v => v.Key, v => Path.Combine(_folder, v.Key + ".eml"));
        foreach (var (name, text) in variants)
        {
            Assert.True(name == "original" || text != signed, $"the {name} alteration changed nothing");
            File.WriteAllText(files[name], text);
        }

        var verified = DkimVerifier.Verify([key], files.Values.ToArray());
        Assert.True(verified[files["original"]].Ok, verified[files["original"]].Log);
        Assert.All(variants.Keys.Where(k => k != "original"), k => Assert.False(verified[files[k]].Ok, $"the {k} alteration still verified"));
    }

    [Fact]
    public async Task A_message_from_a_domain_without_a_key_is_not_signed_and_a_retry_signs_the_same_body()
    {
        var key = DkimTestKey.Create("example.com", "mail2026", DkimAlgorithm.RsaSha256);
        var transport = new PickupFolderTransport(_folder, new DkimOptions { Keys = [key.ToOptions()] });
        var other = MimeMessageBuilderTests.Message(from: new EmailAddress("news@other.example"), messageId: "other@other.example");
        var signed = Messages()[1];
        await transport.SendAsync([new OutgoingEmail(Guid.NewGuid(), other, other.To), new OutgoingEmail(Guid.NewGuid(), signed, signed.To)], CancellationToken.None);
        var first = File.ReadAllText(transport.PathFor(signed.MessageId));
        await transport.SendAsync([new OutgoingEmail(Guid.NewGuid(), signed, signed.To)], CancellationToken.None);
        var retry = File.ReadAllText(transport.PathFor(signed.MessageId));

        Assert.DoesNotContain("DKIM-Signature", File.ReadAllText(transport.PathFor(other.MessageId)));
        // Only the signature's timestamp and value may differ: everything signed is byte-identical.
        Assert.Equal(AfterSignature(first), AfterSignature(retry));
        Assert.Equal(BodyHash(first), BodyHash(retry));

        static string AfterSignature(string raw) => raw[raw.IndexOf("\r\nDate:", StringComparison.Ordinal)..];

        static string BodyHash(string raw) => raw[raw.IndexOf("bh=", StringComparison.Ordinal)..].Split(';')[0];
    }

    [Fact]
    public void Invalid_keys_are_rejected_naming_the_setting_and_never_showing_a_private_key()
    {
        var ed25519 = DkimTestKey.Create("example.com", "s", DkimAlgorithm.Ed25519Sha256);
        const string secret = "-----BEGIN PRIVATE KEY-----\nTOPSECRETbutnotakey\n-----END PRIVATE KEY-----\n";
        var options = new DkimOptions
        {
            Keys =
            [
                new DkimKey { Domain = "example.com", Selector = "bad selector", PrivateKey = ed25519.PrivateKeyPem, Algorithm = DkimAlgorithm.Ed25519Sha256 },
                new DkimKey { Domain = "not a domain", Selector = "s", PrivateKey = ed25519.PrivateKeyPem, Algorithm = DkimAlgorithm.Ed25519Sha256 },
                new DkimKey { Domain = "shop.example", Selector = "s", PrivateKey = secret },
                new DkimKey { Domain = "rsa.example", Selector = "s", PrivateKey = ed25519.PrivateKeyPem, Algorithm = DkimAlgorithm.RsaSha256 },
                new DkimKey { Domain = "file.example", Selector = "s", PrivateKeyFile = "/nonexistent/dkim.pem" },
                new DkimKey { Domain = "none.example", Selector = "s" },
                new DkimKey { Domain = "EXAMPLE.com", Selector = "S", PrivateKey = ed25519.PrivateKeyPem, Algorithm = DkimAlgorithm.Ed25519Sha256 },
                new DkimKey { Domain = "example.com", Selector = "s", PrivateKey = ed25519.PrivateKeyPem, Algorithm = DkimAlgorithm.Ed25519Sha256 },
            ],
        };

        var problems = options.Problems().Select(p => $"{p.Setting} {p.Rule} (was {p.Value})").ToList();

        string[] expected =
            [
                "Keys:0:Selector must be one or more DNS labels of ASCII letters, digits and hyphens, separated by dots (was 'bad selector')",
                "Keys:1:Domain must be a domain name such as example.com (was 'not a domain')",
                "Keys:2:PrivateKey must hold an unencrypted PEM private key (-----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----) (was (not shown))",
                "Keys:3:PrivateKey must be an RSA key, as Algorithm is RsaSha256 (was (not shown))",
                "Keys:4:PrivateKeyFile must name a file that can be read (was '/nonexistent/dkim.pem')",
                "Keys:5:PrivateKey or PrivateKeyFile must be set (was missing)",
                "Keys:7:Selector must differ from the other keys of example.com, and Keys:6 has it already (was 's')",
            ];
        Assert.Equal(expected.Length, problems.Count);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], problems[i]);
        }

        var ex = Assert.Throws<ArgumentException>(options.Validate);
        Assert.StartsWith("DkimOptions.Keys:0:Selector", ex.Message);
        Assert.Throws<ArgumentException>(() => new PickupFolderTransport(_folder, options));
        Assert.DoesNotContain(problems, p => p.Contains("TOPSECRET", StringComparison.Ordinal) || p.Contains(ed25519.PrivateKeyPem[30..60], StringComparison.Ordinal));
    }

    [Fact]
    public async Task Hosting_binds_TypedMail_Dkim_validates_it_by_path_and_signs_what_the_dispatcher_writes()
    {
        using var shop = new SqliteShop();
        var key = DkimTestKey.Create("example.com", "mail2026", DkimAlgorithm.RsaSha256);
        var keyFile = Path.Combine(shop.Folder, "dkim.pem");
        File.WriteAllText(keyFile, key.PrivateKeyPem);
        try
        {
            var bad = HostedShop.Settings(shop);
            bad["TypedMail:Dkim:Keys:0:Domain"] = "example.com";
            bad["TypedMail:Dkim:Keys:0:Selector"] = "-bad";
            bad["TypedMail:Dkim:Keys:0:PrivateKey"] = "not a key";
            using (var host = HostedShop.Builder(shop, bad).Build())
            {
                var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
                Assert.Equal(
                    [
                        "TypedMail:Dkim:Keys:0:Selector must be one or more DNS labels of ASCII letters, digits and hyphens, separated by dots, but is '-bad'.",
                    ],
                    error.Failures);
            }

            var settings = HostedShop.Settings(shop);
            settings["TypedMail:Dkim:Keys:0:Domain"] = "example.com";
            settings["TypedMail:Dkim:Keys:0:Selector"] = "mail2026";
            settings["TypedMail:Dkim:Keys:0:Algorithm"] = "RsaSha256";
            settings["TypedMail:Dkim:Keys:0:PrivateKeyFile"] = keyFile;
            using var good = HostedShop.Builder(shop, settings).Build();
            await good.StartAsync();
            await using (var db = await good.Services.GetRequiredService<IDbContextFactory<HostedShopContext>>().CreateDbContextAsync())
            {
                db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "D-1", 1m), to: "ada@example.com", new EnqueueOptions { From = "shop@example.com" });
                await db.SaveChangesAsync();
            }

            await Eventually.True(() => Task.FromResult(Directory.Exists(shop.PickupFolder) && Directory.GetFiles(shop.PickupFolder, "*.eml").Length == 1), "the hosted dispatcher wrote the message");
            await good.StopAsync();
            var file = Assert.Single(Directory.GetFiles(shop.PickupFolder, "*.eml"));
            var verified = DkimVerifier.Verify([key], file);
            Assert.True(verified[file].Ok, verified[file].Log);
        }
        finally
        {
            File.Delete(keyFile);
        }
    }
}
