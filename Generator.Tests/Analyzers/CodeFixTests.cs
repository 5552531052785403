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

    private static async Task<string?> FixSend(string markup)
        => await CodeFixVerifier.ApplyAsync(new SmtpSendInsideTransactionAnalyzer(), new SmtpSendInsideTransactionCodeFixProvider(), Usings + markup);

    private static async Task<string?> FixEnqueue(string markup)
        => await CodeFixVerifier.ApplyAsync(new EnqueueWithoutSaveChangesAnalyzer(), new EnqueueWithoutSaveChangesCodeFixProvider(), Usings + markup);

    // ---- TM3001 ------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Send_moves_after_the_commit()
    {
        var fixedCode = await FixSend("""
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
            """);
        Assert.Equal(Usings + """
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
            """, fixedCode);
        await AnalyzerVerifier.VerifyAsync(new SmtpSendInsideTransactionAnalyzer(), fixedCode!);
    }

    [Fact]
    public async Task Awaited_send_moves_after_the_awaited_commit()
    {
        var fixedCode = await FixSend("""
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
            """);
        Assert.Equal(Usings + """
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
            """, fixedCode);
    }

    [Fact]
    public async Task Send_moves_out_of_the_TransactionScope_block()
    {
        var fixedCode = await FixSend("""
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
            """);
        Assert.Equal(Usings + """
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
            """, fixedCode);
    }

    [Fact]
    public async Task No_move_across_code_that_uses_what_the_send_uses()
    {
        Assert.Null(await FixSend("""
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
            """));
    }

    [Fact]
    public async Task No_move_when_the_send_uses_a_local_of_the_scope_block()
    {
        Assert.Null(await FixSend("""
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
            """));
    }

    [Fact]
    public async Task No_move_when_the_commit_is_not_a_later_statement_of_the_same_block()
    {
        Assert.Null(await FixSend("""
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
            """));
    }

    [Fact]
    public async Task No_move_for_a_scope_declaration_or_a_send_whose_result_is_used()
    {
        Assert.Null(await FixSend("""
            class C
            {
                void Place(SmtpClient smtp, MailMessage mail)
                {
                    using var scope = new TransactionScope();
                    [|smtp.Send(mail)|];
                    scope.Complete();
                }
            }
            """));
        Assert.Null(await FixSend("""
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
            """));
    }

    // ---- TM3002 ------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Save_is_inserted_after_the_enqueue()
    {
        var fixedCode = await FixEnqueue("""
            class C
            {
                void SignUp(string name)
                {
                    using var db = new ShopDb();
                    [|db.Emails().Enqueue(new WelcomeEmail(name), "ada@example.com")|];
                    Console.WriteLine(name);
                }
            }
            """);
        Assert.Equal(Usings + """
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
            """, fixedCode);
        await AnalyzerVerifier.VerifyAsync(new EnqueueWithoutSaveChangesAnalyzer(), fixedCode!);
    }

    [Fact]
    public async Task Async_save_with_the_cancellation_token_is_inserted_in_an_async_method()
    {
        var fixedCode = await FixEnqueue("""
            class C(IDbContextFactory<ShopDb> factory)
            {
                async Task SignUp(string name, CancellationToken cancellationToken)
                {
                    await using var db = await factory.CreateDbContextAsync(cancellationToken);
                    var queued = [|db.Emails().Enqueue(new WelcomeEmail(name), "ada@example.com")|];
                    Console.WriteLine(queued.MessageId);
                }
            }
            """);
        Assert.Equal(Usings + """
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
            """, fixedCode);
    }

    [Fact]
    public async Task Async_lambda_gets_an_awaited_save_with_the_enclosing_token()
    {
        var fixedCode = await FixEnqueue("""
            class C(IDbContextFactory<ShopDb> factory)
            {
                Func<Task> Job(string name, CancellationToken ct) => async () =>
                {
                    await using var db = await factory.CreateDbContextAsync();
                    [|db.Emails().Enqueue(new WelcomeEmail(name), "ada@example.com")|];
                };
            }
            """);
        Assert.Equal(Usings + """
            class C(IDbContextFactory<ShopDb> factory)
            {
                Func<Task> Job(string name, CancellationToken ct) => async () =>
                {
                    await using var db = await factory.CreateDbContextAsync();
                    db.Emails().Enqueue(new WelcomeEmail(name), "ada@example.com");
                    await db.SaveChangesAsync(ct);
                };
            }
            """, fixedCode);
    }

    [Fact]
    public async Task No_save_inserted_when_the_enqueue_is_not_a_statement_of_a_block()
    {
        Assert.Null(await FixEnqueue("""
            class C
            {
                void SignUp(string name)
                {
                    using var db = new ShopDb();
                    if (name.Length > 0)
                        [|db.Emails().Enqueue(new WelcomeEmail(name), "ada@example.com")|];
                }
            }
            """));
    }
}
