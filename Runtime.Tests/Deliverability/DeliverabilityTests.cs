using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using TypedMail.Deliverability;
using TypedMail.Dispatch;
using TypedMail.Outbox;
using TypedMail.Runtime.Tests.Emails;
using TypedMail.Runtime.Tests.Infrastructure;
using TypedMail.Transports;

namespace TypedMail.Runtime.Tests.Deliverability;

/// <summary>Headers, tags and metadata at enqueue and per email type, the VERP envelope, one-click headers, and category suppression.</summary>
public sealed class DeliverabilityTests : IDisposable
{
    private readonly SqliteShop _shop = new();
    private readonly ManualClock _clock = new(new DateTimeOffset(2030, 1, 1, 12, 0, 0, TimeSpan.Zero));

    public void Dispose() => _shop.Dispose();

    private ShopContext Db() => _shop.CreateDbContext(o =>
    {
        o.TimeProvider = _clock;
        o.BounceAddress = "bounces@bounce.example.com";
        o.Unsubscribe = UnsubscribeTokensTests.Options();
    });

    private async Task<Guid> EnqueueAsync(Func<EmailOutbox, EnqueuedEmail> enqueue)
    {
        await using var db = Db();
        var id = enqueue(db.Emails()).Id;
        await db.SaveChangesAsync();
        return id;
    }

    private async Task<List<OutgoingEmail>> DispatchAsync()
    {
        var transport = new ScriptedTransport();
        await new OutboxDispatcher<ShopContext>(_shop, transport, new DispatcherOptions(), timeProvider: _clock).DispatchDueAsync();
        return [.. transport.Sent];
    }

    private static async Task<string> WireAsync(OutgoingEmail email)
    {
        using var buffer = new MemoryStream();
        await email.Message.WriteToAsync(buffer);
        return Encoding.ASCII.GetString(buffer.ToArray());
    }

    [Fact]
    public async Task Type_and_enqueue_headers_tags_and_one_click_unsubscribe_reach_the_wire()
    {
        var id = await EnqueueAsync(o => o.Enqueue(new NewsletterEmail("Ada"), to: "ada@example.com", new EnqueueOptions
        {
            Headers = new Dictionary<string, string> { ["X-Campaign"] = "autumn", ["X-Priority"] = "3" },
            Tags = ["spring-2030", "newsletter"],
            Metadata = new Dictionary<string, string> { ["customer"] = "42" },
        }));

        var email = Assert.Single(await DispatchAsync());
        var wire = await WireAsync(email);
        Assert.Contains("\r\nX-Campaign: autumn\r\n", wire);
        Assert.DoesNotContain("spring\r\n", wire);
        Assert.Contains("\r\nX-Priority: 3\r\n", wire);
        Assert.Contains($"\r\nX-TypedMail-Id: {id:D}\r\n", wire);
        Assert.Contains("\r\nX-TypedMail-Tags: newsletter, spring-2030\r\n", wire);
        Assert.Contains("\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n", wire);

        var unsubscribe = email.Message.Headers.Single(h => h.Key == "List-Unsubscribe").Value;
        Assert.StartsWith("<https://shop.example.com/typedmail/unsubscribe?token=k1.", unsubscribe, StringComparison.Ordinal);
        Assert.Contains(">, <mailto:unsubscribe@shop.example.com?subject=unsubscribe%20k1.", unsubscribe, StringComparison.Ordinal);
        var token = unsubscribe[(unsubscribe.IndexOf("token=", StringComparison.Ordinal) + 6)..unsubscribe.IndexOf('>')];
        Assert.Equal(UnsubscribeTokenError.None, new UnsubscribeTokens(UnsubscribeTokensTests.Options(), _clock).Validate(token, out var request));
        Assert.Equal(("ada@example.com", "newsletter"), (request!.Address, request.Category));

        await using var db = Db();
        var row = await db.Set<OutboxMessage>().SingleAsync(m => m.Id == id);
        Assert.Equal(("newsletter", "newsletter,spring-2030", "{\"customer\":\"42\"}"), (row.Category, row.Tags, row.Metadata));
    }

    [Fact]
    public async Task Verp_envelope_names_the_message_and_its_only_recipient()
    {
        var single = await EnqueueAsync(o => o.Enqueue(new OrderConfirmationEmail("Ada", "A-1", 1m), to: "Ada <ada@example.com>"));
        var several = await EnqueueAsync(o => o.Enqueue(new OrderConfirmationEmail("Ada", "A-2", 1m), to: "ada@example.com", new EnqueueOptions { Cc = ["bob@example.com"] }));

        var sent = await DispatchAsync();
        var one = sent.Single(e => e.OutboxId == single);
        Assert.Equal("bounce.example.com", one.MailFrom.Domain);
        Assert.Equal("shop@example.com", one.Message.From.Address);
        Assert.True(VerpAddress.TryParse(one.MailFrom.Address, out var token));
        Assert.Equal(single, token.OutboxId);
        Assert.True(token.Names("ada@example.com"));

        Assert.True(VerpAddress.TryParse(sent.Single(e => e.OutboxId == several).MailFrom.Address, out var shared));
        Assert.Equal(new VerpToken(several, null), shared);
    }

    [Fact]
    public async Task Without_a_bounce_address_the_envelope_sender_is_the_from_address()
    {
        await using (var db = _shop.CreateDbContext(o => o.TimeProvider = _clock))
        {
            db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "A-1", 1m), to: "ada@example.com");
            await db.SaveChangesAsync();
        }

        Assert.Equal("shop@example.com", Assert.Single(await DispatchAsync()).MailFrom.Address);
    }

    [Theory]
    [InlineData("From", "x@example.com", "Header name", "From")]
    [InlineData("content-type", "text/plain", "Header name", "content-type")]
    [InlineData("X-TypedMail-Id", "forged", "Header name", "X-TypedMail-Id")]
    [InlineData("List-Unsubscribe", "<https://evil.example.com>", "Header name", "List-Unsubscribe")]
    [InlineData("X Bad", "v", "Header name", "X Bad")]
    [InlineData("X-Campaign", "a\r\nBcc: victim@example.com", "X-Campaign", "a\r\nBcc: victim@example.com")]
    public void Header_that_cannot_be_set_is_rejected_naming_it_and_nothing_is_tracked(string name, string value, string field, string shown)
    {
        using var db = Db();
        var ex = Assert.Throws<MessageFormatException>(() => db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "A-1", 1m), to: "ada@example.com",
            new EnqueueOptions { Headers = new Dictionary<string, string> { [name] = value } }));
        Assert.Equal((field, shown), (ex.Field, ex.Value));
        Assert.Contains(shown, ex.Message, StringComparison.Ordinal);
        Assert.Empty(db.ChangeTracker.Entries());
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("comma,inside")]
    [InlineData("")]
    public void Bad_tag_is_rejected_naming_it(string tag)
    {
        using var db = Db();
        var ex = Assert.Throws<ArgumentException>(() => db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "A-1", 1m), to: "ada@example.com",
            new EnqueueOptions { Tags = [tag] }));
        Assert.Contains($"'{tag}'", ex.Message, StringComparison.Ordinal);
        Assert.Empty(db.ChangeTracker.Entries());
    }

    [Fact]
    public async Task Hand_call_of_EnqueueRendered_without_settings_is_transactional_mail()
    {
        var id = await EnqueueAsync(o => o.EnqueueRendered("Shop.Handmade", new RenderedEmail("Hi", null, "Hello"), "ada@example.com", null));

        var wire = await WireAsync(Assert.Single(await DispatchAsync()));
        Assert.Contains($"\r\nX-TypedMail-Id: {id:D}\r\n", wire);
        Assert.DoesNotContain("List-Unsubscribe", wire, StringComparison.Ordinal);
        Assert.DoesNotContain("X-TypedMail-Tags", wire, StringComparison.Ordinal);
        await using var db = Db();
        var row = await db.Set<OutboxMessage>().SingleAsync(m => m.Id == id);
        Assert.Equal(("Shop.Handmade", null, null), (row.EmailType, row.Category, row.Tags));
    }

    [Theory]
    [InlineData("news letter", false, null, null, "category", "'news letter'")]
    [InlineData(null, true, null, null, "oneClickUnsubscribe", "needs a Category")]
    [InlineData("news", false, "X-TypedMail-Id", "forged", "headers", "'X-TypedMail-Id: forged'")]
    [InlineData("news", false, "X-Campaign", "a\r\nBcc: victim@example.com", "headers", "CR or LF")]
    [InlineData("news", false, null, "has space", "tags", "'has space'")]
    public void Settings_built_by_hand_are_checked_like_the_generator_checks_them(string? category, bool oneClick, string? header, string? value, string parameter, string shown)
    {
        var headers = header is null ? null : new[] { new KeyValuePair<string, string>(header, value!) };
        var tags = header is null && value is not null ? new[] { value } : null;
        var ex = Assert.Throws<ArgumentException>(() => new EmailTypeSettings(category, oneClick, headers, tags));
        Assert.Equal(parameter, ex.ParamName);
        Assert.Contains(shown, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void One_click_type_goes_to_one_recipient_per_message()
    {
        using var db = Db();
        var ex = Assert.Throws<ArgumentException>(() => db.Emails().Enqueue(new NewsletterEmail("Ada"), to: "ada@example.com", new EnqueueOptions { Bcc = ["bob@example.com"] }));
        Assert.Contains("NewsletterEmail", ex.Message, StringComparison.Ordinal);
        Assert.Empty(db.ChangeTracker.Entries());
    }

    [Fact]
    public void One_click_type_without_unsubscribe_settings_names_the_setting()
    {
        using var db = _shop.CreateDbContext();
        var ex = Assert.Throws<InvalidOperationException>(() => db.Emails().Enqueue(new NewsletterEmail("Ada"), to: "ada@example.com"));
        Assert.Contains("TypedMailDbContextOptions.Unsubscribe", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Unsubscribe:Url is missing", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unsubscribed_category_is_suppressed_and_transactional_mail_still_goes()
    {
        await using (var db = Db())
        {
            Assert.True(await OutboxMaintenance.UnsubscribeAsync(db, "ADA@example.com", "newsletter"));
            Assert.False(await OutboxMaintenance.UnsubscribeAsync(db, "ada@example.com", "newsletter"));
        }

        var newsletter = await EnqueueAsync(o => o.Enqueue(new NewsletterEmail("Ada"), to: "ada@example.com"));
        var toBob = await EnqueueAsync(o => o.Enqueue(new NewsletterEmail("Bob"), to: "bob@example.com"));
        var order = await EnqueueAsync(o => o.Enqueue(new OrderConfirmationEmail("Ada", "A-1", 1m), to: "ada@example.com"));

        var sent = await DispatchAsync();
        Assert.Equal(new[] { order, toBob }.Order(), sent.Select(e => e.OutboxId).Order());
        await using var check = Db();
        var row = await check.Set<OutboxMessage>().Include(m => m.Recipients).SingleAsync(m => m.Id == newsletter);
        Assert.Equal(OutboxMessageState.Failed, row.State);
        var recipient = Assert.Single(row.Recipients);
        Assert.Equal((RecipientState.Suppressed, "suppressed: unsubscribed from newsletter"), (recipient.State, recipient.ReplyText));
    }
}
