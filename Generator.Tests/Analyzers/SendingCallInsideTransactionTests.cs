using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using TypedMail.Analyzers;
using Microsoft.CodeAnalysis.Testing;
using TypedMail.Generator.Tests.Analyzers.Infrastructure;

namespace TypedMail.Generator.Tests.Analyzers;

/// <summary>TM3003: a method of the project that sends mail, called inside a transaction. Each positive case has a twin.</summary>
public sealed class SendingCallInsideTransactionTests
{
    private const string Usings = """
        using System;
        using System.Net.Mail;
        using System.Threading.Tasks;
        using System.Transactions;
        using Microsoft.EntityFrameworkCore;
        using Shop;
        using TypedMail;

        """;

    private const string Services = """
        public interface IOrderMailer
        {
            Task SendConfirmationAsync(Order order);
        }

        public sealed class SmtpOrderMailer(SmtpClient smtp) : IOrderMailer
        {
            public Task SendConfirmationAsync(Order order)
                => smtp.SendMailAsync(new MailMessage("shop@example.com", order.Customer, "Thanks", "Your order " + order.Id));
        }

        public sealed class OutboxOrderMailer(ShopDb db) : IOrderMailer
        {
            public Task SendConfirmationAsync(Order order)
            {
                db.Emails().Enqueue(new WelcomeEmail(order.Customer), order.Customer);
                return Task.CompletedTask;
            }
        }

        public class Notifier
        {
            public virtual void Notify(Order order) { }
        }

        public sealed class SmtpNotifier(SmtpClient smtp) : Notifier
        {
            public override void Notify(Order order) => smtp.Send("shop@example.com", order.Customer, "Shipped", "On its way");
        }

        public sealed class LaterMailer(SmtpClient smtp)
        {
            public void AfterCommit(Action action) { }

            public void SendLater(Order order) => AfterCommit(() => smtp.Send("shop@example.com", order.Customer, "Later", "Later"));
        }

        """;

    /// <summary>Runs the analyzer; <c>[|...|]</c> marks TM3003 here.</summary>
    private static Task Verify(string markup, params DiagnosticResult[] expected)
        => TypedMailAnalyzerTest<SmtpSendInsideTransactionAnalyzer>.VerifyAsync(Usings + Services + markup, "TM3003", expected);

    [Fact]
    public Task Mailer_called_inside_the_transaction_warns() => Verify("""
        class Checkout(ShopDb db, SmtpOrderMailer mailer)
        {
            async Task Place(Order order)
            {
                await using var tx = await db.Database.BeginTransactionAsync();
                db.Orders.Add(order);
                await db.SaveChangesAsync();
                await [|mailer.SendConfirmationAsync(order)|];
                await tx.CommitAsync();
            }
        }
        """);

    [Fact]
    public Task Mailer_called_after_the_commit_does_not_warn() => Verify("""
        class Checkout(ShopDb db, SmtpOrderMailer mailer)
        {
            async Task Place(Order order)
            {
                await using (var tx = await db.Database.BeginTransactionAsync())
                {
                    db.Orders.Add(order);
                    await db.SaveChangesAsync();
                    await tx.CommitAsync();
                }

                await mailer.SendConfirmationAsync(order);
            }
        }
        """);

    [Fact]
    public Task Interface_call_whose_implementation_sends_warns() => Verify("""
        class Checkout(IOrderMailer mailer)
        {
            async Task Place(Order order)
            {
                using var scope = new TransactionScope(TransactionScopeAsyncFlowOption.Enabled);
                await [|mailer.SendConfirmationAsync(order)|];
                scope.Complete();
            }
        }
        """);

    [Fact]
    public Task Call_to_a_method_that_enqueues_or_defers_does_not_warn() => Verify("""
        class Checkout(OutboxOrderMailer outbox, LaterMailer later, ShopDb db)
        {
            async Task Place(Order order)
            {
                using var scope = new TransactionScope(TransactionScopeAsyncFlowOption.Enabled);
                await outbox.SendConfirmationAsync(order);
                later.SendLater(order);
                await db.SaveChangesAsync();
                scope.Complete();
            }
        }
        """);

    [Fact]
    public Task Virtual_call_whose_override_sends_warns_and_a_private_helper_too() => Verify("""
        class Shipping(ShopDb db, Notifier notifier, SmtpClient smtp)
        {
            void Ship(Order order)
            {
                using var tx = db.Database.BeginTransaction();
                [|notifier.Notify(order)|];
                [|Tell(order)|];
                tx.Commit();
                Tell(order);
            }

            private void Tell(Order order) => smtp.Send("shop@example.com", order.Customer, "Shipped", "On its way");
        }
        """);

    /// <summary>The message, the call's location, and the transaction's begin and the send as additional locations.</summary>
    [Fact]
    public Task Message_names_the_method_the_send_and_the_transaction()
    {
        var code = """
            class Checkout(ShopDb db, SmtpOrderMailer mailer)
            {
                async Task Place(Order order)
                {
                    await using var tx = await {|#1:db.Database.BeginTransactionAsync()|};
                    await {|#0:mailer.SendConfirmationAsync(order)|};
                    await tx.CommitAsync();
                }
            }
            """;
        var beginLine = (Usings + Services + code).Split('\n').ToList().FindIndex(l => l.Contains("await {|#1:db.Database.BeginTransactionAsync()|}")) + 1;
        var lines = (Usings + Services).Split('\n').ToList();
        var sendLine = lines.FindIndex(l => l.Contains("=> smtp.SendMailAsync(")) + 1;
        const string send = "smtp.SendMailAsync(new MailMessage(\"shop@example.com\", order.Customer, \"Thanks\", \"Your order \" + order.Id))";
        var sendColumn = lines[sendLine - 1].IndexOf(send, System.StringComparison.Ordinal) + 1;
        return Verify(
            code,
            new DiagnosticResult("TM3003", DiagnosticSeverity.Warning).WithLocation(0).WithLocation(1)
                .WithSpan("/0/Test0.cs", sendLine, sendColumn, sendLine, sendColumn + send.Length)
                .WithMessage(
                    "'SmtpOrderMailer.SendConfirmationAsync' sends mail (it calls 'SmtpClient.SendMailAsync') and runs here inside the transaction "
                    + $"begun by 'BeginTransactionAsync' on line {beginLine}: the mail goes out even if the transaction rolls back, and again each "
                    + "time the work is retried. Enqueue the mail through the TypedMail outbox instead (db.Emails().Enqueue(...)), or call this after the commit."));
    }
}
