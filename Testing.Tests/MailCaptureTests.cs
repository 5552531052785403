using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.EntityFrameworkCore;
using TypedMail.Outbox;
using TypedMail.Testing.Tests.Emails;

namespace TypedMail.Testing.Tests;

public sealed class MailCaptureTests : IDisposable
{
    private readonly Shop _shop = new();

    public void Dispose() => _shop.Dispose();

    [Fact]
    public async Task A_committed_email_is_found_typed_with_its_rendering_recipients_and_options()
    {
        using var mail = MailCapture.Start();
        await using (var db = _shop.CreateDbContext())
        {
            db.Orders.Add(new Order { Number = "A-1" });
            db.Emails().Enqueue(
                new OrderConfirmationEmail("Ada", "A-1", 42.5m),
                to: "Ada Lovelace <ada@example.com>",
                new EnqueueOptions { Cc = ["sales@example.com"], Priority = 5, Tags = ["orders"] });
            await db.SaveChangesAsync();
        }

        var email = mail.Enqueued<OrderConfirmationEmail>(e => e.OrderNumber == "A-1");

        Assert.Equal(new OrderConfirmationEmail("Ada", "A-1", 42.5m), email.Model);
        Assert.Equal(CapturedEmailState.Committed, email.State);
        Assert.Equal("Your order A-1 is confirmed", email.Subject);
        Assert.Equal("<p>Hello Ada, thank you for order <b>A-1</b>.</p>\n", email.HtmlBody);
        Assert.Equal("Hello Ada, thank you for order A-1.\n", email.TextBody);
        Assert.Equal(["Ada Lovelace <ada@example.com>"], email.To);
        Assert.Equal(["sales@example.com"], email.Cc);
        Assert.Empty(email.Bcc);
        Assert.Equal("Acme Shop <shop@example.com>", email.From);
        Assert.Equal(5, email.Options.Priority);
        Assert.Equal("orders", email.Message.Tags);
        Assert.Equal("TypedMail.Testing.Tests.Emails.OrderConfirmationEmail", email.EmailType);

        // What the capture saw is what the outbox holds.
        await using var check = _shop.CreateDbContext();
        var row = await check.Set<OutboxMessage>().SingleAsync();
        Assert.Equal(email.Message.Id, row.Id);
        Assert.Equal(email.Subject, row.Subject);
    }

    [Fact]
    public async Task Mail_saved_in_a_transaction_counts_only_once_it_commits()
    {
        using var mail = MailCapture.Start();
        await using var db = _shop.CreateDbContext();
        await using var transaction = await db.Database.BeginTransactionAsync();
        db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "A-1", 1m), to: "ada@example.com");
        await db.SaveChangesAsync();

        mail.NoneEnqueued<OrderConfirmationEmail>();
        Assert.Equal(CapturedEmailState.Pending, Assert.Single(mail.NotCommitted<OrderConfirmationEmail>()).State);

        await transaction.CommitAsync();

        Assert.Equal("A-1", mail.Enqueued<OrderConfirmationEmail>().Model.OrderNumber);
        Assert.Empty(mail.NotCommitted<OrderConfirmationEmail>());
    }

    [Fact]
    public async Task A_fan_out_is_captured_email_by_email_once_its_transaction_commits_and_never_when_it_rolls_back()
    {
        using var mail = MailCapture.Start();
        await using var db = _shop.CreateDbContext();
        await using (var transaction = await db.Database.BeginTransactionAsync())
        {
            await db.Emails().EnqueueManyAsync(
            [
                new BulkEmail<OrderConfirmationEmail>(new("Ada", "B-1", 1m), "ada@example.com"),
                new BulkEmail<OrderConfirmationEmail>(new("Grace", "B-2", 2m), "grace@example.com"),
            ]);

            mail.NoneEnqueued<OrderConfirmationEmail>();
            Assert.Equal(2, mail.NotCommitted<OrderConfirmationEmail>().Count);
            await transaction.CommitAsync();
        }

        Assert.Equal(["grace@example.com"], mail.Enqueued<OrderConfirmationEmail>(e => e.OrderNumber == "B-2").To);
        Assert.Equal("Your order B-1 is confirmed", mail.Enqueued<OrderConfirmationEmail>(e => e.CustomerName == "Ada").Subject);

        await using (var transaction = await db.Database.BeginTransactionAsync())
        {
            await db.Emails().EnqueueManyAsync([new BulkEmail<OrderConfirmationEmail>(new("Alan", "B-3", 3m), "alan@example.com")]);
            await transaction.RollbackAsync();
        }

        mail.NoneEnqueued<OrderConfirmationEmail>(e => e.OrderNumber == "B-3");
        Assert.Equal(CapturedEmailState.RolledBack, mail.NotCommitted<OrderConfirmationEmail>().Single().State);
    }

    [Fact]
    public async Task A_rolled_back_email_was_never_enqueued_and_the_capture_says_so()
    {
        using var mail = MailCapture.Start();
        await using (var db = _shop.CreateDbContext())
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            db.Orders.Add(new Order { Number = "A-2" });
            db.Emails().Enqueue(new OrderConfirmationEmail("Grace", "A-2", 7m), to: "grace@example.com");
            await db.SaveChangesAsync();
            await transaction.RollbackAsync();
        }

        mail.NothingEnqueued();
        mail.NoneEnqueued<OrderConfirmationEmail>();
        var rolledBack = Assert.Single(mail.NotCommitted<OrderConfirmationEmail>());
        Assert.Equal(CapturedEmailState.RolledBack, rolledBack.State);
        Assert.Equal("A-2", rolledBack.Model.OrderNumber);

        var failure = Assert.Throws<EmailAssertionException>(() => mail.Enqueued<OrderConfirmationEmail>());
        Assert.Contains("[rolled back] TypedMail.Testing.Tests.Emails.OrderConfirmationEmail to grace@example.com", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_email_never_saved_does_not_count()
    {
        using var mail = MailCapture.Start();
        using var db = _shop.CreateDbContext();
#pragma warning disable TM3002 // The email is never saved: the point of the test.
        db.Emails().Enqueue(new OrderShippedEmail("A-3"), to: "ada@example.com");
#pragma warning restore TM3002

        mail.NoneEnqueued<OrderShippedEmail>();
        Assert.Equal(CapturedEmailState.Pending, Assert.Single(mail.NotCommitted<OrderShippedEmail>()).State);
    }

    [Fact]
    public async Task The_typed_predicate_picks_among_several_emails_and_types()
    {
        using var mail = MailCapture.Start();
        await using (var db = _shop.CreateDbContext())
        {
            db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "A-1", 1m), to: "ada@example.com");
            db.Emails().Enqueue(new OrderConfirmationEmail("Grace", "A-2", 2m), to: "grace@example.com");
            db.Emails().Enqueue(new OrderShippedEmail("A-1"), to: "ada@example.com");
            await db.SaveChangesAsync();
        }

        Assert.Equal(["grace@example.com"], mail.Enqueued<OrderConfirmationEmail>(e => e.Total > 1m).To);
        Assert.Equal("A-1", mail.Enqueued<OrderShippedEmail>().Model.OrderNumber);
        Assert.Equal(2, mail.Enqueued<OrderConfirmationEmail>(2).Count);
        mail.NoneEnqueued<OrderConfirmationEmail>(e => e.OrderNumber == "A-9");
        Assert.Equal(3, mail.All.Count);
    }

    [Fact]
    public async Task Exactly_one_fails_with_a_readable_list_of_what_was_enqueued()
    {
        using var mail = MailCapture.Start();
        await using (var db = _shop.CreateDbContext())
        {
            db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "A-1", 1m), to: "ada@example.com");
            db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "A-1", 1m), to: "ada@example.com", new EnqueueOptions { Bcc = ["audit@example.com"] });
            await db.SaveChangesAsync();
        }

        var failure = Assert.Throws<EmailAssertionException>(() => mail.Enqueued<OrderConfirmationEmail>(e => e.OrderNumber == "A-1"));

        Assert.Equal(
            """
            Expected exactly one committed OrderConfirmationEmail matching the condition, found 2. Enqueued (2):
              [committed] TypedMail.Testing.Tests.Emails.OrderConfirmationEmail to ada@example.com, "Your order A-1 is confirmed": OrderConfirmationEmail { CustomerName = Ada, OrderNumber = A-1, Total = 1 }
              [committed] TypedMail.Testing.Tests.Emails.OrderConfirmationEmail to ada@example.com, bcc audit@example.com, "Your order A-1 is confirmed": OrderConfirmationEmail { CustomerName = Ada, OrderNumber = A-1, Total = 1 }
            """.ReplaceLineEndings(Environment.NewLine),
            failure.Message);
    }

    [Fact]
    public async Task None_of_a_type_fails_when_one_was_committed_and_nothing_says_so_on_an_empty_capture()
    {
        using var mail = MailCapture.Start();
        var empty = Assert.Throws<EmailAssertionException>(() => mail.Enqueued<OrderShippedEmail>());
        Assert.Equal("Expected exactly one committed OrderShippedEmail, found 0. Nothing was enqueued.", empty.Message);

        await using (var db = _shop.CreateDbContext())
        {
            db.Emails().Enqueue(new OrderShippedEmail("A-1"), to: "ada@example.com");
            await db.SaveChangesAsync();
        }

        mail.NoneEnqueued<OrderConfirmationEmail>();
        var failure = Assert.Throws<EmailAssertionException>(() => mail.NoneEnqueued<OrderShippedEmail>());
        Assert.StartsWith("Expected 0 committed OrderShippedEmail, found 1. Enqueued (1):", failure.Message, StringComparison.Ordinal);
        Assert.Throws<EmailAssertionException>(mail.NothingEnqueued);
    }

    [Fact]
    public async Task An_idempotency_key_enqueued_twice_counts_once_and_the_second_is_a_duplicate()
    {
        using var mail = MailCapture.Start();
        var options = new EnqueueOptions { IdempotencyKey = "order-A-1/confirmation" };
        await using (var db = _shop.CreateDbContext())
        {
            db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "A-1", 1m), to: "ada@example.com", options);
            db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "A-1", 1m), to: "ada@example.com", options);
            await db.SaveChangesAsync();
        }

        await using (var db = _shop.CreateDbContext())
        {
            db.Emails().Enqueue(new OrderConfirmationEmail("Ada", "A-1", 1m), to: "ada@example.com", options);
            await db.SaveChangesAsync();
        }

        mail.Enqueued<OrderConfirmationEmail>();
        Assert.Equal(
            [CapturedEmailState.Duplicate, CapturedEmailState.Duplicate],
            mail.NotCommitted<OrderConfirmationEmail>().Select(e => e.State));
    }

    [Fact]
    public async Task Captures_of_parallel_flows_see_only_their_own_mail()
    {
        using var gate = new Barrier(2);
        async Task<string[]> RunAsync(string number)
        {
            using var mail = MailCapture.Start();
            using var shop = new Shop();
            await using var db = shop.CreateDbContext();
            db.Emails().Enqueue(new OrderShippedEmail(number), to: "ada@example.com");
            gate.SignalAndWait(TimeSpan.FromSeconds(30));
            await db.SaveChangesAsync();
            gate.SignalAndWait(TimeSpan.FromSeconds(30));
            return mail.All.Select(e => $"{((OrderShippedEmail)e.Model).OrderNumber} {e.State}").ToArray();
        }

        var results = await Task.WhenAll(Task.Run(() => RunAsync("P-1")), Task.Run(() => RunAsync("P-2")));

        Assert.Equal(["P-1 Committed"], results[0]);
        Assert.Equal(["P-2 Committed"], results[1]);
    }

    [Fact]
    public async Task Tasks_the_test_starts_are_captured_but_not_flows_that_did_not_inherit_it_nor_mail_after_disposal()
    {
        var mail = MailCapture.Start();
        await Task.Run(() => EnqueueShippedAsync("B-1")).WaitAsync(TimeSpan.FromSeconds(30));
        Task unflowed;
        using (ExecutionContext.SuppressFlow())
        {
            // Like a hosted service's loop: it does not run on the test's flow.
            unflowed = Task.Run(() => EnqueueShippedAsync("B-2"));
        }

        await unflowed.WaitAsync(TimeSpan.FromSeconds(30));
        mail.Dispose();
        await EnqueueShippedAsync("B-3");

        Assert.Equal(["B-1"], mail.All.Select(e => ((OrderShippedEmail)e.Model).OrderNumber));
    }

    private async Task EnqueueShippedAsync(string number)
    {
        await using var db = _shop.CreateDbContext();
        db.Emails().Enqueue(new OrderShippedEmail(number), to: "ada@example.com");
        await db.SaveChangesAsync();
    }
}
