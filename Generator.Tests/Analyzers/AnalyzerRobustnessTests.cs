using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using TypedMail.Analyzers;
using TypedMail.Generator.Tests.Analyzers.Infrastructure;
using TypedMail.Generator.Tests.Infrastructure;

namespace TypedMail.Generator.Tests.Analyzers;

/// <summary>
/// The analyzers and the generator never throw, whatever the compilation lacks: TypedMail's runtime, EF Core,
/// System.Transactions, MailKit, everything but corlib, or even corlib. The code mentions every type they look for,
/// so it does not compile when a reference is missing: they must still run quietly (an IDE analyzes broken code too).
/// These compilations cannot be built by the Roslyn testing framework (it always references its reference
/// assemblies and fails on compile errors), so the test uses <see cref="DirectAnalysis"/>.
/// </summary>
public sealed class AnalyzerRobustnessTests
{
    private const string Code = """
        using System;
        using System.Data.Common;
        using System.Net.Mail;
        using System.Threading.Tasks;
        using System.Transactions;
        using Microsoft.EntityFrameworkCore;
        using TypedMail;
        using TypedMail.Transports;

        namespace App;

        [Email]
        public partial record WelcomeEmail(string Name);

        public sealed class Db : DbContext { }

        public interface INotifier { Task NotifyAsync(); }

        public sealed class SmtpNotifier(SmtpClient smtp, IEmailTransport transport, MailKit.Net.Smtp.SmtpClient mailKit) : INotifier
        {
            public async Task NotifyAsync()
            {
                smtp.Send("a@example.com", "b@example.com", "s", "b");
                mailKit.Send(new MimeKit.MimeMessage());
                await transport.SendAsync(null!, default);
            }
        }

        public sealed class Service(Db db, DbConnection connection, INotifier notifier, SmtpClient smtp)
        {
            public async Task Place()
            {
                using var scope = new TransactionScope();
                await using var tx = await db.Database.BeginTransactionAsync();
                using var raw = connection.BeginTransaction();
                smtp.Send("a@example.com", "b@example.com", "s", "b");
                await notifier.NotifyAsync();
                Action later = () => smtp.Send("a@example.com", "b@example.com", "s", "b");
                later();
                await tx.CommitAsync();
                scope.Complete();
            }

            public void SignUp()
            {
                using var other = new Db();
                other.Emails().EnqueueRendered("App.WelcomeEmail", new RenderedEmail("Hi", null, "Hello"), "a@example.com", null);
                Local();

                void Local() => other.SaveChanges();
            }
        }
        """;

    public static TheoryData<string> Lacking => new(["TypedMail", "Microsoft.EntityFrameworkCore", "System.Transactions", "MailKit", "all but corlib", "everything"]);

    [Theory]
    [MemberData(nameof(Lacking))]
    public async Task Analyzers_do_not_throw_on_a_compilation_without(string lacking)
    {
        var compilation = Compilation(lacking);
        var analyzers = typeof(SmtpSendInsideTransactionAnalyzer).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t))
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();
        Assert.Equal(2, analyzers.Length);
        await DirectAnalysis.AnalyzeAsync(compilation, analyzers);
    }

    [Theory]
    [MemberData(nameof(Lacking))]
    public void Generator_does_not_throw_on_a_compilation_without(string lacking)
    {
        var driver = CSharpGeneratorDriver.Create(new EmailGenerator()).RunGenerators(Compilation(lacking));
        var result = Assert.Single(driver.GetRunResult().Results);
        Assert.Null(result.Exception);
        Assert.DoesNotContain(driver.GetRunResult().Diagnostics, d => d.Id is "CS8784" or "CS8785");
    }

    [Fact]
    public void The_full_compilation_compiles()
    {
        // The code is real: with every reference it compiles, so each variant only lacks what it says.
        Assert.Empty(Compilation("nothing").GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()));
    }

    /// <summary>The code, referencing everything but <paramref name="lacking"/>; "nothing" lacks nothing.</summary>
    private static CSharpCompilation Compilation(string lacking)
    {
        var references = lacking switch
        {
            "all but corlib" => [TestReferences.FrameworkAssembly("System.Runtime.dll")],
            "everything" => [],
            "nothing" => TestReferences.All,
            _ => TestReferences.All.Where(r => !Path.GetFileName(r.Display!).StartsWith(lacking + ".", StringComparison.Ordinal)).ToImmutableArray(),
        };
        Assert.True(lacking is "nothing" or "all but corlib" or "everything" || references.Length < TestReferences.All.Length, $"No reference is named {lacking}.*");
        return CSharpCompilation.Create(
            "Robustness",
            [CSharpSyntaxTree.ParseText(Code, new CSharpParseOptions(LanguageVersion.Latest), path: "Test.cs")],
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
    }
}
