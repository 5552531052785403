using System.IO;
using System.Linq;
using System.Text;
using TypedMail.Runtime.Tests.Infrastructure;

namespace TypedMail.Runtime.Tests.Mime;

/// <summary>The independent check is only proof if it fails broken messages: these are written by hand.</summary>
public sealed class MimeCheckerTests
{
    private const string Head = "Date: Tue, 15 Jul 2025 10:30:05 +0200\r\nFrom: Shop <shop@example.com>\r\nTo: ada@example.com\r\nSubject: x\r\nMessage-ID: <a@b.example>\r\nMIME-Version: 1.0\r\n";

    [Theory]
    [InlineData("bare-lf", Head + "Content-Type: text/plain; charset=utf-8\r\n\r\nline\nline\r\n")]
    [InlineData("line-too-long", Head + "Content-Type: text/plain; charset=utf-8\r\n\r\n{long}\r\n")]
    [InlineData("8bit-header", "Date: Tue, 15 Jul 2025 10:30:05 +0200\r\nFrom: Sh\u00f6p <shop@example.com>\r\nMessage-ID: <a@b.example>\r\n\r\nx\r\n")]
    [InlineData("mime-defect", Head + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nno closing boundary\r\n")]
    [InlineData("InvalidBase64", Head + "Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nQUJD!!!=\r\n")]
    [InlineData("header-defect", "Date: Tue, 15 Jul 2025 10:30:05 +0200\r\nFrom: Shop <shop@example.com>,\r\n <broken@>\r\nMessage-ID: <a@b.example>\r\n\r\nx\r\n")]
    public void A_broken_message_fails_the_check(string problem, string message)
    {
        using var check = new MimeRoundTrip();
        File.WriteAllBytes(Path.Combine(check.Folder, "broken.eml"), Encoding.UTF8.GetBytes(message.Replace("{long}", new string('x', 1200))));
        var result = Assert.Single(check.Check());
        Assert.False(result.Ok);
        Assert.Contains(result.Problems, p => p.Contains(problem));
    }

    [Fact]
    public void A_wrong_round_trip_fails_the_check()
    {
        using var check = new MimeRoundTrip();
        var message = MimeMessageBuilderTests.Message();
        File.WriteAllText(Path.Combine(check.Folder, "wrong.eml"), Head + "Content-Type: text/plain; charset=utf-8\r\n\r\nHello Ada,\r\nyour order shipped.\r\n");
        MimeRoundTrip.WriteManifest(Path.Combine(check.Folder, "wrong.json"), message);
        var result = Assert.Single(check.Check());
        Assert.False(result.Ok);
        Assert.Contains(result.Problems, p => p.StartsWith("to:", System.StringComparison.Ordinal));
        Assert.Contains(result.Problems, p => p.StartsWith("subject:", System.StringComparison.Ordinal));
        Assert.DoesNotContain(result.Problems, p => p.StartsWith("text:", System.StringComparison.Ordinal));
    }
}
