using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using TypedMail.Analyzers;

using TypedMail.Generator.Tests.Infrastructure;

namespace TypedMail.Generator.Tests.Analyzers;

/// <summary>
/// Every analyzer diagnostic is documented and tracked: a help link to its heading in docs/diagnostics.md, the
/// heading itself, and a row in AnalyzerReleases.Unshipped.md (or Shipped.md) that agrees with the descriptor.
/// </summary>
public sealed class AnalyzerDescriptorTests
{
    private const string HelpBase = "https://github.com/typedmail/typedmail/blob/main/docs/diagnostics.md#";

    public static TheoryData<string> Ids => new(Descriptors().Select(d => d.Id));

    [Fact]
    public void Analyzers_assembly_has_the_expected_analyzers_and_ids()
    {
        var analyzers = Analyzers().Select(a => a.GetType().Name).Order(StringComparer.Ordinal);
        Assert.Equal(["EnqueueWithoutSaveChangesAnalyzer", "SmtpSendInsideTransactionAnalyzer"], analyzers);
        var ids = Descriptors().Select(d => d.Id).ToList();
        Assert.Equal(ids.Distinct().Count(), ids.Count);
        Assert.All(ids, id => Assert.Matches("^TM3[0-9]{3}$", id));
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Descriptor_links_to_its_docs_heading(string id)
    {
        var descriptor = Descriptors().Single(d => d.Id == id);
        Assert.Equal(HelpBase + id.ToLowerInvariant(), descriptor.HelpLinkUri);
        var headings = File.ReadAllLines(Path.Combine(RepoPaths.Root, "docs", "diagnostics.md")).Where(l => l.StartsWith("## ", StringComparison.Ordinal));
        Assert.Contains("## " + id, headings);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Descriptor_is_tracked_in_the_release_files(string id)
    {
        var descriptor = Descriptors().Single(d => d.Id == id);
        var rows = new[] { "AnalyzerReleases.Shipped.md", "AnalyzerReleases.Unshipped.md" }
            .SelectMany(f => File.ReadAllLines(Path.Combine(RepoPaths.Root, "Analyzers", f)))
            .Select(l => l.Split('|').Select(c => c.Trim()).ToArray())
            .Where(c => c.Length >= 3 && c[0] == id)
            .ToList();
        var row = Assert.Single(rows);
        Assert.Equal(descriptor.Category, row[1]);
        Assert.Equal(descriptor.DefaultSeverity.ToString(), row[2]);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Descriptor_is_warning_by_default_and_configurable(string id)
    {
        var descriptor = Descriptors().Single(d => d.Id == id);
        Assert.Equal(DiagnosticSeverity.Warning, descriptor.DefaultSeverity);
        Assert.True(descriptor.IsEnabledByDefault);
        Assert.DoesNotContain(WellKnownDiagnosticTags.NotConfigurable, descriptor.CustomTags);
        Assert.False(string.IsNullOrWhiteSpace(descriptor.Description.ToString()));
    }

    [Fact]
    public void Every_TM3_docs_heading_belongs_to_a_descriptor()
    {
        var documented = File.ReadAllLines(Path.Combine(RepoPaths.Root, "docs", "diagnostics.md"))
            .Select(l => Regex.Match(l, "^## (TM3[0-9]{3})$"))
            .Where(m => m.Success)
            .Select(m => m.Groups[1].Value);
        Assert.Equal(Descriptors().Select(d => d.Id).Order(StringComparer.Ordinal), documented.Order(StringComparer.Ordinal));
    }

    private static IEnumerable<DiagnosticAnalyzer> Analyzers()
        => typeof(SmtpSendInsideTransactionAnalyzer).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t))
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!);

    private static IEnumerable<DiagnosticDescriptor> Descriptors() => Analyzers().SelectMany(a => a.SupportedDiagnostics);
}
