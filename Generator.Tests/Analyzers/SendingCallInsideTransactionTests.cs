using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using Microsoft.CodeAnalysis;
using TypedMail.Analyzers;
using TypedMail.Generator.Tests.Analyzers.Infrastructure;

namespace TypedMail.Generator.Tests.Analyzers;

/// <summary>TM3003: a method of the project that sends mail, called inside a transaction. Each positive case has a twin.</summary>
public sealed class SendingCallInsideTransactionTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Linq;
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

    // ---- Every statement form, around the call (each test: a call that warns, and its twin that does not) ----------

    [Fact]
    public Task Call_in_try_catch_and_finally() => Verify("""
        class Checkout(ShopDb db, SmtpOrderMailer mailer)
        {
            async Task InTry(Order order)
            {
                await using var tx = await db.Database.BeginTransactionAsync();
                try
                {
                    await [|mailer.SendConfirmationAsync(order)|];
                    await tx.CommitAsync();
                }
                catch (InvalidOperationException)
                {
                    await [|mailer.SendConfirmationAsync(order)|];
                    throw;
                }
            }

            async Task InFinallyWhenTheCommitMayNotHaveRun(Order order)
            {
                await using var tx = await db.Database.BeginTransactionAsync();
                try
                {
                    await db.SaveChangesAsync();
                    await tx.CommitAsync();
                }
                finally
                {
                    await [|mailer.SendConfirmationAsync(order)|];
                }
            }

            async Task AfterTheTry(Order order)
            {
                try
                {
                    await using var tx = await db.Database.BeginTransactionAsync();
                    await db.SaveChangesAsync();
                    await tx.CommitAsync();
                }
                catch (InvalidOperationException)
                {
                    await mailer.SendConfirmationAsync(order);
                }
                finally
                {
                    await mailer.SendConfirmationAsync(order);
                }
            }
        }
        """);

    [Fact]
    public Task Call_in_using_blocks_and_declarations() => Verify("""
        class Checkout(ShopDb db, SmtpOrderMailer mailer)
        {
            void Block(Order order)
            {
                using (var scope = new TransactionScope())
                {
                    [|mailer.SendConfirmationAsync(order)|].Wait();
                    scope.Complete();
                }

                mailer.SendConfirmationAsync(order).Wait();
            }

            async Task Declaration(Order order)
            {
                {
                    await using var tx = await db.Database.BeginTransactionAsync();
                    await [|mailer.SendConfirmationAsync(order)|];
                    await tx.CommitAsync();
                }

                await mailer.SendConfirmationAsync(order);
            }
        }
        """);

    [Fact]
    public Task Call_in_switch_statements_and_expressions() => Verify("""
        class Checkout(ShopDb db, SmtpOrderMailer mailer)
        {
            async Task Statement(Order order, int kind)
            {
                await using var tx = await db.Database.BeginTransactionAsync();
                switch (kind)
                {
                    case 1:
                        await [|mailer.SendConfirmationAsync(order)|];
                        break;
                    case 2:
                        await tx.CommitAsync();
                        await mailer.SendConfirmationAsync(order);
                        return;
                }

                await tx.CommitAsync();
            }

            async Task Expression(Order order, int kind)
            {
                var tx = await db.Database.BeginTransactionAsync();
                await (kind switch
                {
                    1 => [|mailer.SendConfirmationAsync(order)|],
                    _ => tx.CommitAsync(),
                });
                await tx.CommitAsync();
                await (kind switch { 1 => mailer.SendConfirmationAsync(order), _ => Task.CompletedTask });
            }
        }
        """);

    [Fact]
    public Task Call_in_loops_with_break_and_continue() => Verify("""
        class Checkout(ShopDb db, SmtpOrderMailer mailer)
        {
            async Task Each(Order[] orders)
            {
                foreach (var order in orders)
                {
                    await using var tx = await db.Database.BeginTransactionAsync();
                    if (order.Id == 0)
                    {
                        continue;
                    }

                    await [|mailer.SendConfirmationAsync(order)|];
                    await tx.CommitAsync();
                    if (order.Id < 0)
                    {
                        break;
                    }
                }
            }

            async Task BreakLeavesTheTransaction(Order order)
            {
                while (true)
                {
                    await using var tx = await db.Database.BeginTransactionAsync();
                    await db.SaveChangesAsync();
                    await tx.CommitAsync();
                    break;
                }

                for (var i = 0; i < 3; i++)
                {
                    using var scope = new TransactionScope();
                    if (i == 1)
                    {
                        continue;
                    }

                    scope.Complete();
                }

                await mailer.SendConfirmationAsync(order);
            }
        }
        """);

    [Fact]
    public Task Call_in_local_functions() => Verify("""
        class Checkout(ShopDb db, SmtpOrderMailer mailer)
        {
            async Task Place(Order order)
            {
                await using (var tx = await db.Database.BeginTransactionAsync())
                {
                    await Confirm();
                    await tx.CommitAsync();
                }

                await Confirm();

                Task Confirm() => [|mailer.SendConfirmationAsync(order)|];
            }

            async Task TransactionInside(Order order)
            {
                await Work();
                await mailer.SendConfirmationAsync(order);

                async Task Work()
                {
                    await using var tx = await db.Database.BeginTransactionAsync();
                    await [|mailer.SendConfirmationAsync(order)|];
                    await tx.CommitAsync();
                }
            }
        }
        """);

    [Fact]
    public Task Call_in_lambdas() => Verify("""
        class Checkout(ShopDb db, SmtpOrderMailer mailer, LaterMailer later)
        {
            async Task RunNow(Order[] orders)
            {
                await using var tx = await db.Database.BeginTransactionAsync();
                Array.ForEach(orders, o => [|mailer.SendConfirmationAsync(o)|].Wait());
                Func<Order, Task> confirm = o => [|mailer.SendConfirmationAsync(o)|];
                await confirm(orders[0]);
                await tx.CommitAsync();
                await confirm(orders[0]);
            }

            async Task RunLater(Order order)
            {
                await using var tx = await db.Database.BeginTransactionAsync();
                later.AfterCommit(() => mailer.SendConfirmationAsync(order).Wait());
                Func<Task> confirm = () => mailer.SendConfirmationAsync(order);
                await tx.CommitAsync();
                await confirm();
            }

            void StrategyLambda(Order order)
            {
                db.Database.CreateExecutionStrategy().Execute(() =>
                {
                    using var tx = db.Database.BeginTransaction();
                    [|mailer.SendConfirmationAsync(order)|].Wait();
                    tx.Commit();
                });
            }
        }
        """);

    [Fact]
    public Task Call_as_a_method_group_run_inside_the_transaction() => Verify("""
        class Checkout(ShopDb db, SmtpOrderMailer mailer)
        {
            async Task Place(Order[] orders)
            {
                await using var tx = await db.Database.BeginTransactionAsync();
                await Task.WhenAll(orders.Select([|mailer.SendConfirmationAsync|]));
                await tx.CommitAsync();
                await Task.WhenAll(orders.Select(mailer.SendConfirmationAsync));
            }
        }
        """);

    // ---- Every statement form, around the send inside the called method ------------------------------------------

    [Fact]
    public Task Method_whose_send_is_inside_any_statement_form_is_a_sender() => Verify("""
        class Mailers(SmtpClient smtp, ShopDb db)
        {
            public void InTry(MailMessage m) { try { smtp.Send(m); } catch (SmtpException) { } }
            public void InCatch(MailMessage m) { try { db.SaveChanges(); } catch (InvalidOperationException) { smtp.Send(m); } }
            public void InFinally(MailMessage m) { try { db.SaveChanges(); } finally { smtp.Send(m); } }
            public void InUsing(MailMessage m) { using (var copy = new MailMessage()) { smtp.Send(m); } }
            public void InUsingDeclaration(MailMessage m) { using var copy = new MailMessage(); smtp.Send(m); }
            public void InSwitch(MailMessage m, int k) { switch (k) { case 1: smtp.Send(m); break; } }
            public Task InSwitchExpression(MailMessage m, int k) => k switch { 1 => smtp.SendMailAsync(m), _ => Task.CompletedTask };
            public void InLoop(MailMessage[] ms) { foreach (var m in ms) { if (m.To.Count == 0) continue; smtp.Send(m); break; } }
            public void InLocalFunction(MailMessage m) { Go(); void Go() => smtp.Send(m); }
            public void InLambda(List<MailMessage> ms) => ms.ForEach(m => smtp.Send(m));
            public void InStoredLambda(MailMessage m) { Action go = () => smtp.Send(m); go(); }
            public async Task InAsync(MailMessage m) { await Task.Yield(); await smtp.SendMailAsync(m); }
        }

        class Checkout(ShopDb db, Mailers mailers, MailMessage m, MailMessage[] ms)
        {
            async Task Place()
            {
                using var tx = db.Database.BeginTransaction();
                [|mailers.InTry(m)|];
                [|mailers.InCatch(m)|];
                [|mailers.InFinally(m)|];
                [|mailers.InUsing(m)|];
                [|mailers.InUsingDeclaration(m)|];
                [|mailers.InSwitch(m, 1)|];
                await [|mailers.InSwitchExpression(m, 1)|];
                [|mailers.InLoop(ms)|];
                [|mailers.InLocalFunction(m)|];
                [|mailers.InLambda([m])|];
                [|mailers.InStoredLambda(m)|];
                await [|mailers.InAsync(m)|];
                tx.Commit();
            }
        }
        """);

    [Fact]
    public Task Method_that_sends_only_after_its_own_commit_or_later_is_not_a_sender() => Verify("""
        class Mailers(SmtpClient smtp, ShopDb db, LaterMailer later)
        {
            public void AfterCommit(MailMessage m) { using (var tx = db.Database.BeginTransaction()) { tx.Commit(); } smtp.Send(m); }
            public void Deferred(MailMessage m) => later.AfterCommit(() => smtp.Send(m));
            public void NeverCalledLocalFunction(MailMessage m) { void Go() => smtp.Send(m); }
            public void StoredLambdaNeverRun(MailMessage m) { Action go = () => smtp.Send(m); }
        }

        class Checkout(ShopDb db, Mailers mailers, MailMessage m)
        {
            void Place()
            {
                using var tx = db.Database.BeginTransaction();
                mailers.Deferred(m);
                mailers.NeverCalledLocalFunction(m);
                mailers.StoredLambdaNeverRun(m);
                tx.Commit();
            }
        }
        """);

    // ---- Every way a method can be reached through an interface or a base class --------------------------------

    [Fact]
    public Task Implicit_and_explicit_interface_implementations() => Verify("""
        public interface INotify { void Notify(Order order); }
        public interface IQuiet { void Notify(Order order); }

        sealed class Implicit(SmtpClient smtp) : INotify
        {
            public void Notify(Order order) => smtp.Send("shop@example.com", order.Customer, "s", "b");
        }

        sealed class Explicit(SmtpClient smtp) : INotify, IQuiet
        {
            void INotify.Notify(Order order) => smtp.Send("shop@example.com", order.Customer, "s", "b");
            void IQuiet.Notify(Order order) { }
        }

        class Checkout(ShopDb db, INotify notify, IQuiet quiet, Order order)
        {
            void Place()
            {
                using var tx = db.Database.BeginTransaction();
                [|notify.Notify(order)|];
                quiet.Notify(order);
                tx.Commit();
            }
        }
        """);

    [Fact]
    public Task Generic_interfaces_and_generic_methods() => Verify("""
        public interface INotify<T> { void Notify(T item); }
        public interface IPublisher { void Publish<T>(T item); }
        public interface IQuietPublisher { void Publish<T>(T item); }

        sealed class OrderNotify(SmtpClient smtp) : INotify<Order>
        {
            public void Notify(Order item) => smtp.Send("shop@example.com", item.Customer, "s", "b");
        }

        sealed class Quiet<T> : INotify<T>
        {
            public void Notify(T item) { }
        }

        sealed class Publisher(SmtpClient smtp) : IPublisher
        {
            public void Publish<T>(T item) => smtp.Send("shop@example.com", "b@example.com", "s", item!.ToString());
        }

        sealed class QuietPublisher : IQuietPublisher
        {
            public void Publish<T>(T item) { }
        }

        sealed class GenericMailer<T>(SmtpClient smtp) : INotify<List<T>>
        {
            public void Notify(List<T> items) => smtp.Send("shop@example.com", "b@example.com", "s", items.Count.ToString());
        }

        class Checkout(ShopDb db, INotify<Order> orders, INotify<List<int>> lists, INotify<string> strings, IPublisher publisher, IQuietPublisher quiet, Order order)
        {
            void Place()
            {
                using var tx = db.Database.BeginTransaction();
                [|orders.Notify(order)|];
                [|lists.Notify([1])|];
                [|publisher.Publish(order)|];
                quiet.Publish(order);
                tx.Commit();
            }
        }
        """);

    [Fact]
    public Task Default_interface_methods() => Verify("""
        public interface INotify
        {
            SmtpClient Smtp { get; }
            void Notify(Order order) => Smtp.Send("shop@example.com", order.Customer, "s", "b");
            void Log(Order order) { }
        }

        sealed class DefaultNotifier(SmtpClient smtp) : INotify
        {
            public SmtpClient Smtp => smtp;
        }

        class Checkout(ShopDb db, INotify notify, Order order)
        {
            void Place()
            {
                using var tx = db.Database.BeginTransaction();
                [|notify.Notify(order)|];
                notify.Log(order);
                tx.Commit();
            }
        }
        """);

    [Fact]
    public Task Overrides_abstract_virtual_and_inherited_implementations() => Verify("""
        public interface INotify { void Notify(Order order); }

        public abstract class NotifierBase : INotify
        {
            public abstract void Notify(Order order);
        }

        public sealed class SmtpNotifierImpl(SmtpClient smtp) : NotifierBase
        {
            public override void Notify(Order order) => smtp.Send("shop@example.com", order.Customer, "s", "b");
        }

        public class Mailer(SmtpClient smtp)
        {
            public virtual void Mail(Order order) => smtp.Send("shop@example.com", order.Customer, "s", "b");
            public void Remind(Order order) => smtp.Send("shop@example.com", order.Customer, "r", "b");
        }

        public class QuietMailer(SmtpClient smtp) : Mailer(smtp)
        {
            public override void Mail(Order order) { }
        }

        public sealed class QuieterMailer(SmtpClient smtp) : QuietMailer(smtp)
        {
        }

        public interface IRemind { void Remind(Order order); }

        public sealed class InheritedReminder(SmtpClient smtp) : Mailer(smtp), IRemind
        {
        }

        class Checkout(ShopDb db, INotify notify, NotifierBase notifierBase, Mailer mailer, QuieterMailer quieter, IRemind remind, Order order)
        {
            void Place()
            {
                using var tx = db.Database.BeginTransaction();
                [|notify.Notify(order)|];
                [|notifierBase.Notify(order)|];
                [|mailer.Mail(order)|];
                quieter.Mail(order);
                [|remind.Remind(order)|];
                tx.Commit();
            }
        }
        """);

    [Fact]
    public Task Interface_of_another_assembly_implemented_here() => Verify("""
        sealed class OrderObserver(SmtpClient smtp) : IObserver<Order>
        {
            public void OnNext(Order value) => smtp.Send("shop@example.com", value.Customer, "s", "b");
            public void OnError(Exception error) { }
            public void OnCompleted() { }
        }

        class Checkout(ShopDb db, IObserver<Order> observer, Order order)
        {
            void Place()
            {
                using var tx = db.Database.BeginTransaction();
                [|observer.OnNext(order)|];
                observer.OnCompleted();
                tx.Commit();
            }
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
