using System.Threading.Tasks;
using TypedMail.Analyzers;
using TypedMail.Analyzers.CodeFixes;
using TypedMail.Generator.Tests.Analyzers.Infrastructure;

namespace TypedMail.Generator.Tests.Analyzers;

/// <summary>The TM3001 and TM3002 code fixes: what they change, and when they rightly offer nothing.</summary>
public sealed class CodeFixTests
{
    private const string Usings = """
        using System;
        using System.Net.Mail;
        using System.Threading;
        using System.Threading.Tasks;
        using System.Transactions;
        using Microsoft.EntityFrameworkCore;
        using Shop;
        using TypedMail;

        """;

    /// <summary>Applies the TM3001 fix at the marked send and expects <paramref name="fixedCode"/>, which compiles and no longer warns.</summary>
    private static Task FixSend(string markup, string fixedCode)
        => TypedMailCodeFixTest<SmtpSendInsideTransactionAnalyzer, SmtpSendInsideTransactionCodeFixProvider>.VerifyAsync(Usings + markup, Usings + fixedCode);

    /// <summary>The TM3001 fix offers nothing for the marked send.</summary>
    private static Task NoFixForSend(string markup) => FixSend(markup, markup);

    /// <summary>Applies the TM3002 fix at the marked enqueue and expects <paramref name="fixedCode"/>, which compiles and no longer warns.</summary>
    private static Task FixEnqueue(string markup, string fixedCode)
        => TypedMailCodeFixTest<EnqueueWithoutSaveChangesAnalyzer, EnqueueWithoutSaveChangesCodeFixProvider>.VerifyAsync(Usings + markup, Usings + fixedCode);

    /// <summary>The TM3002 fix offers nothing for the marked enqueue.</summary>
    private static Task NoFixForEnqueue(string markup) => FixEnqueue(markup, markup);

    // ---- TM3001 ------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Send_moves_after_the_commit()
    {
        await FixSend(
            """
            class C
            {
                void Place(ShopDb db, SmtpClient smtp, MailMessage mail)
                {
                    using var tx = db.Database.BeginTransaction();
                    db.Orders.Add(new Order());
                    // Tell the customer.
                    [|smtp.Send(mail)|];
                    db.SaveChanges();
                    tx.Commit();
                    Console.WriteLine("done");
                }
            }
            """,
            """
            class C
            {
                void Place(ShopDb db, SmtpClient smtp, MailMessage mail)
                {
                    using var tx = db.Database.BeginTransaction();
                    db.Orders.Add(new Order());
                    db.SaveChanges();
                    tx.Commit();
                    // Tell the customer.
                    smtp.Send(mail);
                    Console.WriteLine("done");
                }
            }
            """);
    }

    [Fact]
    public async Task Awaited_send_moves_after_the_awaited_commit()
    {
        await FixSend(
            """
            class C
            {
                async Task Place(ShopDb db, SmtpClient smtp, MailMessage mail, CancellationToken ct)
                {
                    await using var tx = await db.Database.BeginTransactionAsync(ct);
                    await [|smtp.SendMailAsync(mail, ct)|].ConfigureAwait(false);
                    await db.SaveChangesAsync(ct);
                    await tx.CommitAsync(ct).ConfigureAwait(false);
                }
            }
            """,
            """
            class C
            {
                async Task Place(ShopDb db, SmtpClient smtp, MailMessage mail, CancellationToken ct)
                {
                    await using var tx = await db.Database.BeginTransactionAsync(ct);
                    await db.SaveChangesAsync(ct);
                    await tx.CommitAsync(ct).ConfigureAwait(false);
                    await smtp.SendMailAsync(mail, ct).ConfigureAwait(false);
                }
            }
            """);
    }

    [Fact]
    public async Task Send_moves_out_of_the_TransactionScope_block()
    {
        await FixSend(
            """
            class C
            {
                void Place(ShopDb db, SmtpClient smtp, MailMessage mail)
                {
                    using (var scope = new TransactionScope())
                    {
                        [|smtp.Send(mail)|];
                        db.SaveChanges();
                        scope.Complete();
                    }
                }
            }
            """,
            """
            class C
            {
                void Place(ShopDb db, SmtpClient smtp, MailMessage mail)
                {
                    using (var scope = new TransactionScope())
                    {
                        db.SaveChanges();
                        scope.Complete();
                    }
                    smtp.Send(mail);
                }
            }
            """);
    }

    [Fact]
    public async Task No_move_across_code_that_uses_what_the_send_uses()
    {
        await NoFixForSend("""
            class C
            {
                void Place(ShopDb db, SmtpClient smtp, MailMessage mail)
                {
                    using var tx = db.Database.BeginTransaction();
                    [|smtp.Send(mail)|];
                    mail.Dispose();
                    tx.Commit();
                }
            }
            """);
    }

    [Fact]
    public async Task No_move_when_the_send_uses_a_local_of_the_scope_block()
    {
        await NoFixForSend("""
            class C
            {
                void Place(ShopDb db, SmtpClient smtp)
                {
                    using (var scope = new TransactionScope())
                    {
                        var mail = new MailMessage("shop@example.com", "ada@example.com");
                        [|smtp.Send(mail)|];
                        scope.Complete();
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task No_move_when_the_commit_is_not_a_later_statement_of_the_same_block()
    {
        await NoFixForSend("""
            class C
            {
                void Place(ShopDb db, SmtpClient smtp, MailMessage mail, bool ok)
                {
                    using var tx = db.Database.BeginTransaction();
                    [|smtp.Send(mail)|];
                    if (ok)
                    {
                        tx.Commit();
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task No_move_for_a_scope_declaration_or_a_send_whose_result_is_used()
    {
        await NoFixForSend("""
            class C
            {
                void Place(SmtpClient smtp, MailMessage mail)
                {
                    using var scope = new TransactionScope();
                    [|smtp.Send(mail)|];
                    scope.Complete();
                }
            }
            """);
        await NoFixForSend("""
            class C
            {
                async Task Place(ShopDb db, MailKit.Net.Smtp.SmtpClient smtp, MimeKit.MimeMessage mail)
                {
                    using var tx = db.Database.BeginTransaction();
                    var reply = await [|smtp.SendAsync(mail)|];
                    tx.Commit();
                    Console.WriteLine(reply);
                }
            }
            """);
    }

    // ---- TM3002 ------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Save_is_inserted_after_the_enqueue()
    {
        await FixEnqueue(
            """
            class C
            {
                void SignUp(string name)
                {
                    using var db = new ShopDb();
                    [|db.Emails().Enqueue(new WelcomeEmail(name), "ada@example.com")|];
                    Console.WriteLine(name);
                }
            }
            """,
            """
            class C
            {
                void SignUp(string name)
                {
                    using var db = new ShopDb();
                    db.Emails().Enqueue(new WelcomeEmail(name), "ada@example.com");
                    db.SaveChanges();
                    Console.WriteLine(name);
                }
            }
            """);
    }

    [Fact]
    public async Task Async_save_with_the_cancellation_token_is_inserted_in_an_async_method()
    {
        await FixEnqueue(
            """
            class C(IDbContextFactory<ShopDb> factory)
            {
                async Task SignUp(string name, CancellationToken cancellationToken)
                {
                    await using var db = await factory.CreateDbContextAsync(cancellationToken);
                    var queued = [|db.Emails().Enqueue(new WelcomeEmail(name), "ada@example.com")|];
                    Console.WriteLine(queued.MessageId);
                }
            }
            """,
            """
            class C(IDbContextFactory<ShopDb> factory)
            {
                async Task SignUp(string name, CancellationToken cancellationToken)
                {
                    await using var db = await factory.CreateDbContextAsync(cancellationToken);
                    var queued = db.Emails().Enqueue(new WelcomeEmail(name), "ada@example.com");
                    await db.SaveChangesAsync(cancellationToken);
                    Console.WriteLine(queued.MessageId);
                }
            }
            """);
    }

    [Fact]
    public async Task Async_lambda_gets_an_awaited_save_with_the_enclosing_token()
    {
        await FixEnqueue(
            """
            class C(IDbContextFactory<ShopDb> factory)
            {
                Func<Task> Job(string name, CancellationToken ct) => async () =>
                {
                    await using var db = await factory.CreateDbContextAsync();
                    [|db.Emails().Enqueue(new WelcomeEmail(name), "ada@example.com")|];
                };
            }
            """,
            """
            class C(IDbContextFactory<ShopDb> factory)
            {
                Func<Task> Job(string name, CancellationToken ct) => async () =>
                {
                    await using var db = await factory.CreateDbContextAsync();
                    db.Emails().Enqueue(new WelcomeEmail(name), "ada@example.com");
                    await db.SaveChangesAsync(ct);
                };
            }
            """);
    }

    [Fact]
    public async Task No_save_inserted_when_the_enqueue_is_not_a_statement_of_a_block()
    {
        await NoFixForEnqueue("""
            class C
            {
                void SignUp(string name)
                {
                    using var db = new ShopDb();
                    if (name.Length > 0)
                        [|db.Emails().Enqueue(new WelcomeEmail(name), "ada@example.com")|];
                }
            }
            """);
    }
}
