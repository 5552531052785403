using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using System.Threading.Tasks;
using System;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;
using Microsoft.CodeAnalysis.Text;
using Microsoft.CodeAnalysis;
using TypedMail.Analyzers;
using TypedMail.Generator.Tests.Analyzers.Infrastructure;

namespace TypedMail.Generator.Tests.Analyzers;

/// <summary>
/// The compiler loads TypedMail.Analyzers.dll without Microsoft.CodeAnalysis.Workspaces (only the IDE has it, for
/// the code fixes in the same assembly). Load it the way csc does, through <see cref="AnalyzerFileReference"/>,
/// in a load context where Workspaces cannot be found, and run what it gives. The Roslyn testing framework takes an
/// analyzer type, not instances from another load context, so this test uses <see cref="DirectAnalysis"/>.
/// </summary>
public sealed class AnalyzerPackagingTests
{
    [Fact]
    public async Task Analyzers_load_and_run_without_Workspaces()
    {
        var loader = new CompilerOnlyLoader();
        var reference = new AnalyzerFileReference(typeof(SmtpSendInsideTransactionAnalyzer).Assembly.Location, loader);
        var failures = new List<string>();
        reference.AnalyzerLoadFailed += (_, e) => failures.Add(e.Message + " " + e.Exception);

        var analyzers = reference.GetAnalyzers(LanguageNames.CSharp);
        Assert.Empty(failures);
        Assert.Equal(["EnqueueWithoutSaveChangesAnalyzer", "SmtpSendInsideTransactionAnalyzer"], analyzers.Select(a => a.GetType().Name).Order(StringComparer.Ordinal));
        Assert.All(analyzers, a => Assert.Same(loader.Context, AssemblyLoadContext.GetLoadContext(a.GetType().Assembly)));

        TestFileMarkupParser.GetSpans("""
            using System.Net.Mail;
            using Shop;
            using TypedMail;

            class C
            {
                void Place(ShopDb db, SmtpClient smtp, MailMessage mail)
                {
                    using var tx = db.Database.BeginTransaction();
                    [|smtp.Send(mail)|];
                    tx.Commit();
                    using var other = new ShopDb();
                    [|other.Emails().Enqueue(new WelcomeEmail("a"), "a@example.com")|];
                }
            }
            """, out var code, out ImmutableArray<TextSpan> expected);
        var compilation = DirectAnalysis.Compilation(code);
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        var diagnostics = await DirectAnalysis.AnalyzeAsync(compilation, analyzers);
        Assert.Equal(expected, diagnostics.Select(d => d.Location.SourceSpan).OrderBy(s => s.Start));
        Assert.Empty(loader.Context.Refused);

        // The context really lacks Workspaces: the code fixes, which need it, do not load there.
        var assembly = analyzers[0].GetType().Assembly;
        Assert.ThrowsAny<Exception>(() => assembly.GetType(typeof(TypedMail.Analyzers.CodeFixes.SmtpSendInsideTransactionCodeFixProvider).FullName!, throwOnError: true));
        Assert.Contains("Microsoft.CodeAnalysis.Workspaces", loader.Context.Refused);
    }

    /// <summary>
    /// Shares the compiler's own assemblies (Microsoft.CodeAnalysis, .CSharp) and the framework with the test, and
    /// refuses Workspaces and MEF, as a command-line build would.
    /// </summary>
    private sealed class CompilerOnlyLoader : IAnalyzerAssemblyLoader
    {
        public AnalyzerContext Context { get; } = new();

        public void AddDependencyLocation(string fullPath)
        {
        }

        public Assembly LoadFromPath(string fullPath) => Context.LoadFromAssemblyPath(fullPath);

        public sealed class AnalyzerContext() : AssemblyLoadContext("compiler-only", isCollectible: true)
        {
            public List<string> Refused { get; } = [];

            protected override Assembly? Load(AssemblyName name)
            {
                if (name.Name is "Microsoft.CodeAnalysis" or "Microsoft.CodeAnalysis.CSharp")
                {
                    return null;
                }

                if (name.Name!.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal) || name.Name.StartsWith("System.Composition", StringComparison.Ordinal))
                {
                    Refused.Add(name.Name);
                    throw new FileNotFoundException($"{name.Name} is not available to the compiler.");
                }

                return null;
            }
        }
    }
}
