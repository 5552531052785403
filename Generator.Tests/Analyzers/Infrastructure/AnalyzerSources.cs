using System;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using TypedMail.Generator.Tests.Infrastructure;

namespace TypedMail.Generator.Tests.Analyzers.Infrastructure;

/// <summary>
/// Code that every analyzer test compilation references besides the test's own code: an application and the shape of
/// some mail APIs, compiled once into an assembly (<see cref="Reference"/>). MailKit itself is a real reference.
/// </summary>
public static class AnalyzerSources
{
    private static readonly Lazy<MetadataReference> Compiled = new(() =>
    {
        var compilation = CSharpCompilation.Create(
            "TestApp",
            [CSharpSyntaxTree.ParseText(App, new CSharpParseOptions(LanguageVersion.Latest)), CSharpSyntaxTree.ParseText(OtherMailApis, new CSharpParseOptions(LanguageVersion.Latest))],
            TestReferences.All,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        using var stream = new MemoryStream();
        var emit = compilation.Emit(stream);
        if (!emit.Success)
        {
            throw new InvalidOperationException("The analyzer tests' application does not compile:\n" + string.Join("\n", emit.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        }

        return MetadataReference.CreateFromImage(stream.ToArray());
    });

    /// <summary><see cref="App"/> and <see cref="OtherMailApis"/>, compiled.</summary>
    public static MetadataReference Reference => Compiled.Value;

    /// <summary>The shape of other well-known mail APIs (ASP.NET Core Identity, FluentEmail, SendGrid), also matched by metadata name.</summary>
    public const string OtherMailApis = """
        namespace Microsoft.AspNetCore.Identity.UI.Services
        {
            public interface IEmailSender
            {
                System.Threading.Tasks.Task SendEmailAsync(string email, string subject, string htmlMessage);
            }
        }

        namespace Microsoft.AspNetCore.Identity
        {
            public interface IEmailSender<TUser> where TUser : class
            {
                System.Threading.Tasks.Task SendConfirmationLinkAsync(TUser user, string email, string confirmationLink);
            }
        }

        namespace FluentEmail.Core
        {
            public interface IFluentEmail
            {
                IFluentEmail To(string address);
                System.Threading.Tasks.Task<bool> SendAsync(System.Threading.CancellationToken? token = null);
            }
        }

        namespace SendGrid
        {
            public interface ISendGridClient
            {
                System.Threading.Tasks.Task<object> SendEmailAsync(object message, System.Threading.CancellationToken cancellationToken = default);
            }
        }
        """;

    /// <summary>
    /// An application: a context with an outbox, and one email with an <c>Enqueue</c> method of the shape the generator
    /// emits (one test runs the real generator to keep the two in step).
    /// </summary>
    public const string App = """
        namespace Shop
        {
            using Microsoft.EntityFrameworkCore;
            using TypedMail;

            public sealed class Order
            {
                public int Id { get; set; }
                public string Customer { get; set; } = "";
            }

            public sealed class ShopDb : DbContext
            {
                public ShopDb() { }
                public ShopDb(DbContextOptions<ShopDb> options) : base(options) { }
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
}
