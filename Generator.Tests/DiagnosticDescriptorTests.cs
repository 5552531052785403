using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using TypedMail.Analyzers;
using TypedMail.Generator.Tests.Infrastructure;

namespace TypedMail.Generator.Tests;

/// <summary>
/// Every diagnostic of the generator (TM1xxx, TM2xxx) and of the analyzers (TM3xxx) is documented and tracked: a help
/// link to its heading in docs/diagnostics.md, the heading itself, and a row in its project's
/// AnalyzerReleases.Unshipped.md (or Shipped.md) that agrees with the descriptor; and nothing is documented or tracked
/// that no descriptor has.
/// </summary>
public sealed class DiagnosticDescriptorTests
{
    private const string HelpBase = "https://github.com/typedmail/typedmail/blob/main/docs/diagnostics.md#";

    public static TheoryData<string> Ids => new(All().Select(d => d.Descriptor.Id));

    public static TheoryData<string> AnalyzerIds => new(All().Where(d => d.Project == "Analyzers").Select(d => d.Descriptor.Id));

    [Fact]
    public void Ids_are_unique_and_numbered_by_kind()
    {
        var all = All().ToList();
        Assert.True(all.Count > 30, $"Only {all.Count} descriptors found: the reflection over the generator missed some.");
        Assert.Equal(all.Count, all.Select(d => d.Descriptor.Id).Distinct().Count());
        Assert.All(all, d => Assert.Matches(d.Project == "Analyzers" ? "^TM3[0-9]{3}$" : "^TM[12][0-9]{3}$", d.Descriptor.Id));
    }

    [Fact]
    public void Analyzers_assembly_has_the_expected_analyzers()
        => Assert.Equal(["EnqueueWithoutSaveChangesAnalyzer", "SmtpSendInsideTransactionAnalyzer"], Analyzers().Select(a => a.GetType().Name).Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Ids))]
    public void Descriptor_links_to_its_docs_heading(string id)
    {
        var descriptor = Descriptor(id).Descriptor;
        Assert.Equal(HelpBase + id.ToLowerInvariant(), descriptor.HelpLinkUri);
        Assert.Contains("## " + id, DocsHeadings());
        Assert.False(string.IsNullOrWhiteSpace(descriptor.Title.ToString()));
        Assert.False(string.IsNullOrWhiteSpace(descriptor.MessageFormat.ToString()));
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Descriptor_is_tracked_in_the_release_files(string id)
    {
        var (project, descriptor) = Descriptor(id);
        var row = Assert.Single(ReleaseRows(project), r => r[0] == id);
        Assert.Equal(descriptor.Category, row[1]);
        Assert.Equal(descriptor.DefaultSeverity.ToString(), row[2]);
    }

    [Fact]
    public void Every_docs_heading_and_release_row_belongs_to_a_descriptor()
    {
        var ids = All().Select(d => d.Descriptor.Id).Order(StringComparer.Ordinal).ToList();
        var documented = DocsHeadings().Select(h => Regex.Match(h, "^## (TM[0-9]{4})$")).Where(m => m.Success).Select(m => m.Groups[1].Value);
        Assert.Equal(ids, documented.Order(StringComparer.Ordinal));
        var tracked = new[] { "Generator", "Analyzers" }.SelectMany(ReleaseRows).Select(r => r[0]);
        Assert.Equal(ids, tracked.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(AnalyzerIds))]
    public void Analyzer_diagnostics_are_warnings_by_default_and_configurable(string id)
    {
        var descriptor = Descriptor(id).Descriptor;
        Assert.Equal(DiagnosticSeverity.Warning, descriptor.DefaultSeverity);
        Assert.True(descriptor.IsEnabledByDefault);
        Assert.DoesNotContain(WellKnownDiagnosticTags.NotConfigurable, descriptor.CustomTags);
        Assert.False(string.IsNullOrWhiteSpace(descriptor.Description.ToString()));
    }

    private static (string Project, DiagnosticDescriptor Descriptor) Descriptor(string id) => All().Single(d => d.Descriptor.Id == id);

    /// <summary>Every descriptor: the generator's static descriptor fields and properties, and what the analyzers support.</summary>
    private static IEnumerable<(string Project, DiagnosticDescriptor Descriptor)> All()
    {
        const BindingFlags Static = BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
        var generator = typeof(EmailGenerator).Assembly.GetTypes()
            .SelectMany(t => t.GetFields(Static).Where(f => f.FieldType == typeof(DiagnosticDescriptor)).Select(f => f.GetValue(null))
                .Concat(t.GetProperties(Static).Where(p => p.PropertyType == typeof(DiagnosticDescriptor) && p.GetIndexParameters().Length == 0).Select(p => p.GetValue(null))))
            .Cast<DiagnosticDescriptor>()
            .DistinctBy(d => d.Id)
            .Select(d => ("Generator", d));
        var analyzers = Analyzers().SelectMany(a => a.SupportedDiagnostics).DistinctBy(d => d.Id).Select(d => ("Analyzers", d));
        return generator.Concat(analyzers);
    }

    private static IEnumerable<DiagnosticAnalyzer> Analyzers()
        => typeof(SmtpSendInsideTransactionAnalyzer).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t))
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!);

    private static IEnumerable<string> DocsHeadings()
        => File.ReadAllLines(Path.Combine(RepoPaths.Root, "docs", "diagnostics.md")).Where(l => l.StartsWith("## ", StringComparison.Ordinal));

    /// <summary>The rule rows (ID, category, severity, notes) of a project's release-tracking files.</summary>
    private static IEnumerable<string[]> ReleaseRows(string project)
        => new[] { "AnalyzerReleases.Shipped.md", "AnalyzerReleases.Unshipped.md" }
            .SelectMany(f => File.ReadAllLines(Path.Combine(RepoPaths.Root, project, f)))
            .Select(l => l.Split('|').Select(c => c.Trim()).ToArray())
            .Where(c => c.Length >= 3 && Regex.IsMatch(c[0], "^TM[0-9]{4}$"));
}
