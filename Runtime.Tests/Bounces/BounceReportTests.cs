using System;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.Extensions.Logging;
using MimeKit;
using TypedMail.Bounces;
using TypedMail.Runtime.Tests.Infrastructure;

namespace TypedMail.Runtime.Tests.Bounces;

/// <summary>Reading reports (no server needed) and checking the processor's options.</summary>
public sealed class BounceReportTests
{
    public static TheoryData<string, DeliveryEventKind, string?, string> Shapes() => new()
    {
        { "postfix", DeliveryEventKind.HardBounce, "5.1.1", "smtp; 550 5.1.1 <ada@example.com>: Recipient address rejected: User unknown in virtual mailbox table" },
        { "exchange", DeliveryEventKind.HardBounce, "5.1.10", "smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup" },
        { "gmail-failed", DeliveryEventKind.SoftBounce, "4.2.2", "smtp; 452-4.2.2 The recipient's inbox is out of storage space. 452 4.2.2 Please direct the recipient to https://support.google.com/mail/?p=OverQuotaTemp" },
        { "gmail-delayed", DeliveryEventKind.Deferred, "4.2.2", "smtp; 452-4.2.2 The recipient's inbox is out of storage space. 452 4.2.2 Please direct the recipient to https://support.google.com/mail/?p=OverQuotaTemp" },
        { "arf", DeliveryEventKind.Complaint, null, "feedback-type: abuse" },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Reads_the_report_shapes_of_postfix_exchange_gmail_and_arf(string shape, DeliveryEventKind kind, string? status, string diagnostic)
    {
        var report = BounceReport.Parse(Load(Sample(shape, "orig-1@shop.example", "Ada@Example.com", "report-1@mx.example.net")));

        Assert.Equal("orig-1@shop.example", report.OriginalMessageId);
        var recipient = Assert.Single(report.Recipients);
        Assert.Equal("ada@example.com", recipient.Addresses[0]);
        Assert.Equal(kind, recipient.Kind);
        Assert.Equal(status, recipient.Status);
        Assert.Equal(diagnostic.Replace("ada@example.com", "Ada@Example.com", StringComparison.Ordinal), recipient.Diagnostic);
    }

    [Fact]
    public void A_report_that_is_not_usable_says_why()
    {
        Assert.Equal("its message/delivery-status has no per-recipient fields",
            Assert.Throws<BounceReportException>(() => BounceReport.Parse(Load(BounceSamples.Garbled("g@x")))).Message);
        Assert.Equal("it is not a multipart/report but text/plain",
            Assert.Throws<BounceReportException>(() => BounceReport.Parse(Load(BounceSamples.Huge("h@x", 10)))).Message);
        var noHeaders = BounceSamples.Postfix("o@x", "ada@example.com", "r@x");
        noHeaders = noHeaders[..noHeaders.IndexOf("--4F1A02C1B7.1764896400/mx.example.net\r\nContent-Description: Undelivered", StringComparison.Ordinal)];
        Assert.Equal("it was not returned to a VERP address and does not return the original message's headers with a Message-ID",
            Assert.Throws<BounceReportException>(() => BounceReport.Parse(Load(noHeaders))).Message);
    }

    [Fact]
    public void Invalid_options_name_the_setting_and_never_show_the_password()
    {
        using var shop = new SqliteShop();
        var options = new BounceOptions { Host = "imap.example.com", Port = 0, UserName = "bounces", Password = "hunter2-secret", SoftBounceLimit = 0 };
        var error = Assert.Throws<ArgumentException>(() => new BounceProcessor<ShopContext>(shop, options, new LoggerFactory().CreateLogger<BounceProcessor<ShopContext>>()));
        Assert.Equal("BounceOptions.Port must be between 1 and 65535, but is 0.", error.Message);
        Assert.Equal(
            ["Port must be between 1 and 65535, but is 0", "SoftBounceLimit must be at least 1, or left out to never suppress for soft bounces, but is 0"],
            options.Problems().Select(p => $"{p.Setting} {p.Rule}, but is {p.Value}"));
        options.Password = null;
        Assert.Contains(("Password", "missing", "must be set when Host is"), options.Problems());
    }

    private static string Sample(string shape, string original, string recipient, string report) => shape switch
    {
        "postfix" => BounceSamples.Postfix(original, recipient, report),
        "exchange" => BounceSamples.Exchange(original, recipient, report),
        "gmail-failed" => BounceSamples.Gmail(original, recipient, report, "failed"),
        "gmail-delayed" => BounceSamples.Gmail(original, recipient, report, "delayed"),
        _ => BounceSamples.Arf(original, recipient, report),
    };

    private static MimeMessage Load(string raw) => MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(raw)));
}
