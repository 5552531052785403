using System;
using System.IO;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using QuickStart;
using QuickStart.Emails;
using TypedMail.Testing;
using Xunit;

namespace QuickStart.Tests;

/// <summary>How an application tests the emails it sends: its own code runs against a real database, and the test asks, typed.</summary>
public sealed class CheckoutTests : IDisposable
{
    private readonly string _database = Path.Combine(Path.GetTempPath(), $"quickstart-tests-{Guid.NewGuid():N}.db");
    private readonly ShopContextFactory _contexts;

    public CheckoutTests()
    {
        _contexts = new ShopContextFactory(_database);
        using var db = _contexts.CreateDbContext();
        db.Database.EnsureCreated();
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        File.Delete(_database);
    }

    [Fact]
    public async Task Placing_an_order_enqueues_its_confirmation()
    {
        using var mail = MailCapture.Start();
        var checkout = new Checkout(_contexts, charge: _ => true);

        await checkout.PlaceOrderAsync(new Order { Number = "A-1", Customer = "Ada", Total = 42.50m }, "ada@example.com");

        var confirmation = mail.Enqueued<OrderConfirmationEmail>(e => e.OrderNumber == "A-1");
        Assert.Equal("Ada", confirmation.Model.CustomerName);
        Assert.Equal(["ada@example.com"], confirmation.To);
        Assert.Equal("Your order A-1 is confirmed", confirmation.Subject);
        Assert.Contains("<strong>A-1</strong>", confirmation.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_declined_payment_sends_no_confirmation()
    {
        using var mail = MailCapture.Start();
        var checkout = new Checkout(_contexts, charge: _ => false);

        await checkout.PlaceOrderAsync(new Order { Number = "A-2", Customer = "Grace", Total = 7m }, "grace@example.com");

        // The email was enqueued, but its transaction rolled back: it was never in the outbox.
        mail.NoneEnqueued<OrderConfirmationEmail>();
        Assert.Equal(CapturedEmailState.RolledBack, Assert.Single(mail.NotCommitted<OrderConfirmationEmail>()).State);
    }
}
