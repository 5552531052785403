using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace TypedMail.Generator.Tests.Infrastructure;

/// <summary>Metadata references for test compilations: the running framework plus TypedMail and EF Core. Nothing is downloaded.</summary>
public static class TestReferences
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> Lazy = new(() =>
    {
        var trusted = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        var extra = new[]
        {
            typeof(EmailAttribute).Assembly.Location,
            typeof(Microsoft.EntityFrameworkCore.DbContext).Assembly.Location,
            typeof(Microsoft.EntityFrameworkCore.RelationalDatabaseFacadeExtensions).Assembly.Location,
        };
        return trusted.Concat(extra)
            .Distinct(StringComparer.Ordinal)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray();
    });

    public static ImmutableArray<MetadataReference> All => Lazy.Value;
}
