using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using TypedMail.Runtime.Tests.Infrastructure;

namespace TypedMail.Runtime.Tests.Mime;

public sealed class MimeFuzzTests
{
    private const int Messages = 2000;

    private static readonly string[] IdnLabels = ["b\u00fccher", "m\u00fcnchen", "\u65e5\u672c\u8a9e", "\u043f\u0440\u0438\u043c\u0435\u0440", "\u03b5\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac", "\u0645\u062b\u0627\u0644"];
    private static readonly string[] ContentTypes = ["application/pdf", "image/png", "application/octet-stream", "text/csv; charset=utf-8", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"];

    [Fact]
    public async Task Thousands_of_random_unicode_messages_parse_without_defects_and_round_trip()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("TYPEDMAIL_FUZZ_SEED"), CultureInfo.InvariantCulture, out var s) ? s : 20250715;
        var text = new RandomText(new Random(seed));
        using var check = new MimeRoundTrip();
        for (var i = 0; i < Messages; i++)
        {
            await check.AddAsync(RandomMessage(text, i));
        }

        var results = check.Check();
        Assert.Equal(Messages, results.Count);
        var failures = results.Where(r => !r.Ok).ToList();
        Assert.True(failures.Count == 0, $"seed {seed}: {failures.Count} of {Messages} random messages failed:\n" + string.Join("\n", failures.Take(10)));

        // The random messages covered every layout.
        var layouts = results.Select(r => r.Structure).ToHashSet();
        Assert.Contains("text/plain", layouts);
        Assert.Contains("multipart/alternative(text/plain,text/html)", layouts);
        Assert.Contains(layouts, l => l.Contains("multipart/related(text/html,", StringComparison.Ordinal));
        Assert.Contains(layouts, l => l.StartsWith("multipart/mixed(multipart/alternative(text/plain,multipart/related(", StringComparison.Ordinal));
    }

    private static EmailMessage RandomMessage(RandomText text, int index)
    {
        var random = text.Random;
        var html = random.Next(3) > 0 ? text.Next(3000, lineBreaks: true, controls: true) : null;
        var attachments = new List<EmailAttachment>();
        for (var a = random.Next(4) == 0 ? random.Next(1, 4) : 0; a > 0; a--)
        {
            var bytes = new byte[random.Next(0, 4000)];
            random.NextBytes(bytes);
            var contentId = html is not null && random.Next(3) == 0 ? $"part{a}.{index}@fuzz.example" : null;
            attachments.Add(new EmailAttachment(FileName(text), ContentTypes[random.Next(ContentTypes.Length)], bytes, contentId));
        }

        var headers = new List<KeyValuePair<string, string>>();
        if (random.Next(3) == 0)
        {
            headers.Add(new("X-Fuzz-Ascii", string.Join(" ", Enumerable.Range(0, random.Next(1, 30)).Select(_ => Convert.ToHexString(BitConverter.GetBytes(random.Next()))))));
        }

        if (random.Next(3) == 0)
        {
            headers.Add(new("X-Fuzz-Unicode", "\u00e9" + text.Next(200, controls: true)));
        }

        var minutes = random.Next(-12 * 4, 14 * 4 + 1) * 15;
        return new EmailMessage
        {
            From = Address(text),
            To = Enumerable.Range(0, random.Next(1, 5)).Select(_ => Address(text)).ToList(),
            Cc = Enumerable.Range(0, random.Next(3) == 0 ? random.Next(1, 4) : 0).Select(_ => Address(text)).ToList(),
            ReplyTo = random.Next(4) == 0 ? Address(text) : null,
            Subject = text.Next(random.Next(2) == 0 ? 30 : 300, controls: true),
            Date = new DateTimeOffset(1990, 1, 1, 0, 0, 0, TimeSpan.FromMinutes(minutes)).AddSeconds(random.NextInt64(0, 3_155_760_000L)),
            MessageId = $"{Guid.NewGuid():N}@fuzz.example",
            TextBody = html is null || random.Next(2) == 0 ? text.Next(3000, lineBreaks: true, controls: true) : null,
            HtmlBody = html,
            Attachments = attachments,
            Headers = headers,
        };
    }

    private static EmailAddress Address(RandomText text)
    {
        var random = text.Random;
        const string atext = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~";
        var local = random.Next(8) == 0
            ? "\"quoted " + random.Next(1000) + "\""
            : string.Join(".", Enumerable.Range(0, random.Next(1, 3)).Select(_ => new string(Enumerable.Range(0, random.Next(1, 12)).Select(_ => atext[random.Next(atext.Length)]).ToArray())));
        var domain = (random.Next(4) == 0 ? IdnLabels[random.Next(IdnLabels.Length)] : "host" + random.Next(100)) + ".example";
        string? name = random.Next(5) switch
        {
            0 => null,
            1 => "Ada Lovelace",
            _ => WithoutControls(text.Next(80)),
        };
        return new EmailAddress(local + "@" + domain, name);
    }

    private static string FileName(RandomText text)
    {
        var name = WithoutControls(text.Next(120)).Trim();
        return (name.Length == 0 ? "file" : name) + (text.Random.Next(2) == 0 ? ".pdf" : "");
    }

    private static string WithoutControls(string value) => new(value.Where(c => c >= ' ' && c != '\x7F').ToArray());
}
