using TypedMail.Generator.Helpers;

namespace TypedMail.Generator.Model;

/// <summary>An <c>[Email]</c> record as the parser saw it.</summary>
/// <param name="Namespace">The containing namespace, or empty for the global namespace.</param>
/// <param name="TypeName">The record's name.</param>
/// <param name="FullyQualifiedName">The <c>global::</c> name.</param>
/// <param name="IsPublic">Whether the record is public (the Enqueue extension follows it).</param>
/// <param name="IsRecordStruct">Whether it is a <c>record struct</c>.</param>
/// <param name="TemplateBaseName">The base name of its template files.</param>
/// <param name="Layout">The layout of its HTML body: <see langword="null"/> for the default (<c>Default.layout.scriban</c> when it exists), empty for none.</param>
/// <param name="Settings">Its category, unsubscribe, headers and tags, from <c>[Email]</c>.</param>
/// <param name="Types">The record's type and every type templates can reach from it (a graph by <see cref="TypeSpec.Id"/>).</param>
/// <param name="Location">The record's name, for diagnostics.</param>
internal sealed record EmailSpec(
    string Namespace,
    string TypeName,
    string FullyQualifiedName,
    bool IsPublic,
    bool IsRecordStruct,
    string TemplateBaseName,
    string? Layout,
    EmailSettingsSpec Settings,
    EquatableArray<TypeSpec> Types,
    LocationInfo? Location)
{
    /// <summary>The email type name stored with queued messages.</summary>
    public string EmailTypeName => Namespace.Length == 0 ? TypeName : Namespace + "." + TypeName;

    /// <summary>The record's own type (the first of <see cref="Types"/>).</summary>
    public TypeSpec Root => Types[0];
}

/// <summary>The result of parsing one <c>[Email]</c> record: a spec and a catalog entry when it is usable, and its diagnostics.</summary>
/// <param name="Spec">The email, for the renderer.</param>
/// <param name="CatalogEntry">The email as the preview catalog lists it.</param>
/// <param name="Diagnostics">What is wrong with the record, its members or its samples.</param>
internal sealed record EmailParseResult(EmailSpec? Spec, CatalogEntrySpec? CatalogEntry, EquatableArray<DiagnosticInfo> Diagnostics);
