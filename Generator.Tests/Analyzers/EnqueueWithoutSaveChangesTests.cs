using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using Microsoft.CodeAnalysis;
using TypedMail.Analyzers;
using TypedMail.Generator.Tests.Analyzers.Infrastructure;

namespace TypedMail.Generator.Tests.Analyzers;

/// <summary>TM3002. Every case that warns has a twin that must not.</summary>
public sealed class EnqueueWithoutSaveChangesTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using System.Threading;
        using System.Threading.Tasks;
        using Microsoft.EntityFrameworkCore;
        using Microsoft.Extensions.DependencyInjection;
        using Shop;
        using TypedMail;

        """;

    private static Task Verify(string markup, params DiagnosticResult[] expected) => TypedMailAnalyzerTest<EnqueueWithoutSaveChangesAnalyzer>.VerifyAsync(Usings + markup, expected);

    // ---- Where the context comes from ------------------------------------------------------------------------

    [Fact]
    public Task Context_created_with_new_and_never_saved_warns() => Verify("""
        class C
        {
            void SignUp(string name)
            {
                using var db = new ShopDb();
                db.Orders.Add(new Order { Customer = name });
                [|db.Emails().Enqueue(new WelcomeEmail(name), "ada@example.com")|];
            }
        }
        """);

    [Fact]
    public Task Context_created_with_new_and_saved_does_not_warn() => Verify("""
        class C
        {
            void SignUp(string name)
            {
                using var db = new ShopDb();
                db.Orders.Add(new Order { Customer = name });
                db.Emails().Enqueue(new WelcomeEmail(name), "ada@example.com");
                db.SaveChanges();
            }
        }
        """);

    [Fact]
    public Task Context_from_a_factory_and_never_saved_warns() => Verify("""
        class C(IDbContextFactory<ShopDb> factory)
        {
            async Task SignUp(string name, CancellationToken ct)
            {
                await using var db = await factory.CreateDbContextAsync(ct);
                [|db.Emails().Enqueue(new WelcomeEmail(name), "ada@example.com")|];
                await db.Orders.ToListAsync(ct);
            }

            void SignUpSync(string name)
            {
                using (var db = factory.CreateDbContext())
                {
                    [|db.Emails().Enqueue(new WelcomeEmail(name), "ada@example.com")|];
                }
            }
        }
        """);

    [Fact]
    public Task Context_from_a_factory_and_saved_does_not_warn() => Verify("""
        class C(IDbContextFactory<ShopDb> factory)
        {
            async Task SignUp(string name, CancellationToken ct)
            {
                await using var db = await factory.CreateDbContextAsync(ct).ConfigureAwait(false);
                db.Emails().Enqueue(new WelcomeEmail(name), "ada@example.com");
                await db.SaveChangesAsync(ct).ConfigureAwait(false);
            }

            void SignUpSync(string name)
            {
                using (var db = factory.CreateDbContext())
                {
                    db.Emails().Enqueue(new WelcomeEmail(name), "ada@example.com");
                    db.SaveChanges(acceptAllChangesOnSuccess: true);
                }
            }
        }
        """);

    [Fact]
    public Task Context_from_a_DI_scope_the_method_creates_warns_when_unsaved() => Verify("""
        class Worker(Microsoft.Extensions.DependencyInjection.IServiceScopeFactory scopes, IServiceProvider root)
        {
            async Task Unsaved(string name)
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<ShopDb>();
                [|db.Emails().Enqueue(new WelcomeEmail(name), "a@example.com")|];
            }

            async Task Saved(string name)
            {
                using var scope = scopes.CreateScope();
                var db = scope.ServiceProvider.GetRequiredService<ShopDb>();
                db.Emails().Enqueue(new WelcomeEmail(name), "a@example.com");
                await db.SaveChangesAsync();
            }

            void FromTheRootProvider(string name)
            {
                var db = root.GetRequiredService<ShopDb>();
                db.Emails().Enqueue(new WelcomeEmail(name), "a@example.com");
            }
        }
        """);

    [Fact]
    public Task Context_from_a_parameter_field_or_property_does_not_warn() => Verify("""
        class C(ShopDb injected)
        {
            private readonly ShopDb _db = injected;

            private ShopDb Db => _db;

            void FromParameter(ShopDb db) => db.Emails().Enqueue(new WelcomeEmail("a"), "a@example.com");

            void FromField() => _db.Emails().Enqueue(new WelcomeEmail("a"), "a@example.com");

            void FromProperty() => Db.Emails().Enqueue(new WelcomeEmail("a"), "a@example.com");

            void FromLocalCopyOfParameter(ShopDb db)
            {
                var local = db;
                local.Emails().Enqueue(new WelcomeEmail("a"), "a@example.com");
            }
        }
        """);

    [Fact]
    public Task Context_created_in_a_local_that_is_also_assigned_from_outside_does_not_warn() => Verify("""
        class C
        {
            void SignUp(ShopDb? shared)
            {
                var db = new ShopDb();
                if (shared is not null)
                {
                    db = shared;
                }

                db.Emails().Enqueue(new WelcomeEmail("a"), "a@example.com");
            }
        }
        """);

    // ---- Where the context goes ---------------------------------------------------------------------------

    [Fact]
    public Task Context_handed_to_someone_else_does_not_warn() => Verify("""
        class UnitOfWork(ShopDb db)
        {
            public ShopDb Db { get; } = db;
            public static void Complete(ShopDb db) => db.SaveChanges();
        }

        class C
        {
            private ShopDb? _kept;

            void Passed()
            {
                var db = new ShopDb();
                db.Emails().Enqueue(new WelcomeEmail("a"), "a@example.com");
                UnitOfWork.Complete(db);
            }

            UnitOfWork Wrapped()
            {
                var db = new ShopDb();
                db.Emails().Enqueue(new WelcomeEmail("a"), "a@example.com");
                return new UnitOfWork(db);
            }

            ShopDb Returned()
            {
                var db = new ShopDb();
                db.Emails().Enqueue(new WelcomeEmail("a"), "a@example.com");
                return db;
            }

            void Stored()
            {
                var db = new ShopDb();
                db.Emails().Enqueue(new WelcomeEmail("a"), "a@example.com");
                _kept = db;
            }

            Func<int> Captured()
            {
                var db = new ShopDb();
                db.Emails().Enqueue(new WelcomeEmail("a"), "a@example.com");
                return () => db.SaveChanges();
            }
        }
        """);

    [Fact]
    public Task Context_kept_to_the_method_and_only_read_warns() => Verify("""
        static class Reports
        {
            public static int CountOrders(this ShopDb db) => db.Orders.Count();
        }

        class C
        {
            int SignUp()
            {
                using var db = new ShopDb();
                [|db.Emails().Enqueue(new WelcomeEmail("a"), "a@example.com")|];
                var count = db.CountOrders() + db.Orders.Count();
                db.Dispose();
                return count;
            }
        }
        """);

    // ---- Paths ----------------------------------------------------------------------------------------------------

    [Fact]
    public Task Save_only_before_the_enqueue_warns() => Verify("""
        class C
        {
            void SignUp()
            {
                using var db = new ShopDb();
                db.Orders.Add(new Order());
                db.SaveChanges();
                [|db.Emails().Enqueue(new WelcomeEmail("a"), "a@example.com")|];
            }
        }
        """);

    [Fact]
    public Task Save_after_a_loop_of_enqueues_does_not_warn() => Verify("""
        class C
        {
            void SignUp(IEnumerable<string> names)
            {
                using var db = new ShopDb();
                foreach (var name in names)
                {
                    db.Emails().Enqueue(new WelcomeEmail(name), "a@example.com");
                }

                db.SaveChanges();
            }
        }
        """);

    [Fact]
    public Task Save_at_the_top_of_the_next_iteration_does_not_warn() => Verify("""
        class C
        {
            void SignUp(Queue<string> names)
            {
                using var db = new ShopDb();
                while (names.Count > 0)
                {
                    db.SaveChanges();
                    db.Emails().Enqueue(new WelcomeEmail(names.Dequeue()), "a@example.com");
                }
            }
        }
        """);

    [Fact]
    public Task Early_return_that_abandons_the_work_does_not_warn_when_another_path_saves() => Verify("""
        class C
        {
            async Task<bool> SignUp(string name)
            {
                await using var db = new ShopDb();
                db.Emails().Enqueue(new WelcomeEmail(name), "a@example.com");
                if (name.Length == 0)
                {
                    return false;
                }

                await db.SaveChangesAsync();
                return true;
            }
        }
        """);

    [Fact]
    public Task Save_only_in_a_catch_block_warns() => Verify("""
        class C
        {
            void SignUp()
            {
                using var db = new ShopDb();
                try
                {
                    [|db.Emails().Enqueue(new WelcomeEmail("a"), "a@example.com")|];
                }
                catch (InvalidOperationException)
                {
                    db.SaveChanges();
                }
            }
        }
        """);

    [Fact]
    public Task Save_in_a_finally_block_does_not_warn() => Verify("""
        class C
        {
            void SignUp()
            {
                using var db = new ShopDb();
                try
                {
                    db.Emails().Enqueue(new WelcomeEmail("a"), "a@example.com");
                }
                finally
                {
                    db.SaveChanges();
                }
            }
        }
        """);

    [Fact]
    public Task Enqueue_in_a_finally_block_followed_by_a_save_does_not_warn() => Verify("""
        class C
        {
            void SignUp()
            {
                using var db = new ShopDb();
                try
                {
                    db.Orders.Add(new Order());
                }
                finally
                {
                    db.Emails().Enqueue(new WelcomeEmail("a"), "a@example.com");
                }

                db.SaveChanges();
            }
        }
        """);

    [Fact]
    public Task Commit_without_save_warns() => Verify("""
        class C
        {
            void SignUp()
            {
                using var db = new ShopDb();
                using var tx = db.Database.BeginTransaction();
                [|db.Emails().Enqueue(new WelcomeEmail("a"), "a@example.com")|];
                tx.Commit();
            }
        }
        """);

    [Fact]
    public Task Save_through_an_extension_method_does_not_warn() => Verify("""
        static class Bulk
        {
            public static Task BulkSaveChangesAsync(this DbContext db) => db.SaveChangesAsync();
        }

        class C
        {
            async Task SignUp()
            {
                using var db = new ShopDb();
                db.Emails().Enqueue(new WelcomeEmail("a"), "a@example.com");
                await db.BulkSaveChangesAsync();
            }
        }
        """);

    // ---- Outbox forms, lambdas ---------------------------------------------------------------------------

    [Fact]
    public Task Outbox_kept_in_a_local_warns_when_unsaved() => Verify("""
        class C
        {
            void SignUp(string[] names)
            {
                using var db = new ShopDb();
                var outbox = db.Emails();
                [|outbox.Enqueue(new WelcomeEmail(names[0]), "a@example.com")|];
                [|outbox.EnqueueRendered("Shop.WelcomeEmail", new RenderedEmail("s", null, "t"), "b@example.com", null)|];
            }
        }
        """);

    [Fact]
    public Task Outbox_kept_in_a_local_does_not_warn_when_saved() => Verify("""
        class C
        {
            void SignUp(string[] names)
            {
                using var db = new ShopDb();
                var outbox = db.Emails();
                outbox.Enqueue(new WelcomeEmail(names[0]), "a@example.com");
                outbox.EnqueueRendered("Shop.WelcomeEmail", new RenderedEmail("s", null, "t"), "b@example.com", null);
                db.SaveChanges();
            }
        }
        """);

    [Fact]
    public Task Enqueue_with_arguments_that_branch_is_still_matched() => Verify("""
        class C
        {
            void SignUp(string? name, string? address)
            {
                using var db = new ShopDb();
                [|db.Emails().Enqueue(new WelcomeEmail(name ?? "friend"), address ?? "fallback@example.com")|];
            }

            void SignUpAndSave(string? name, string? address)
            {
                using var db = new ShopDb();
                db.Emails().Enqueue(new WelcomeEmail(name ?? "friend"), address ?? "fallback@example.com");
                db.SaveChanges();
            }
        }
        """);

    [Fact]
    public Task Context_created_inside_a_lambda_warns_when_unsaved() => Verify("""
        class C(IDbContextFactory<ShopDb> factory)
        {
            Func<Task> Job(string name) => async () =>
            {
                await using var db = await factory.CreateDbContextAsync();
                [|db.Emails().Enqueue(new WelcomeEmail(name), "a@example.com")|];
            };

            Func<Task> SavedJob(string name) => async () =>
            {
                await using var db = await factory.CreateDbContextAsync();
                db.Emails().Enqueue(new WelcomeEmail(name), "a@example.com");
                await db.SaveChangesAsync();
            };
        }
        """);

    [Fact]
    public Task Context_saved_inside_an_execution_strategy_lambda_does_not_warn() => Verify("""
        class C
        {
            async Task SignUp()
            {
                await using var db = new ShopDb();
                var strategy = db.Database.CreateExecutionStrategy();
                await strategy.ExecuteAsync(async () =>
                {
                    db.Emails().Enqueue(new WelcomeEmail("a"), "a@example.com");
                    await db.SaveChangesAsync();
                });
            }
        }
        """);

    // ---- Every statement form (each test: an enqueue that warns, and its twin that does not) ------------------

    [Fact]
    public Task Enqueue_in_try_catch_and_finally() => Verify("""
        class C
        {
            void InTry()
            {
                using var db = new ShopDb();
                try
                {
                    db.Emails().Enqueue(new WelcomeEmail("a"), "a@example.com");
                }
                catch (InvalidOperationException)
                {
                    return;
                }

                db.SaveChanges();
            }

            void InCatchNeverSaved()
            {
                using var db = new ShopDb();
                try
                {
                    db.SaveChanges();
                }
                catch (DbUpdateException)
                {
                    [|db.Emails().Enqueue(new WelcomeEmail("a"), "a@example.com")|];
                }
            }

            void InCatchSavedAfter()
            {
                using var db = new ShopDb();
                try
                {
                    db.Orders.Add(new Order());
                }
                catch (InvalidOperationException)
                {
                    db.Emails().Enqueue(new WelcomeEmail("a"), "a@example.com");
                }

                db.SaveChanges();
            }

            void InFinallyNeverSaved()
            {
                using var db = new ShopDb();
                try
                {
                    db.Orders.Add(new Order());
                }
                finally
                {
                    [|db.Emails().Enqueue(new WelcomeEmail("a"), "a@example.com")|];
                }
            }

            void InFinallySavedInAnOuterFinally()
            {
                using var db = new ShopDb();
                try
                {
                    try
                    {
                        db.Orders.Add(new Order());
                    }
                    finally
                    {
                        db.Emails().Enqueue(new WelcomeEmail("a"), "a@example.com");
                    }
                }
                finally
                {
                    db.SaveChanges();
                }
            }
        }
        """);

    [Fact]
    public Task Enqueue_in_using_blocks_and_declarations() => Verify("""
        class C(IDbContextFactory<ShopDb> factory)
        {
            void Block()
            {
                using (var db = new ShopDb())
                {
                    [|db.Emails().Enqueue(new WelcomeEmail("a"), "a@example.com")|];
                }

                using (var db = new ShopDb())
                {
                    db.Emails().Enqueue(new WelcomeEmail("a"), "a@example.com");
                    db.SaveChanges();
                }
            }

            async Task Declaration()
            {
                {
                    await using var db = await factory.CreateDbContextAsync();
                    [|db.Emails().Enqueue(new WelcomeEmail("a"), "a@example.com")|];
                }

                await using var saved = await factory.CreateDbContextAsync();
                saved.Emails().Enqueue(new WelcomeEmail("a"), "a@example.com");
                await saved.SaveChangesAsync();
            }
        }
        """);

    [Fact]
    public Task Enqueue_in_switch_statements_and_expressions() => Verify("""
        class C
        {
            void Statement(int kind)
            {
                using var db = new ShopDb();
                switch (kind)
                {
                    case 1:
                        db.Emails().Enqueue(new WelcomeEmail("a"), "a@example.com");
                        break;
                    case 2:
                        [|db.Emails().Enqueue(new WelcomeEmail("b"), "b@example.com")|];
                        return;
                }

                db.SaveChanges();
            }

            void Expression(int kind)
            {
                using var db = new ShopDb();
                var queued = kind switch
                {
                    1 => [|db.Emails().Enqueue(new WelcomeEmail("a"), "a@example.com")|],
                    _ => null,
                };

                using var saved = new ShopDb();
                var other = kind switch
                {
                    1 => saved.Emails().Enqueue(new WelcomeEmail("a"), "a@example.com"),
                    _ => null,
                };
                saved.SaveChanges();
            }
        }
        """);

    [Fact]
    public Task Enqueue_in_loops_with_break_and_continue() => Verify("""
        class C
        {
            void BreakBeforeAnySave(string[] names)
            {
                using var db = new ShopDb();
                foreach (var name in names)
                {
                    [|db.Emails().Enqueue(new WelcomeEmail(name), "a@example.com")|];
                    if (name.Length == 0)
                    {
                        break;
                    }
                }
            }

            // The documented limit: one saving path is enough, so a break that skips the save is not reported.
            void BreakThatSkipsTheSaveOfOneIteration(string[] names)
            {
                using var db = new ShopDb();
                foreach (var name in names)
                {
                    db.Emails().Enqueue(new WelcomeEmail(name), "a@example.com");
                    if (name.Length == 0)
                    {
                        break;
                    }

                    db.SaveChanges();
                }
            }

            void BreakThenSave(string[] names)
            {
                using var db = new ShopDb();
                for (var i = 0; i < names.Length; i++)
                {
                    if (names[i].Length == 0)
                    {
                        continue;
                    }

                    db.Emails().Enqueue(new WelcomeEmail(names[i]), "a@example.com");
                    if (i > 10)
                    {
                        break;
                    }
                }

                db.SaveChanges();
            }

            void WhileNeverSaved(Queue<string> names)
            {
                using var db = new ShopDb();
                while (names.Count > 0)
                {
                    [|db.Emails().Enqueue(new WelcomeEmail(names.Dequeue()), "a@example.com")|];
                }
            }
        }
        """);

    [Fact]
    public Task Enqueue_in_local_functions_and_lambdas() => Verify("""
        class C(IDbContextFactory<ShopDb> factory)
        {
            void Local()
            {
                Unsaved();
                Saved();

                void Unsaved()
                {
                    using var db = factory.CreateDbContext();
                    [|db.Emails().Enqueue(new WelcomeEmail("a"), "a@example.com")|];
                }

                void Saved()
                {
                    using var db = factory.CreateDbContext();
                    db.Emails().Enqueue(new WelcomeEmail("a"), "a@example.com");
                    db.SaveChanges();
                }
            }

            void SavedByALocalFunction()
            {
                using var db = factory.CreateDbContext();
                db.Emails().Enqueue(new WelcomeEmail("a"), "a@example.com");
                Save();

                void Save() => db.SaveChanges();
            }

            Func<Task> Lambdas() => async () =>
            {
                await using var unsaved = await factory.CreateDbContextAsync();
                [|unsaved.Emails().Enqueue(new WelcomeEmail("a"), "a@example.com")|];
                await using var saved = await factory.CreateDbContextAsync();
                saved.Emails().Enqueue(new WelcomeEmail("a"), "a@example.com");
                await saved.SaveChangesAsync();
            };
        }
        """);

    [Fact]
    public Task Enqueue_in_async_methods() => Verify("""
        class C(IDbContextFactory<ShopDb> factory)
        {
            async Task Unsaved(CancellationToken ct)
            {
                await using var db = await factory.CreateDbContextAsync(ct);
                await Task.Delay(1, ct);
                [|db.Emails().Enqueue(new WelcomeEmail("a"), "a@example.com")|];
                await db.Orders.ToListAsync(ct);
            }

            async ValueTask<int> Saved(CancellationToken ct)
            {
                await using var db = await factory.CreateDbContextAsync(ct).ConfigureAwait(false);
                db.Emails().Enqueue(new WelcomeEmail("a"), "a@example.com");
                return await db.SaveChangesAsync(ct).ConfigureAwait(false);
            }
        }
        """);

    // ---- The diagnostic itself ------------------------------------------------------------------------------

    [Fact]
    public Task Message_names_the_context_and_says_what_to_do() => Verify(
        """
        class C
        {
            void SignUp()
            {
                using var shop = new ShopDb();
                {|#0:shop.Emails().Enqueue(new WelcomeEmail("a"), "a@example.com")|};
            }
        }
        """,
        new DiagnosticResult("TM3002", DiagnosticSeverity.Warning).WithLocation(0).WithMessage(
            "The email enqueued here is never saved: 'shop' is created in this method and no SaveChanges on it follows, so the email "
            + "is dropped with the context. Call 'shop.SaveChanges()' or 'shop.SaveChangesAsync()' after Enqueue."));

    /// <summary>The analyzer recognizes the Enqueue methods the real generator emits, not only the test's copy.</summary>
    [Fact]
    public async Task Generated_Enqueue_is_recognized()
    {
        var test = new TypedMailAnalyzerTest<EnqueueWithoutSaveChangesAnalyzer>
        {
            TestCode = """
                using Microsoft.EntityFrameworkCore;
                using TypedMail;

                namespace Signup
                {
                    [Email]
                    public partial record HelloEmail(string Name);

                    public sealed class AppDb : DbContext
                    {
                    }

                    class C
                    {
                        void Unsaved()
                        {
                            using var db = new AppDb();
                            [|db.Emails().Enqueue(new HelloEmail("Ada"), "ada@example.com")|];
                        }

                        void Saved()
                        {
                            using var db = new AppDb();
                            db.Emails().Enqueue(new HelloEmail("Ada"), "ada@example.com");
                            db.SaveChanges();
                        }
                    }
                }
                """,
            SourceGenerators = { typeof(EmailGenerator) },
            TestState =
            {
                AdditionalFiles = { ("Mail/HelloEmail.subject.scriban", "Hello {{ name }}"), ("Mail/HelloEmail.text.scriban", "Hi {{ name }}") },
            },
            // The generated code itself is the subject of the generator's snapshot tests.
            TestBehaviors = TestBehaviors.SkipGeneratedSourcesCheck,
        };
        await test.RunAsync();
    }
}
