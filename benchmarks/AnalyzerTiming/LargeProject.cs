using System.Globalization;
using System.Text;

namespace TypedMail.AnalyzerTiming;

/// <summary>
/// Writes a large C# file of order-handling methods that mixes what the analyzers look for (transactions,
/// TransactionScopes, sends, enqueues, a mail-sending helper) with ordinary code, in ten shapes that repeat.
/// </summary>
internal static class LargeProject
{
    /// <summary>How many methods of <paramref name="methods"/> each diagnostic should be reported for.</summary>
    public static (int SendInTransaction, int UnsavedEnqueue, int SendingCall) Expected(int methods)
        => (Count(methods, 0) + Count(methods, 2) + Count(methods, 3) + Count(methods, 4), Count(methods, 5), Count(methods, 2));

    private static int Count(int methods, int shape) => methods / 10 + (methods % 10 > shape ? 1 : 0);

    public const string App = """
        namespace Shop
        {
            using Microsoft.EntityFrameworkCore;
            using TypedMail;

            public sealed class Order
            {
                public int Id { get; set; }
                public string Customer { get; set; } = "";
                public decimal Total { get; set; }
            }

            public sealed class ShopDb : DbContext
            {
                public DbSet<Order> Orders => Set<Order>();
            }

            public sealed record WelcomeEmail(string Name);

            public static class WelcomeEmailOutboxExtensions
            {
                public static EnqueuedEmail Enqueue(this EmailOutbox outbox, WelcomeEmail email, EmailAddress to, EnqueueOptions? options = null)
                    => outbox.EnqueueRendered("Shop.WelcomeEmail", new RenderedEmail("Hi " + email.Name, null, "Hello"), to, options);
            }
        }
        """;

    public static string Generate(int methods)
    {
        var source = new StringBuilder();
        source.AppendLine("""
            using System;
            using System.Collections.Generic;
            using System.Data.Common;
            using System.Linq;
            using System.Net.Mail;
            using System.Threading;
            using System.Threading.Tasks;
            using System.Transactions;
            using Microsoft.EntityFrameworkCore;
            using Shop;
            using TypedMail;

            namespace Shop.Services;

            public sealed class OrderService(ShopDb db, DbConnection connection, SmtpClient smtp, IDbContextFactory<ShopDb> factory)
            {
                private void NotifyWarehouse(IReadOnlyList<Order> orders)
                    => smtp.Send("shop@example.com", "warehouse@example.com", "Ship", orders.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));

            """);
        for (var i = 0; i < methods; i++)
        {
            var n = i.ToString(CultureInfo.InvariantCulture);
            source.AppendLine((i % 10) switch
            {
                0 => $$"""
                    public async Task Place{{n}}(Order order, MailMessage mail, CancellationToken ct)
                    {
                        await using var tx = await db.Database.BeginTransactionAsync(ct);
                        db.Orders.Add(order);
                        await db.SaveChangesAsync(ct);
                        await smtp.SendMailAsync(mail, ct);
                        await tx.CommitAsync(ct);
                    }
                """,
                1 => $$"""
                    public async Task PlaceAndNotify{{n}}(Order order, MailMessage mail, CancellationToken ct)
                    {
                        await using (var tx = await db.Database.BeginTransactionAsync(ct))
                        {
                            db.Orders.Add(order);
                            await db.SaveChangesAsync(ct);
                            await tx.CommitAsync(ct);
                        }

                        await smtp.SendMailAsync(mail, ct);
                    }
                """,
                2 => $$"""
                    public void Ship{{n}}(IReadOnlyList<Order> orders, MailMessage mail)
                    {
                        using (var scope = new TransactionScope())
                        {
                            foreach (var order in orders.Where(o => o.Total > 0))
                            {
                                order.Customer = order.Customer.Trim();
                            }

                            db.SaveChanges();
                            smtp.Send(mail);
                            NotifyWarehouse(orders);
                            scope.Complete();
                        }
                    }
                """,
                3 => $$"""
                    public void Import{{n}}(IEnumerable<MailMessage> mails)
                    {
                        using var tx = connection.BeginTransaction();
                        try
                        {
                            using var command = connection.CreateCommand();
                            command.Transaction = tx;
                            command.CommandText = "update orders set total = total + 1";
                            command.ExecuteNonQuery();
                            tx.Commit();
                        }
                        catch (DbException)
                        {
                            foreach (var mail in mails)
                            {
                                smtp.Send(mail);
                            }

                            throw;
                        }
                    }
                """,
                4 => $$"""
                    public Task Retry{{n}}(Order order, MailMessage mail)
                    {
                        var strategy = db.Database.CreateExecutionStrategy();
                        return strategy.ExecuteAsync(async () =>
                        {
                            await using var tx = await db.Database.BeginTransactionAsync();
                            db.Orders.Add(order);
                            await db.SaveChangesAsync();
                            if (order.Total > 100)
                            {
                                await smtp.SendMailAsync(mail);
                            }

                            await tx.CommitAsync();
                        });
                    }
                """,
                5 => $$"""
                    public async Task Welcome{{n}}(string name)
                    {
                        await using var context = await factory.CreateDbContextAsync();
                        context.Orders.Add(new Order { Customer = name });
                        context.Emails().Enqueue(new WelcomeEmail(name), "customer@example.com");
                    }
                """,
                6 => $$"""
                    public async Task WelcomeSaved{{n}}(string name, CancellationToken ct)
                    {
                        await using var context = await factory.CreateDbContextAsync(ct);
                        context.Orders.Add(new Order { Customer = name });
                        context.Emails().Enqueue(new WelcomeEmail(name), "customer@example.com");
                        await context.SaveChangesAsync(ct);
                    }
                """,
                7 => $$"""
                    public decimal Report{{n}}(IReadOnlyList<Order> orders)
                    {
                        var total = 0m;
                        for (var i = 0; i < orders.Count; i++)
                        {
                            if (orders[i].Total > 10 && orders[i].Customer.Length > 0)
                            {
                                total += orders[i].Total;
                            }
                            else if (orders[i].Total < 0)
                            {
                                throw new InvalidOperationException("Negative total for " + orders[i].Customer);
                            }
                        }

                        return total + orders.GroupBy(o => o.Customer).Select(g => g.Sum(o => o.Total)).DefaultIfEmpty().Max();
                    }
                """,
                8 => $$"""
                    public async Task Remind{{n}}(IEnumerable<MailMessage> mails, CancellationToken ct)
                    {
                        foreach (var mail in mails)
                        {
                            try
                            {
                                await smtp.SendMailAsync(mail, ct);
                            }
                            catch (SmtpException e) when (e.StatusCode == SmtpStatusCode.MailboxBusy)
                            {
                                await Task.Delay(100, ct);
                            }
                        }
                    }
                """,
                _ => $$"""
                    public void Settle{{n}}(Order order, MailMessage mail, bool batch)
                    {
                        if (batch)
                        {
                            using var tx = db.Database.BeginTransaction();
                            db.Orders.Update(order);
                            db.SaveChanges();
                            tx.Commit();
                        }
                        else
                        {
                            smtp.Send(mail);
                        }
                    }
                """,
            });
        }

        source.AppendLine("}");
        return source.ToString();
    }
}
