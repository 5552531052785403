using System;
using System.Globalization;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using TypedMail.Outbox;
using TypedMail.Runtime.Tests.Emails;
using TypedMail.Runtime.Tests.Infrastructure;

namespace TypedMail.Runtime.Tests;

/// <summary>
/// The culture of an enqueued email: <c>culture:</c>, else the current UI culture, else <c>DefaultCulture</c>; its
/// templates chosen with fallback (fr-CA uses the French variants), and the culture stored with the message.
/// </summary>
public sealed class LocalizedEnqueueTests : IDisposable
{
    private readonly SqliteShop _shop = new();

    public void Dispose() => _shop.Dispose();

    [Fact]
    public async Task An_explicit_culture_picks_the_variants_with_fallback_and_is_stored()
    {
        var message = await EnqueueAsync(CultureInfo.InvariantCulture, null, CultureInfo.GetCultureInfo("fr-CA"));
        Assert.Equal("fr-CA", message.Culture);
        Assert.Equal("Commande A-1 confirmée", message.Subject);
        Assert.Equal("Bonjour Ada,\n\nVotre commande A-1 totalise 1\u00A0234,50 €.\n", message.TextBody);
        Assert.Equal("<p>Hello Ada,</p>\n<p>Your order A-1 totals 1234.50.</p>", message.HtmlBody?.Trim());
    }

    [Fact]
    public async Task Without_a_culture_the_current_ui_culture_is_used()
    {
        var message = await EnqueueAsync(CultureInfo.GetCultureInfo("fr-FR"), CultureInfo.GetCultureInfo("de-DE"), null);
        Assert.Equal("fr-FR", message.Culture);
        Assert.Equal("Commande A-1 confirmée", message.Subject);
    }

    [Fact]
    public async Task With_an_invariant_ui_culture_the_default_culture_is_used_else_the_neutral_templates()
    {
        var fallback = await EnqueueAsync(CultureInfo.InvariantCulture, CultureInfo.GetCultureInfo("fr"), null);
        Assert.Equal("fr", fallback.Culture);
        Assert.Equal("Commande A-1 confirmée", fallback.Subject);

        var neutral = await EnqueueAsync(CultureInfo.InvariantCulture, null, null);
        Assert.Equal("", neutral.Culture);
        Assert.Equal("Order A-1 confirmed", neutral.Subject);
    }

    private async Task<OutboxMessage> EnqueueAsync(CultureInfo uiCulture, CultureInfo? defaultCulture, CultureInfo? culture)
    {
        var saved = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = uiCulture;
        try
        {
            EnqueuedEmail queued;
            await using (var db = _shop.CreateDbContext(o => o.DefaultCulture = defaultCulture))
            {
                queued = db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "A-1", 1234.50m), to: "ada@example.com", culture: culture);
                await db.SaveChangesAsync();
            }

            await using var read = _shop.CreateDbContext();
            return await read.Set<OutboxMessage>().SingleAsync(m => m.Id == queued.Id);
        }
        finally
        {
            CultureInfo.CurrentUICulture = saved;
        }
    }
}
