using System;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using TypedMail.Outbox;
using TypedMail.Runtime.Tests.Emails;
using TypedMail.Runtime.Tests.Infrastructure;

namespace TypedMail.Runtime.Tests;

public sealed class EnqueueValidationTests : IDisposable
{
    private readonly SqliteShop _shop = new();

    public void Dispose() => _shop.Dispose();

    [Theory]
    [InlineData("not-an-address")]
    [InlineData("two@@example.com")]
    [InlineData("ada@exa mple.com")]
    [InlineData("Ada <ada@example.com")]
    [InlineData("ada@example.com\r\nBcc: victim@example.com")]
    public void Invalid_recipient_is_rejected_naming_the_value(string address)
    {
        using var db = _shop.CreateDbContext();
        var ex = Assert.Throws<InvalidEmailAddressException>(
            () => db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "A-1", 1m), to: address));
        Assert.Equal(address, ex.Value);
        Assert.Contains(address, ex.Message);
        Assert.Empty(db.ChangeTracker.Entries());
    }

    [Fact]
    public void Subject_with_a_line_break_is_rejected_before_anything_is_tracked()
    {
        using var db = _shop.CreateDbContext();
        var ex = Assert.Throws<MessageFormatException>(
            () => db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "A-1\r\nBcc: victim@example.com", 1m), to: "ada@example.com"));
        Assert.Equal("Subject", ex.Field);
        Assert.Empty(db.ChangeTracker.Entries());
    }

    [Fact]
    public void A_body_with_an_unpaired_surrogate_is_rejected_before_anything_is_tracked()
    {
        using var db = _shop.CreateDbContext();
        var ex = Assert.Throws<MessageFormatException>(
            () => db.Emails().Enqueue(new OrderConfirmationEmail("Ada " + (char)0xD800, "A-1", 1m), to: "ada@example.com"));
        Assert.Equal("TextBody", ex.Field);
        Assert.Contains("Ada", ex.Value);
        Assert.Empty(db.ChangeTracker.Entries());
    }

    [Fact]
    public void Two_attachments_with_one_content_id_are_rejected_before_anything_is_tracked()
    {
        using var db = _shop.CreateDbContext();
        var options = new EnqueueOptions
        {
            Attachments = [new EmailAttachment("a.png", "image/png", new byte[] { 1 }, "logo"), new EmailAttachment("b.png", "image/png", new byte[] { 2 }, "logo")],
        };
        var ex = Assert.Throws<MessageFormatException>(
            () => db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "A-1", 1m), to: "ada@example.com", options));
        Assert.Equal("Content-ID", ex.Field);
        Assert.Equal("logo", ex.Value);
        Assert.Empty(db.ChangeTracker.Entries());
    }

    [Fact]
    public async Task Missing_sender_names_the_setting()
    {
        var options = new DbContextOptionsBuilder<ShopContext>().UseSqlite(_shop.ConnectionString).Options;
        await using var db = new ShopContext(options);
        var ex = Assert.Throws<InvalidOperationException>(
            () => db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "A-1", 1m), to: "ada@example.com"));
        Assert.Contains("DefaultFrom", ex.Message);
    }
}
