namespace TypedMail.Analyzers;

/// <summary>The analyzers' diagnostic IDs (TM3xxx).</summary>
internal static class DiagnosticIds
{
    /// <summary>The docs page every analyzer diagnostic links to.</summary>
    public const string HelpBase = "https://github.com/typedmail/typedmail/blob/main/docs/diagnostics.md#";
}
