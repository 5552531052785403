using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace TypedMail.Generator.Tests.Analyzers.Infrastructure;

/// <summary>
/// .editorconfig files applied the way the compiler applies them: Roslyn's own <see cref="AnalyzerConfigSet"/>
/// parses and matches the files. Per-ID severities (<c>dotnet_diagnostic.ID.severity</c>) reach the compilation as its
/// <see cref="SyntaxTreeOptionsProvider"/>; every other key (such as
/// <c>dotnet_analyzer_diagnostic.category-X.severity</c>) reaches the analyzer driver through
/// <see cref="AnalyzerOptions"/>.
/// </summary>
public sealed class EditorConfig(params AnalyzerConfig[] files)
{
    private readonly AnalyzerConfigSet _set = AnalyzerConfigSet.Create(files);

    public Compilation Apply(Compilation compilation)
        => compilation.WithOptions(compilation.Options.WithSyntaxTreeOptionsProvider(new TreeOptions(_set)));

    public AnalyzerOptions AnalyzerOptions => new([], new ConfigOptionsProvider(_set));

    private sealed class TreeOptions(AnalyzerConfigSet set) : SyntaxTreeOptionsProvider
    {
        public override GeneratedKind IsGenerated(SyntaxTree tree, CancellationToken cancellationToken) => GeneratedKind.Unknown;

        public override bool TryGetDiagnosticValue(SyntaxTree tree, string diagnosticId, CancellationToken cancellationToken, out ReportDiagnostic severity)
            => set.GetOptionsForSourcePath(tree.FilePath).TreeOptions.TryGetValue(diagnosticId, out severity);

        public override bool TryGetGlobalDiagnosticValue(string diagnosticId, CancellationToken cancellationToken, out ReportDiagnostic severity)
            => set.GlobalConfigOptions.TreeOptions.TryGetValue(diagnosticId, out severity);
    }

    private sealed class ConfigOptionsProvider(AnalyzerConfigSet set) : AnalyzerConfigOptionsProvider
    {
        public override AnalyzerConfigOptions GlobalOptions { get; } = new Options(set.GlobalConfigOptions.AnalyzerOptions);

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => new Options(set.GetOptionsForSourcePath(tree.FilePath).AnalyzerOptions);

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => new Options(set.GetOptionsForSourcePath(textFile.Path).AnalyzerOptions);
    }

    private sealed class Options(ImmutableDictionary<string, string> values) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);

        public override IEnumerable<string> Keys => values.Keys;
    }
}
