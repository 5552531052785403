using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace TypedMail.Generator.Tests.Infrastructure;

/// <summary>
/// Metadata references for test compilations, pinned and never downloaded: the net10.0 reference pack of the SDK that
/// builds this project (its path is written into the test assembly at build time, see Generator.Tests.csproj), plus
/// TypedMail's runtime, EF Core and MailKit from the test's own dependencies.
/// </summary>
/// <remarks>
/// The Roslyn testing framework's <c>ReferenceAssemblies.Net.*</c> resolve NuGet packages (Microsoft.NETCore.App.Ref)
/// from the global packages folder or a feed, which a test must not depend on. The framework's tests therefore use
/// <see cref="NoPackages"/>, a <see cref="ReferenceAssemblies"/> with no package, which resolves to nothing without
/// touching a feed, and take these references through <c>TestState.AdditionalReferences</c>.
/// </remarks>
public static class TestReferences
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> Framework = new(() =>
        Directory.GetFiles(ReferencePack, "*.dll").Order(StringComparer.Ordinal).Select(Reference).ToImmutableArray());

    private static readonly Lazy<ImmutableArray<MetadataReference>> Libraries = new(() =>
    [
        Reference(typeof(EmailAttribute).Assembly.Location),
        Reference(typeof(Microsoft.EntityFrameworkCore.DbContext).Assembly.Location),
        Reference(typeof(Microsoft.EntityFrameworkCore.RelationalDatabaseFacadeExtensions).Assembly.Location),
        Reference(typeof(Microsoft.Extensions.DependencyInjection.IServiceCollection).Assembly.Location),
        Reference(typeof(Microsoft.Extensions.Logging.ILogger).Assembly.Location),
        Reference(typeof(MailKit.Net.Smtp.SmtpClient).Assembly.Location),
        Reference(typeof(MimeKit.MimeMessage).Assembly.Location),
    ]);

    /// <summary>A <see cref="ReferenceAssemblies"/> that resolves no package: the references come from <see cref="All"/>.</summary>
    public static ReferenceAssemblies NoPackages { get; } = new("net10.0");

    /// <summary>The directory of the net10.0 reference pack (Microsoft.NETCore.App.Ref) on disk.</summary>
    public static string ReferencePack
    {
        get
        {
            var path = typeof(TestReferences).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .Single(a => a.Key == "NetCoreAppReferencePack").Value!;
            return Directory.Exists(path)
                ? path
                : throw new DirectoryNotFoundException($"The net10.0 reference pack is not at '{path}': build the tests with the SDK in global.json.");
        }
    }

    /// <summary>The whole reference pack, TypedMail's runtime, EF Core (and relational), and MailKit/MimeKit.</summary>
    public static ImmutableArray<MetadataReference> All => Framework.Value.AddRange(Libraries.Value);

    /// <summary>The reference-pack assembly with this file name (<c>System.Runtime.dll</c>).</summary>
    public static MetadataReference FrameworkAssembly(string fileName) => Reference(Path.Combine(ReferencePack, fileName));

    private static MetadataReference Reference(string path) => MetadataReference.CreateFromFile(path);
}
