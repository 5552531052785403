using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using TypedMail.Mime;
using TypedMail.Runtime.Tests.Infrastructure;

namespace TypedMail.Runtime.Tests.Mime;

public sealed class MimeMessageBuilderTests : IDisposable
{
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52, 0xFF, 0x00, 0x2E, 0x0A];

    private readonly MimeRoundTrip _check = new();

    public void Dispose() => _check.Dispose();

    internal static EmailMessage Message(
        string? text = "Hello Ada,\nyour order shipped.\n",
        string? html = null,
        string subject = "Your order",
        IReadOnlyList<EmailAttachment>? attachments = null,
        IReadOnlyList<KeyValuePair<string, string>>? headers = null,
        string messageId = "0198c1d2e3f4@shop.example.com",
        EmailAddress? from = null,
        IReadOnlyList<EmailAddress>? to = null)
        => new()
        {
            From = from ?? new EmailAddress("shop@example.com", "Shop"),
            To = to ?? [new EmailAddress("ada@example.com", "Ada Lovelace")],
            Subject = subject,
            Date = new DateTimeOffset(2025, 7, 15, 10, 30, 5, TimeSpan.FromHours(2)),
            MessageId = messageId,
            TextBody = text,
            HtmlBody = html,
            Attachments = attachments ?? [],
            Headers = headers ?? [],
        };

    internal static async Task<string> WriteAsync(EmailMessage message)
    {
        using var stream = new MemoryStream();
        await message.WriteToAsync(stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    [Fact]
    public async Task Each_body_combination_has_the_expected_structure_and_round_trips()
    {
        var pdf = new EmailAttachment("invoice.pdf", "application/pdf", Encoding.ASCII.GetBytes("%PDF-1.7\n%\u00e2\u00e3\n"));
        var logo = new EmailAttachment("logo.png", "image/png", Png, contentId: "logo@shop.example.com");
        await _check.AddAsync(Message(), "text/plain");
        await _check.AddAsync(Message(text: null, html: "<p>Hello</p>"), "text/html");
        await _check.AddAsync(Message(text: null, html: null), "text/plain");
        await _check.AddAsync(Message(html: "<p>Hello</p>"), "multipart/alternative(text/plain,text/html)");
        await _check.AddAsync(Message(attachments: [pdf]), "multipart/mixed(text/plain,application/pdf)");
        await _check.AddAsync(
            Message(html: "<img src=\"cid:logo@shop.example.com\">", attachments: [logo]),
            "multipart/alternative(text/plain,multipart/related(text/html,image/png))");
        await _check.AddAsync(
            Message(text: null, html: "<img src=\"cid:logo@shop.example.com\">", attachments: [logo, pdf]),
            "multipart/mixed(multipart/related(text/html,image/png),application/pdf)");
        await _check.AddAsync(
            Message(html: "<img src=\"cid:logo@shop.example.com\">", attachments: [pdf, logo]),
            "multipart/mixed(multipart/alternative(text/plain,multipart/related(text/html,image/png)),application/pdf)");
        // An inline part without an HTML body to show it is attached like any other.
        await _check.AddAsync(Message(attachments: [logo]), "multipart/mixed(text/plain,image/png)");

        _check.AssertAllPass(9);
    }

    [Theory]
    [InlineData("Hello")]
    [InlineData("Hello\n")]
    [InlineData("Hello\r\n\r\n")]
    [InlineData("\n")]
    [InlineData("")]
    [InlineData("trailing space \nand tab\t")]
    [InlineData(".starts with a dot\n.\n..\nFrom the start\n")]
    [InlineData("=3D is not an escape, and = alone is not either =")]
    public async Task Body_line_breaks_round_trip_exactly_in_single_and_multipart_messages(string body)
    {
        await _check.AddAsync(Message(text: body));
        await _check.AddAsync(Message(text: null, html: body));
        await _check.AddAsync(Message(text: body, html: body));
        await _check.AddAsync(Message(text: body, html: body + "x", attachments: [new EmailAttachment("a.txt", "text/plain; charset=utf-8", Encoding.UTF8.GetBytes(body))]));
        _check.AssertAllPass(4);
    }

    [Fact]
    public async Task Long_lines_are_wrapped_within_the_limits_and_round_trip()
    {
        var longLine = string.Concat(Enumerable.Repeat("0123456789 abcdefghij\u00e9", 500));
        var longWord = new string('x', 5000);
        var subject = string.Join(" ", Enumerable.Repeat("word", 60));
        await _check.AddAsync(Message(text: longLine, html: longWord, subject: subject));
        _check.AssertAllPass(1);

        var raw = await WriteAsync(Message(text: longLine, html: longWord, subject: subject));
        Assert.All(raw.Split("\r\n"), line => Assert.True(line.Length <= 78, $"line of {line.Length}: {line}"));
    }

    [Fact]
    public async Task Non_ascii_names_subjects_and_file_names_are_encoded_and_round_trip()
    {
        var attachment = new EmailAttachment("Rechnung f\u00fcr M\u00e4rz \u20ac 2025 \u2014 \u65e5\u672c\u8a9e\u306e\u30d5\u30a1\u30a4\u30eb\u540d\u304c\u3068\u3066\u3082\u9577\u3044\u5834\u5408.pdf", "application/pdf", new byte[] { 1, 2, 3 });
        var message = Message(
            subject: "\u00dcber Ihre Bestellung \u2014 \u8a02\u55ae\u78ba\u8a8d \ud83d\udce6 with a fairly long tail that needs more than one encoded-word",
            from: new EmailAddress("shop@example.com", "B\u00fccher & Co. \u201cDer Laden\u201d"),
            to: [new EmailAddress("ada@b\u00fccher.example", "\u0410\u0434\u0430 \u041b\u0430\u0432\u043b\u0435\u0439\u0441"), new EmailAddress("\"john doe\"@example.com", "Doe, John")],
            attachments: [attachment]);
        await _check.AddAsync(message);
        _check.AssertAllPass(1);

        var raw = await WriteAsync(message);
        Assert.Contains("Subject: =?utf-8?B?", raw);
        Assert.Contains("<ada@xn--bcher-kva.example>", raw);
        Assert.Contains("\"Doe, John\" <\"john doe\"@example.com>", raw);
        Assert.Contains("filename*0*=utf-8''Rechnung%20f%C3%BCr%20M%C3%A4rz", raw);
        Assert.True(Ascii.IsValid(raw), "a message without non-ASCII local parts is 7-bit");
    }

    [Fact]
    public async Task Header_lines_are_folded_at_78()
    {
        var to = Enumerable.Range(0, 12).Select(i => new EmailAddress($"user{i}@example.com", $"User Number {i}")).ToList();
        var message = Message(
            to: to,
            subject: "A subject that is long enough that it has to be folded over more than one line of the header",
            headers: [new("X-Campaign", "summer sale 2025 with a long value that goes on and on until it folds twice over")]);
        var raw = await WriteAsync(message);
        var header = raw[..raw.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
        Assert.All(header.Split("\r\n"), line => Assert.True(line.Length <= 78, $"header line of {line.Length}: {line}"));
        Assert.Contains("\r\n ", header);
        await _check.AddAsync(message);
        _check.AssertAllPass(1);
    }

    [Fact]
    public async Task An_ascii_extra_field_is_never_encoded_even_when_a_token_is_long()
    {
        var url = "<https://shop.example.com/unsubscribe?token=" + new string('a', 90) + ">";
        var raw = await WriteAsync(Message(headers: [new("List-Unsubscribe", url), new("X-Note", "sch\u00f6n")]));
        Assert.Contains("List-Unsubscribe: " + url + "\r\n", raw);
        Assert.Contains("X-Note: =?utf-8?B?c2Now7Zu?=\r\n", raw);
    }

    [Fact]
    public async Task Quoted_printable_or_base64_is_chosen_per_part()
    {
        var japanese = string.Concat(Enumerable.Repeat("\u65e5\u672c\u8a9e\u306e\u672c\u6587\u3067\u3059\u3002\n", 20));
        var raw = await WriteAsync(Message(text: "Mostly ASCII, with one \u00e9.", html: japanese, attachments: [new EmailAttachment("a.bin", "application/octet-stream", new byte[] { 0, 1 })]));
        var parts = raw.Split("--=_");
        Assert.Contains(parts, p => p.Contains("text/plain") && p.Contains("Content-Transfer-Encoding: quoted-printable"));
        Assert.Contains(parts, p => p.Contains("text/html") && p.Contains("Content-Transfer-Encoding: base64"));
        Assert.Contains(parts, p => p.Contains("application/octet-stream") && p.Contains("Content-Transfer-Encoding: base64"));
    }

    [Fact]
    public async Task The_same_message_gives_the_same_bytes_and_boundaries_come_from_the_message_id()
    {
        var attachment = new EmailAttachment("a.pdf", "application/pdf", new byte[] { 1, 2, 3 });
        var first = await WriteAsync(Message(html: "<p>x</p>", attachments: [attachment]));
        var again = await WriteAsync(Message(html: "<p>x</p>", attachments: [attachment]));
        var other = await WriteAsync(Message(html: "<p>x</p>", attachments: [attachment], messageId: "other@shop.example.com"));
        Assert.Equal(first, again);
        Assert.NotEqual(Boundaries(first), Boundaries(other));
        Assert.Equal(2, Boundaries(first).Count);

        static List<string> Boundaries(string raw)
            => raw.Split("boundary=\"").Skip(1).Select(s => s[..s.IndexOf('"')]).ToList();
    }

    [Theory]
    [InlineData("Subject", "Hi\r\nBcc: victim@example.com")]
    [InlineData("Subject", "Hi\nthere")]
    [InlineData("X-Custom", "value\rinjected")]
    public async Task A_line_break_in_a_header_value_is_an_error_naming_the_field_and_value(string field, string value)
    {
        var message = field == "Subject" ? Message(subject: value) : Message(headers: [new(field, value)]);
        using var stream = new MemoryStream();
        var ex = await Assert.ThrowsAsync<MessageFormatException>(() => message.WriteToAsync(stream));
        Assert.Equal(field, ex.Field);
        Assert.Equal(value, ex.Value);
        Assert.Contains(field, ex.Message);
        Assert.Equal(0, stream.Length);
    }

    [Theory]
    [InlineData("From", "written from the message's own properties")]
    [InlineData("Return-Path", "written from the message's own properties")]
    [InlineData("DKIM-Signature", "written from the message's own properties")]
    [InlineData("content-type", "written from the message's own properties")]
    [InlineData("Bad Name", "without spaces")]
    [InlineData("Bad:Name", "without spaces")]
    [InlineData("", "1 to 76")]
    public async Task Invalid_or_reserved_header_names_are_rejected(string name, string reason)
    {
        using var stream = new MemoryStream();
        var ex = await Assert.ThrowsAsync<MessageFormatException>(() => Message(headers: [new(name, "v")]).WriteToAsync(stream));
        Assert.Equal("Header name", ex.Field);
        Assert.Equal(name, ex.Value);
        Assert.Contains(reason, ex.Message);
        Assert.Equal(0, stream.Length);
    }

    [Theory]
    [InlineData("no-at-sign")]
    [InlineData("two@at@signs")]
    [InlineData("<bracketed@example.com>")]
    [InlineData("spa ce@example.com")]
    public async Task An_invalid_message_id_is_rejected(string messageId)
    {
        using var stream = new MemoryStream();
        var ex = await Assert.ThrowsAsync<MessageFormatException>(() => Message(messageId: messageId).WriteToAsync(stream));
        Assert.Equal("Message-ID", ex.Field);
        Assert.Equal(messageId, ex.Value);
        Assert.Equal(0, stream.Length);
    }

    [Fact]
    public async Task Unpaired_surrogates_are_rejected_before_anything_is_written()
    {
        using var stream = new MemoryStream();
        var body = await Assert.ThrowsAsync<MessageFormatException>(() => Message(html: "<p>ok</p>" + new string('x', 100) + "\ud800 then more").WriteToAsync(stream));
        Assert.Equal("HtmlBody", body.Field);
        Assert.Contains("index 109", body.Message);
        var subject = await Assert.ThrowsAsync<MessageFormatException>(() => Message(subject: "bad \udc00").WriteToAsync(stream));
        Assert.Equal("Subject", subject.Field);
        var file = await Assert.ThrowsAsync<MessageFormatException>(() => Message(attachments: [new EmailAttachment("a\ud800.txt", "text/plain", new byte[1])]).WriteToAsync(stream));
        Assert.Contains("surrogate", file.Message);
        Assert.Equal(0, stream.Length);
    }

    [Theory]
    [InlineData("application/pdf")]
    [InlineData("text/csv; charset=utf-8")]
    [InlineData("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")]
    [InlineData("text/plain; name=\"a b.txt\"")]
    public async Task A_valid_attachment_content_type_is_written_as_given(string contentType)
    {
        var raw = await WriteAsync(Message(attachments: [new EmailAttachment("a.bin", contentType, new byte[] { 1 })]));
        Assert.Contains("Content-Type: " + contentType + "\r\n", raw);
    }

    [Theory]
    [InlineData("pdf", "type/subtype")]
    [InlineData("application/", "type/subtype")]
    [InlineData("/pdf", "type/subtype")]
    [InlineData("text/plain; charset", "type/subtype")]
    [InlineData("text/plain; =utf-8", "type/subtype")]
    [InlineData("text/plain\r\nBcc: victim@example.com", "printable ASCII")]
    [InlineData("t\u00e9xt/plain", "printable ASCII")]
    [InlineData("multipart/mixed; boundary=x", "built by TypedMail")]
    [InlineData("message/rfc822", "built by TypedMail")]
    public void An_invalid_attachment_content_type_is_rejected_naming_it(string contentType, string reason)
    {
        var ex = Assert.Throws<ArgumentException>(() => new EmailAttachment("a.bin", contentType, new byte[] { 1 }));
        Assert.Equal("contentType", ex.ParamName);
        Assert.Contains(contentType, ex.Message);
        Assert.Contains(reason, ex.Message);
    }

    [Fact]
    public async Task Duplicate_content_ids_are_rejected()
    {
        var a = new EmailAttachment("a.png", "image/png", Png, "logo");
        var b = new EmailAttachment("b.png", "image/png", Png, "logo");
        var ex = await Assert.ThrowsAsync<MessageFormatException>(() => WriteAsync(Message(html: "<p/>", attachments: [a, b])));
        Assert.Equal("Content-ID", ex.Field);
        Assert.Equal("logo", ex.Value);
    }

    [Fact]
    public async Task A_non_ascii_local_part_is_written_as_utf8_and_flagged_for_smtputf8()
    {
        var message = Message(to: [new EmailAddress("\u00e9l\u00e8ve@\u00e9cole.example", "\u00c9l\u00e8ve")]);
        Assert.True(MimeMessageBuilder.RequiresSmtpUtf8(message));
        Assert.False(MimeMessageBuilder.RequiresSmtpUtf8(Message(to: [new EmailAddress("ada@\u00e9cole.example", "\u00c9l\u00e8ve")])));

        var raw = await WriteAsync(message);
        Assert.Contains("<\u00e9l\u00e8ve@xn--cole-9oa.example>", raw);

        // RFC 6532 allows UTF-8 here, but Python's email package has no RFC 6532 parsing: it reports a non-ASCII
        // local part as NonASCIILocalPartDefect (and, read as bytes, UndecodableBytesDefect). Those, on the To
        // field, are the only problems allowed; everything else round-trips.
        await _check.AddAsync(message);
        var result = Assert.Single(_check.Check(allow8BitHeaders: true));
        Assert.NotEmpty(result.Problems);
        Assert.All(result.Problems, p => Assert.Matches("^ERROR header-defect: To: (NonASCIILocalPartDefect|UndecodableBytesDefect):", p));
    }
}
