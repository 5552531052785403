using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using Microsoft.CodeAnalysis;
using TypedMail.Analyzers;
using TypedMail.Generator.Tests.Analyzers.Infrastructure;

namespace TypedMail.Generator.Tests.Analyzers;

/// <summary>
/// TM3001. Every case that warns has a twin that must not: the same code with the send moved out of the
/// transaction, or with something that only looks like a send or a transaction.
/// </summary>
public sealed class SmtpSendInsideTransactionTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Data.Common;
        using System.Linq;
        using System.Linq.Expressions;
        using System.Net.Mail;
        using System.Threading;
        using System.Threading.Tasks;
        using System.Transactions;
        using Microsoft.EntityFrameworkCore;
        using Microsoft.EntityFrameworkCore.Storage;
        using Shop;
        using TypedMail.Transports;

        """;

    private static Task Verify(string markup, params DiagnosticResult[] expected) => TypedMailAnalyzerTest<SmtpSendInsideTransactionAnalyzer>.VerifyAsync(Usings + markup, expected);

    // ---- EF Core Database.BeginTransaction -------------------------------------------------------------------

    [Fact]
    public Task Send_before_commit_of_an_ef_transaction_warns() => Verify("""
        class C
        {
            void Place(ShopDb db, SmtpClient smtp, MailMessage mail)
            {
                using var tx = db.Database.BeginTransaction();
                db.Orders.Add(new Order());
                db.SaveChanges();
                [|smtp.Send(mail)|];
                tx.Commit();
            }
        }
        """);

    [Fact]
    public Task Send_after_commit_of_an_ef_transaction_does_not_warn() => Verify("""
        class C
        {
            void Place(ShopDb db, SmtpClient smtp, MailMessage mail)
            {
                using var tx = db.Database.BeginTransaction();
                db.Orders.Add(new Order());
                db.SaveChanges();
                tx.Commit();
                smtp.Send(mail);
            }
        }
        """);

    [Fact]
    public Task Async_send_inside_await_using_of_an_async_ef_transaction_warns() => Verify("""
        class C
        {
            async Task Place(ShopDb db, SmtpClient smtp, MailMessage mail, CancellationToken ct)
            {
                await using (var tx = await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false))
                {
                    await db.SaveChangesAsync(ct);
                    await [|smtp.SendMailAsync(mail, ct)|];
                    await tx.CommitAsync(ct);
                }
            }
        }
        """);

    [Fact]
    public Task Async_send_after_await_using_block_does_not_warn() => Verify("""
        class C
        {
            async Task Place(ShopDb db, SmtpClient smtp, MailMessage mail, CancellationToken ct)
            {
                await using (var tx = await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false))
                {
                    await db.SaveChangesAsync(ct);
                    await tx.CommitAsync(ct);
                }

                await smtp.SendMailAsync(mail, ct);
            }
        }
        """);

    [Fact]
    public Task Send_in_a_transaction_without_using_warns_until_commit() => Verify("""
        class C
        {
            void Place(ShopDb db, SmtpClient smtp, MailMessage mail)
            {
                var tx = db.Database.BeginTransaction();
                [|smtp.Send(mail)|];
                tx.Commit();
                smtp.Send(mail);
                tx.Dispose();
            }
        }
        """);

    [Fact]
    public Task Send_before_rollback_warns() => Verify("""
        class C
        {
            void Place(ShopDb db, SmtpClient smtp, MailMessage mail, bool ok)
            {
                using var tx = db.Database.BeginTransaction();
                [|smtp.Send(mail)|];
                if (!ok)
                {
                    tx.Rollback();
                    return;
                }

                tx.Commit();
            }
        }
        """);

    [Fact]
    public Task Send_after_rollback_does_not_warn() => Verify("""
        class C
        {
            void Place(ShopDb db, SmtpClient smtp, MailMessage apology, bool ok)
            {
                using var tx = db.Database.BeginTransaction();
                if (!ok)
                {
                    tx.Rollback();
                    smtp.Send(apology);
                    return;
                }

                tx.Commit();
            }
        }
        """);

    [Fact]
    public Task Send_before_Database_CommitTransaction_of_an_unkept_transaction_warns() => Verify("""
        class C
        {
            void Place(ShopDb db, SmtpClient smtp, MailMessage mail)
            {
                db.Database.BeginTransaction();
                [|smtp.Send(mail)|];
                db.Database.CommitTransaction();
            }
        }
        """);

    [Fact]
    public Task Send_after_Database_CommitTransaction_does_not_warn() => Verify("""
        class C
        {
            void Place(ShopDb db, SmtpClient smtp, MailMessage mail)
            {
                db.Database.BeginTransaction();
                db.SaveChanges();
                db.Database.CommitTransaction();
                smtp.Send(mail);
            }
        }
        """);

    [Fact]
    public Task Send_after_commit_through_CurrentTransaction_does_not_warn() => Verify("""
        class C
        {
            void Place(ShopDb db, SmtpClient smtp, MailMessage mail)
            {
                var tx = db.Database.BeginTransaction();
                db.SaveChanges();
                db.Database.CurrentTransaction!.Commit();
                smtp.Send(mail);
            }
        }
        """);

    [Fact]
    public Task Send_after_a_helper_commits_the_transaction_does_not_warn() => Verify("""
        class C
        {
            static Task CommitQuietlyAsync(IDbContextTransaction tx) => tx.CommitAsync();

            async Task Place(ShopDb db, SmtpClient smtp, MailMessage mail)
            {
                var tx = await db.Database.BeginTransactionAsync();
                await db.SaveChangesAsync();
                await CommitQuietlyAsync(tx);
                await smtp.SendMailAsync(mail);
            }
        }
        """);

    [Fact]
    public Task Send_before_a_helper_commits_the_transaction_warns() => Verify("""
        class C
        {
            static Task CommitQuietlyAsync(IDbContextTransaction tx) => tx.CommitAsync();

            async Task Place(ShopDb db, SmtpClient smtp, MailMessage mail)
            {
                var tx = await db.Database.BeginTransactionAsync();
                await [|smtp.SendMailAsync(mail)|];
                await CommitQuietlyAsync(tx);
            }
        }
        """);

    [Fact]
    public Task Second_transaction_is_tracked_on_its_own() => Verify("""
        class C
        {
            void Place(ShopDb db, DbConnection audit, SmtpClient smtp, MailMessage mail)
            {
                using var tx = db.Database.BeginTransaction();
                using var auditTx = audit.BeginTransaction();
                auditTx.Commit();
                [|smtp.Send(mail)|];
                tx.Commit();
                smtp.Send(mail);
            }
        }
        """);

    [Fact]
    public Task Optional_transaction_ends_on_the_null_side_of_a_null_check() => Verify("""
        class C
        {
            void Place(ShopDb db, SmtpClient smtp, MailMessage mail, bool atomic)
            {
                var tx = atomic ? db.Database.BeginTransaction() : null;
                db.SaveChanges();
                [|smtp.Send(mail)|];
                tx?.Commit();
                smtp.Send(mail);
            }
        }
        """);

    [Fact]
    public Task Optional_transaction_committed_under_if_not_null_does_not_warn_after() => Verify("""
        class C
        {
            void Place(ShopDb db, SmtpClient smtp, MailMessage mail, bool atomic)
            {
                IDbContextTransaction? tx = null;
                if (atomic)
                {
                    tx = db.Database.BeginTransaction();
                }

                db.SaveChanges();
                if (tx is not null)
                {
                    tx.Commit();
                }

                smtp.Send(mail);
                if (null != tx)
                {
                    smtp.Send(mail);
                }
            }
        }
        """);

    // ---- ADO.NET DbConnection.BeginTransaction ---------------------------------------------------------------

    [Fact]
    public Task Send_inside_an_ado_transaction_using_block_warns() => Verify("""
        class C
        {
            async Task Place(DbConnection connection, SmtpClient smtp, MailMessage mail)
            {
                await using var tx = await connection.BeginTransactionAsync();
                using var command = connection.CreateCommand();
                command.Transaction = tx;
                command.CommandText = "insert into orders default values";
                await command.ExecuteNonQueryAsync();
                await [|smtp.SendMailAsync(mail)|];
                await tx.CommitAsync();
            }
        }
        """);

    [Fact]
    public Task Send_after_an_ado_transaction_using_block_does_not_warn() => Verify("""
        class C
        {
            void Place(DbConnection connection, SmtpClient smtp, MailMessage mail)
            {
                using (connection.BeginTransaction())
                {
                    using var command = connection.CreateCommand();
                    command.ExecuteNonQuery();
                }

                smtp.Send(mail);
            }
        }
        """);

    [Fact]
    public Task Send_inside_an_unnamed_ado_transaction_using_block_warns() => Verify("""
        class C
        {
            void Place(DbConnection connection, SmtpClient smtp, MailMessage mail)
            {
                using (connection.BeginTransaction())
                {
                    [|smtp.Send(mail)|];
                }
            }
        }
        """);

    [Fact]
    public Task Transaction_held_in_a_field_ends_at_its_commit() => Verify("""
        class C
        {
            private DbTransaction? _tx;

            void Place(DbConnection connection, SmtpClient smtp, MailMessage mail)
            {
                _tx = connection.BeginTransaction();
                [|smtp.Send(mail)|];
                _tx.Commit();
                smtp.Send(mail);
            }
        }
        """);

    // ---- TransactionScope --------------------------------------------------------------------------------------

    [Fact]
    public Task Send_inside_a_TransactionScope_block_warns_even_after_Complete() => Verify("""
        class C
        {
            void Place(ShopDb db, SmtpClient smtp, MailMessage mail)
            {
                using (var scope = new TransactionScope())
                {
                    db.SaveChanges();
                    [|smtp.Send(mail)|];
                    scope.Complete();
                    [|smtp.Send(mail)|];
                }
            }
        }
        """);

    [Fact]
    public Task Send_after_a_TransactionScope_block_does_not_warn() => Verify("""
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

    [Fact]
    public Task Send_in_the_scope_of_a_TransactionScope_declaration_warns() => Verify("""
        class C
        {
            async Task Place(ShopDb db, SmtpClient smtp, MailMessage mail)
            {
                using var scope = new TransactionScope(TransactionScopeOption.Required, TransactionScopeAsyncFlowOption.Enabled);
                await db.SaveChangesAsync();
                await [|smtp.SendMailAsync(mail)|];
                scope.Complete();
            }
        }
        """);

    [Fact]
    public Task Send_after_a_TransactionScope_declaration_goes_out_of_scope_does_not_warn() => Verify("""
        class C
        {
            async Task Place(ShopDb db, SmtpClient smtp, MailMessage mail)
            {
                {
                    using var scope = new TransactionScope(TransactionScopeAsyncFlowOption.Enabled);
                    await db.SaveChangesAsync();
                    scope.Complete();
                }

                await smtp.SendMailAsync(mail);
            }
        }
        """);

    [Fact]
    public Task Send_after_explicit_scope_Dispose_does_not_warn() => Verify("""
        class C
        {
            void Place(SmtpClient smtp, MailMessage mail)
            {
                var scope = new TransactionScope();
                [|smtp.Send(mail)|];
                scope.Complete();
                scope.Dispose();
                smtp.Send(mail);
            }
        }
        """);

    [Fact]
    public Task Send_inside_a_Suppress_scope_alone_does_not_warn() => Verify("""
        class C
        {
            void Notify(SmtpClient smtp, MailMessage mail)
            {
                using (var scope = new TransactionScope(TransactionScopeOption.Suppress))
                {
                    smtp.Send(mail);
                    scope.Complete();
                }
            }
        }
        """);

    [Fact]
    public Task Send_inside_a_Suppress_scope_within_a_transaction_still_warns() => Verify("""
        class C
        {
            void Place(SmtpClient smtp, MailMessage mail)
            {
                using (var outer = new TransactionScope(TransactionScopeOption.RequiresNew))
                {
                    using (new TransactionScope(TransactionScopeOption.Suppress))
                    {
                        [|smtp.Send(mail)|];
                    }

                    outer.Complete();
                }
            }
        }
        """);

    [Fact]
    public Task Scope_whose_option_is_not_a_constant_does_not_warn() => Verify("""
        class C
        {
            void Notify(SmtpClient smtp, MailMessage mail, TransactionScopeOption option)
            {
                using var scope = new TransactionScope(option);
                smtp.Send(mail);
            }
        }
        """);

    [Fact]
    public Task Scope_from_a_helper_method_warns_and_a_suppressing_helper_does_not() => Verify("""
        static class Scopes
        {
            public static TransactionScope ReadCommitted()
                => new(TransactionScopeOption.Required, new TransactionOptions { IsolationLevel = System.Transactions.IsolationLevel.ReadCommitted });

            public static TransactionScope SuppressAmbient() => new(TransactionScopeOption.Suppress);
        }

        class C
        {
            void Place(SmtpClient smtp, MailMessage mail)
            {
                using (var scope = Scopes.ReadCommitted())
                {
                    [|smtp.Send(mail)|];
                    scope.Complete();
                }

                smtp.Send(mail);
                using (Scopes.SuppressAmbient())
                {
                    smtp.Send(mail);
                }
            }
        }
        """);

    // ---- Lambdas and local functions -----------------------------------------------------------------------

    [Fact]
    public Task Send_inside_an_execution_strategy_transaction_warns() => Verify("""
        class C
        {
            Task Place(ShopDb db, SmtpClient smtp, MailMessage mail)
            {
                var strategy = db.Database.CreateExecutionStrategy();
                return strategy.ExecuteAsync(async () =>
                {
                    await using var tx = await db.Database.BeginTransactionAsync();
                    await db.SaveChangesAsync();
                    await [|smtp.SendMailAsync(mail)|];
                    await tx.CommitAsync();
                });
            }
        }
        """);

    [Fact]
    public Task Send_after_commit_inside_an_execution_strategy_does_not_warn() => Verify("""
        class C
        {
            Task Place(ShopDb db, SmtpClient smtp, MailMessage mail)
            {
                var strategy = db.Database.CreateExecutionStrategy();
                return strategy.ExecuteAsync(async () =>
                {
                    await using var tx = await db.Database.BeginTransactionAsync();
                    await db.SaveChangesAsync();
                    await tx.CommitAsync();
                    await smtp.SendMailAsync(mail);
                });
            }
        }
        """);

    [Fact]
    public Task Lambda_run_by_a_call_inside_the_transaction_warns() => Verify("""
        class C
        {
            void Place(ShopDb db, SmtpClient smtp, List<MailMessage> mails)
            {
                using var tx = db.Database.BeginTransaction();
                mails.ForEach(m => [|smtp.Send(m)|]);
                tx.Commit();
            }
        }
        """);

    [Fact]
    public Task Lambda_run_by_a_call_after_the_commit_does_not_warn() => Verify("""
        class C
        {
            void Place(ShopDb db, SmtpClient smtp, List<MailMessage> mails)
            {
                using var tx = db.Database.BeginTransaction();
                db.SaveChanges();
                tx.Commit();
                mails.ForEach(m => smtp.Send(m));
            }
        }
        """);

    [Fact]
    public Task Task_Run_inside_the_transaction_warns() => Verify("""
        class C
        {
            async Task Place(ShopDb db, SmtpClient smtp, MailMessage mail)
            {
                using var tx = db.Database.BeginTransaction();
                await Task.Run(() => [|smtp.SendMailAsync(mail)|]);
                tx.Commit();
            }
        }
        """);

    [Fact]
    public Task Commit_inside_a_lambda_run_in_place_ends_the_transaction() => Verify("""
        class C
        {
            async Task Place(ShopDb db, SmtpClient smtp, MailMessage mail)
            {
                using var tx = db.Database.BeginTransaction();
                var strategy = db.Database.CreateExecutionStrategy();
                await strategy.ExecuteAsync(async () =>
                {
                    await db.SaveChangesAsync();
                    await tx.CommitAsync();
                });
                await smtp.SendMailAsync(mail);
            }
        }
        """);

    [Fact]
    public Task Callback_registered_to_run_later_does_not_warn() => Verify("""
        class UnitOfWork
        {
            public void OnCompleted(Func<Task> handler) { }
            public void AfterCommit(Action handler) { }
            public void Run(Func<Task> work) { }
        }

        class C
        {
            void Place(ShopDb db, UnitOfWork uow, SmtpClient smtp, MailMessage mail)
            {
                using var tx = db.Database.BeginTransaction();
                uow.OnCompleted(() => smtp.SendMailAsync(mail));
                uow.AfterCommit(() => smtp.Send(mail));
                tx.Commit();
            }
        }
        """);

    [Fact]
    public Task Callback_run_now_by_a_user_method_warns() => Verify("""
        class UnitOfWork
        {
            public void OnCompleted(Func<Task> handler) { }
            public void AfterCommit(Action handler) { }
            public void Run(Func<Task> work) { }
        }

        class C
        {
            void Place(ShopDb db, UnitOfWork uow, SmtpClient smtp, MailMessage mail)
            {
                using var tx = db.Database.BeginTransaction();
                uow.Run(() => [|smtp.SendMailAsync(mail)|]);
                tx.Commit();
            }
        }
        """);

    [Fact]
    public Task Event_handler_added_inside_the_transaction_does_not_warn() => Verify("""
        class C
        {
            void Place(SmtpClient smtp, MailMessage mail)
            {
                using var scope = new TransactionScope();
                Transaction.Current!.TransactionCompleted += (_, e) =>
                {
                    if (e.Transaction!.TransactionInformation.Status == TransactionStatus.Committed)
                    {
                        smtp.Send(mail);
                    }
                };
                scope.Complete();
            }
        }
        """);

    [Fact]
    public Task Expression_tree_for_a_job_queue_does_not_warn() => Verify("""
        static class Jobs
        {
            public static void Run(Expression<Func<Task>> job) { }
        }

        class C
        {
            void Place(ShopDb db, SmtpClient smtp, MailMessage mail)
            {
                using var tx = db.Database.BeginTransaction();
                Jobs.Run(() => smtp.SendMailAsync(mail));
                tx.Commit();
            }
        }
        """);

    [Fact]
    public Task Local_function_called_inside_the_transaction_warns() => Verify("""
        class C
        {
            void Place(ShopDb db, SmtpClient smtp, MailMessage mail)
            {
                using var tx = db.Database.BeginTransaction();
                Notify();
                tx.Commit();

                void Notify() => [|smtp.Send(mail)|];
            }
        }
        """);

    [Fact]
    public Task Local_function_called_after_the_commit_does_not_warn() => Verify("""
        class C
        {
            void Place(ShopDb db, SmtpClient smtp, MailMessage mail)
            {
                using (var tx = db.Database.BeginTransaction())
                {
                    db.SaveChanges();
                    tx.Commit();
                }

                Notify();

                void Notify() => smtp.Send(mail);
            }
        }
        """);

    // ---- Loops, branches, catch and finally ------------------------------------------------------------------

    [Fact]
    public Task Send_in_a_loop_inside_the_transaction_warns() => Verify("""
        class C
        {
            void Place(ShopDb db, SmtpClient smtp, IEnumerable<MailMessage> mails)
            {
                using var tx = db.Database.BeginTransaction();
                foreach (var mail in mails)
                {
                    db.SaveChanges();
                    [|smtp.Send(mail)|];
                }

                tx.Commit();
            }
        }
        """);

    [Fact]
    public Task Send_after_commit_in_each_iteration_does_not_warn() => Verify("""
        class C
        {
            void Place(ShopDb db, SmtpClient smtp, IEnumerable<MailMessage> mails)
            {
                foreach (var mail in mails)
                {
                    using var tx = db.Database.BeginTransaction();
                    db.SaveChanges();
                    tx.Commit();
                    smtp.Send(mail);
                }
            }
        }
        """);

    [Fact]
    public Task Send_on_the_next_iteration_before_commit_warns() => Verify("""
        class C
        {
            void Place(ShopDb db, SmtpClient smtp, IReadOnlyList<MailMessage> mails)
            {
                IDbContextTransaction? tx = null;
                for (var i = 0; i < mails.Count; i++)
                {
                    [|smtp.Send(mails[i])|];
                    tx = db.Database.BeginTransaction();
                }

                tx?.Commit();
            }
        }
        """);

    [Fact]
    public Task Send_in_the_other_branch_does_not_warn() => Verify("""
        class C
        {
            void Place(ShopDb db, SmtpClient smtp, MailMessage mail, bool batch)
            {
                if (batch)
                {
                    using var tx = db.Database.BeginTransaction();
                    db.SaveChanges();
                    tx.Commit();
                }
                else
                {
                    smtp.Send(mail);
                }
            }
        }
        """);

    [Fact]
    public Task Send_after_a_branch_that_may_have_begun_a_transaction_warns() => Verify("""
        class C
        {
            void Place(ShopDb db, SmtpClient smtp, MailMessage mail, bool atomic)
            {
                IDbContextTransaction? tx = null;
                if (atomic)
                {
                    tx = db.Database.BeginTransaction();
                }

                db.SaveChanges();
                [|smtp.Send(mail)|];
                tx?.Commit();
            }
        }
        """);

    [Fact]
    public Task Send_in_a_catch_block_while_the_transaction_is_open_warns() => Verify("""
        class C
        {
            void Place(ShopDb db, SmtpClient smtp, MailMessage alert)
            {
                using var tx = db.Database.BeginTransaction();
                try
                {
                    db.SaveChanges();
                    tx.Commit();
                }
                catch (DbUpdateException)
                {
                    [|smtp.Send(alert)|];
                    throw;
                }
            }
        }
        """);

    [Fact]
    public Task Send_in_a_catch_block_after_rollback_does_not_warn() => Verify("""
        class C
        {
            void Place(ShopDb db, SmtpClient smtp, MailMessage alert)
            {
                using var tx = db.Database.BeginTransaction();
                try
                {
                    db.SaveChanges();
                    tx.Commit();
                }
                catch (DbUpdateException)
                {
                    tx.Rollback();
                    smtp.Send(alert);
                    throw;
                }
            }
        }
        """);

    [Fact]
    public Task Send_in_a_catch_block_outside_the_using_does_not_warn() => Verify("""
        class C
        {
            async Task Place(ShopDb db, SmtpClient smtp, MailMessage alert)
            {
                try
                {
                    await using var tx = await db.Database.BeginTransactionAsync();
                    await db.SaveChangesAsync();
                    await tx.CommitAsync();
                }
                catch (Exception)
                {
                    await smtp.SendMailAsync(alert);
                    throw;
                }
            }
        }
        """);

    [Fact]
    public Task Send_in_a_finally_block_inside_the_transaction_warns() => Verify("""
        class C
        {
            void Place(ShopDb db, SmtpClient smtp, MailMessage mail)
            {
                using var scope = new TransactionScope();
                try
                {
                    db.SaveChanges();
                }
                finally
                {
                    [|smtp.Send(mail)|];
                }

                scope.Complete();
            }
        }
        """);

    [Fact]
    public Task Send_in_a_finally_block_after_the_commit_does_not_warn() => Verify("""
        class C
        {
            void Place(ShopDb db, SmtpClient smtp, MailMessage mail)
            {
                try
                {
                    using var tx = db.Database.BeginTransaction();
                    db.SaveChanges();
                    tx.Commit();
                }
                finally
                {
                    smtp.Send(mail);
                }
            }
        }
        """);

    [Fact]
    public Task Send_in_a_finally_block_that_an_exception_before_the_commit_reaches_warns() => Verify("""
        class C
        {
            void Place(ShopDb db, SmtpClient smtp, MailMessage mail)
            {
                using var tx = db.Database.BeginTransaction();
                try
                {
                    db.SaveChanges();
                    tx.Commit();
                }
                finally
                {
                    [|smtp.Send(mail)|];
                }
            }

            void Ok(ShopDb db, SmtpClient smtp, MailMessage mail)
            {
                try
                {
                    using var tx = db.Database.BeginTransaction();
                    db.SaveChanges();
                    tx.Commit();
                }
                finally
                {
                    smtp.Send(mail);
                }
            }
        }
        """);

    [Fact]
    public Task Send_as_a_method_group_or_a_stored_lambda_run_inside_the_transaction_warns() => Verify("""
        class C
        {
            void Place(ShopDb db, SmtpClient smtp, List<MailMessage> mails)
            {
                using var tx = db.Database.BeginTransaction();
                mails.ForEach([|smtp.Send|]);
                Action<MailMessage> send = m => [|smtp.Send(m)|];
                send(mails[0]);
                tx.Commit();
                mails.ForEach(smtp.Send);
                send(mails[0]);
            }

            void Stored(ShopDb db, SmtpClient smtp, MailMessage mail)
            {
                Action send = () => smtp.Send(mail);
                using var tx = db.Database.BeginTransaction();
                tx.Commit();
                send();
            }
        }
        """);

    [Fact]
    public Task Early_return_with_the_transaction_open_does_not_leak_to_the_path_that_committed() => Verify("""
        class C
        {
            void Place(DbConnection connection, SmtpClient smtp, MailMessage mail, bool valid)
            {
                try
                {
                    var tx = connection.BeginTransaction();
                    if (!valid)
                    {
                        return;
                    }

                    tx.Commit();
                }
                finally
                {
                    connection.Close();
                }

                smtp.Send(mail);
            }
        }
        """);

    [Fact]
    public Task Send_after_break_out_of_a_transaction_in_a_loop_does_not_warn() => Verify("""
        class C
        {
            void Place(ShopDb db, SmtpClient smtp, MailMessage mail)
            {
                while (true)
                {
                    using var tx = db.Database.BeginTransaction();
                    if (db.SaveChanges() > 0)
                    {
                        tx.Commit();
                        break;
                    }
                }

                smtp.Send(mail);
            }
        }
        """);

    [Fact]
    public Task Exception_filters_switches_gotos_locks_and_recursion_are_followed() => Verify("""
        class C
        {
            private readonly object _gate = new();

            static bool Log(Exception e) => e.Message.Length > 0;

            void Place(ShopDb db, SmtpClient smtp, MailMessage mail, int kind)
            {
                using var tx = db.Database.BeginTransaction();
                try
                {
                    db.SaveChanges();
                }
                catch (Exception e) when (Log(e))
                {
                    [|smtp.Send(mail)|];
                }

                switch (kind)
                {
                    case 1:
                        lock (_gate)
                        {
                            [|smtp.Send(mail)|];
                        }

                        break;
                    case 2:
                        goto done;
                    default:
                        Retry(3);
                        break;
                }

                tx.Commit();
            done: // reached from case 2 without the commit
                [|smtp.Send(mail)|];

                void Retry(int left)
                {
                    if (left > 0)
                    {
                        Retry(left - 1);
                    }

                    [|smtp.Send(mail)|];
                }
            }
        }
        """);

    [Fact]
    public Task Iterators_async_streams_and_nested_lambdas_are_followed() => Verify("""
        class C
        {
            IEnumerable<int> Iterate(ShopDb db, SmtpClient smtp, MailMessage mail)
            {
                using var tx = db.Database.BeginTransaction();
                yield return 1;
                [|smtp.Send(mail)|];
                tx.Commit();
                yield return 2;
                smtp.Send(mail);
            }

            async IAsyncEnumerable<int> Stream(DbConnection connection, SmtpClient smtp, IEnumerable<MailMessage> mails)
            {
                await using var tx = await connection.BeginTransactionAsync();
                foreach (var batch in mails.Chunk(10))
                {
                    await Task.WhenAll(batch.Select(m => Task.Run(() => [|smtp.SendMailAsync(m)|])));
                    yield return batch.Length;
                }

                await tx.CommitAsync();
                await Task.WhenAll(mails.Select(m => smtp.SendMailAsync(m)));
            }
        }
        """);

    // ---- What counts as a send and as a transaction -------------------------------------------------------

    [Fact]
    public Task User_type_named_SmtpClient_does_not_warn() => Verify("""
        namespace Fake
        {
            class SmtpClient
            {
                public void Send(string text) { }
                public Task SendMailAsync(string text) => Task.CompletedTask;
            }

            class C
            {
                async Task Place(ShopDb db, SmtpClient smtp)
                {
                    using var tx = db.Database.BeginTransaction();
                    smtp.Send("x");
                    await smtp.SendMailAsync("x");
                    tx.Commit();
                }
            }
        }
        """);

    [Fact]
    public Task System_Net_Mail_SmtpClient_all_three_sends_warn() => Verify("""
        class C
        {
            async Task Place(ShopDb db, SmtpClient smtp, MailMessage mail)
            {
                using var tx = db.Database.BeginTransaction();
                [|smtp.Send(mail)|];
                [|smtp.Send("a@example.com", "b@example.com", "subject", "body")|];
                [|smtp.SendAsync(mail, null)|];
                await [|smtp.SendMailAsync(mail)|];
                tx.Commit();
            }
        }
        """);

    [Fact]
    public Task Disposable_named_transaction_does_not_warn() => Verify("""
        sealed class Transaction2 : IDisposable
        {
            public void Commit() { }
            public void Dispose() { }
        }

        class Repository
        {
            public Transaction2 BeginTransaction() => new();
        }

        class C
        {
            void Place(Repository repository, SmtpClient smtp, MailMessage mail)
            {
                using var transaction = repository.BeginTransaction();
                smtp.Send(mail);
                transaction.Commit();
            }
        }
        """);

    [Fact]
    public Task Unit_of_work_wrapper_that_returns_an_ef_transaction_warns() => Verify("""
        class UnitOfWork(ShopDb db)
        {
            public Task<IDbContextTransaction> BeginTransactionAsync() => db.Database.BeginTransactionAsync();
        }

        class C
        {
            async Task Place(UnitOfWork uow, SmtpClient smtp, MailMessage mail)
            {
                await using var transaction = await uow.BeginTransactionAsync();
                await [|smtp.SendMailAsync(mail)|];
                await transaction.CommitAsync();
            }
        }
        """);

    [Fact]
    public Task Unit_of_work_that_commits_for_you_ends_the_transaction() => Verify("""
        class UnitOfWork(ShopDb db)
        {
            public Task<IDbContextTransaction> BeginTransactionAsync() => db.Database.BeginTransactionAsync();
            public Task CommitAsync() => db.Database.CommitTransactionAsync();
        }

        class C
        {
            async Task Place(UnitOfWork uow, SmtpClient smtp, MailMessage mail)
            {
                await uow.BeginTransactionAsync();
                await [|smtp.SendMailAsync(mail)|];
                await uow.CommitAsync();
                await smtp.SendMailAsync(mail);
            }
        }
        """);

    [Fact]
    public Task MailKit_sends_warn() => Verify("""
        class C
        {
            async Task Place(ShopDb db, MailKit.Net.Smtp.SmtpClient smtp, MailKit.IMailTransport transport, MailKit.MailTransport any, MimeKit.MimeMessage mail)
            {
                await using var tx = await db.Database.BeginTransactionAsync();
                [|smtp.Send(mail)|];
                await [|smtp.SendAsync(mail)|];
                await [|transport.SendAsync(mail)|];
                [|transport.Send(mail)|];
                [|any.Send(mail)|];
                await tx.CommitAsync();
                smtp.Send(mail);
            }
        }
        """);

    [Fact]
    public Task MailKit_calls_that_do_not_send_do_not_warn() => Verify("""
        class C
        {
            void Place(ShopDb db, MailKit.Net.Smtp.SmtpClient smtp)
            {
                using var tx = db.Database.BeginTransaction();
                smtp.Connect("localhost", 25);
                tx.Commit();
            }
        }
        """);

    [Fact]
    public Task Well_known_mail_apis_warn_inside_and_not_after() => Verify("""
        sealed class SmtpEmailSender : Microsoft.AspNetCore.Identity.UI.Services.IEmailSender
        {
            public Task SendEmailAsync(string email, string subject, string htmlMessage) => Task.CompletedTask;
            public Task SendEmailAsync(string email) => Task.CompletedTask;
        }

        class C
        {
            async Task Register(
                ShopDb db,
                Microsoft.AspNetCore.Identity.UI.Services.IEmailSender sender,
                SmtpEmailSender smtpSender,
                Microsoft.AspNetCore.Identity.IEmailSender<Order> identitySender,
                FluentEmail.Core.IFluentEmail fluent,
                SendGrid.ISendGridClient sendGrid)
            {
                await using var tx = await db.Database.BeginTransactionAsync();
                await [|sender.SendEmailAsync("a@example.com", "Welcome", "<p>Hi</p>")|];
                await [|smtpSender.SendEmailAsync("a@example.com", "Welcome", "<p>Hi</p>")|];
                await smtpSender.SendEmailAsync("not the interface method");
                await [|identitySender.SendConfirmationLinkAsync(new Order(), "a@example.com", "https://example.com")|];
                await [|fluent.To("a@example.com").SendAsync()|];
                await [|sendGrid.SendEmailAsync(new object())|];
                await tx.CommitAsync();
                await sender.SendEmailAsync("a@example.com", "Welcome", "<p>Hi</p>");
                await fluent.SendAsync();
            }
        }
        """);

    [Fact]
    public Task TypedMail_transport_sends_warn() => Verify("""
        sealed class ConsoleTransport : IEmailTransport
        {
            public string Name => "console";

            public Task<IReadOnlyList<SendResult>> SendAsync(IReadOnlyList<OutgoingEmail> batch, CancellationToken cancellationToken)
                => Task.FromResult<IReadOnlyList<SendResult>>([]);

            public Task SendAsync(string text) => Task.CompletedTask;
        }

        class C
        {
            async Task Place(ShopDb db, IEmailTransport transport, ConsoleTransport console, PickupFolderTransport pickup, IReadOnlyList<OutgoingEmail> batch)
            {
                using var scope = new TransactionScope(TransactionScopeAsyncFlowOption.Enabled);
                await [|transport.SendAsync(batch, default)|];
                await [|console.SendAsync(batch, default)|];
                await [|pickup.SendAsync(batch, default)|];
                await console.SendAsync("not a transport send");
                scope.Complete();
            }
        }
        """);

    [Fact]
    public Task Send_and_transaction_in_different_methods_do_not_warn() => Verify("""
        class C
        {
            void Save(ShopDb db)
            {
                using var tx = db.Database.BeginTransaction();
                db.SaveChanges();
                tx.Commit();
            }

            void Notify(SmtpClient smtp, MailMessage mail) => smtp.Send(mail);
        }
        """);

    [Fact]
    public Task Generated_code_is_not_analyzed() => TypedMailAnalyzerTest<SmtpSendInsideTransactionAnalyzer>.VerifyAsync("// <auto-generated/>\n" + Usings + """
        class C
        {
            void Place(ShopDb db, SmtpClient smtp, MailMessage mail)
            {
                using var tx = db.Database.BeginTransaction();
                smtp.Send(mail);
                tx.Commit();
            }
        }
        """);

    // ---- The diagnostic itself ------------------------------------------------------------------------------

    /// <summary>The message, the location of the send and the transaction's begin (its additional location).</summary>
    [Fact]
    public Task Message_names_the_send_and_the_transaction_and_says_what_to_do() => Verify(
        """
        class C
        {
            async Task Place(ShopDb db, SmtpClient smtp, MailMessage mail)
            {
                await using var tx = await {|#1:db.Database.BeginTransactionAsync()|};
                await {|#0:smtp.SendMailAsync(mail)|};
                await tx.CommitAsync();
            }
        }
        """,
        new DiagnosticResult("TM3001", DiagnosticSeverity.Warning).WithLocation(0).WithLocation(1).WithMessage(
            "'SmtpClient.SendMailAsync' sends mail inside the transaction begun by 'BeginTransactionAsync' on line 18: the mail goes out "
            + "even if the transaction rolls back, and again each time the work is retried. Enqueue it through the TypedMail outbox "
            + "instead (db.Emails().Enqueue(...)), which sends it only once the transaction has committed."));

    [Fact]
    public Task Each_send_is_reported_once_with_the_first_open_transaction() => Verify(
        """
        class C
        {
            void Place(ShopDb db, SmtpClient smtp, MailMessage mail)
            {
                using var scope = {|#1:new TransactionScope()|};
                using var tx = db.Database.BeginTransaction();
                {|#0:smtp.Send(mail)|};
                tx.Commit();
                scope.Complete();
            }
        }
        """,
        new DiagnosticResult("TM3001", DiagnosticSeverity.Warning).WithLocation(0).WithLocation(1).WithArguments("SmtpClient.Send", "new TransactionScope", "18"));
}
