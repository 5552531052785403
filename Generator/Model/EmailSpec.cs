using TypedMail.Generator.Helpers;

namespace TypedMail.Generator.Model;

/// <summary>An <c>[Email]</c> record as the parser saw it.</summary>
/// <param name="Namespace">The containing namespace, or empty for the global namespace.</param>
/// <param name="TypeName">The record's name.</param>
/// <param name="FullyQualifiedName">The <c>global::</c> name.</param>
/// <param name="IsPublic">Whether the record is public (the Enqueue extension follows it).</param>
/// <param name="IsRecordStruct">Whether it is a <c>record struct</c>.</param>
/// <param name="TemplateBaseName">The base name of its template files.</param>
/// <param name="Properties">The members templates can read.</param>
/// <param name="Location">The record's name, for diagnostics.</param>
internal sealed record EmailSpec(
    string Namespace,
    string TypeName,
    string FullyQualifiedName,
    bool IsPublic,
    bool IsRecordStruct,
    string TemplateBaseName,
    EquatableArray<PropertySpec> Properties,
    LocationInfo? Location)
{
    /// <summary>The email type name stored with queued messages.</summary>
    public string EmailTypeName => Namespace.Length == 0 ? TypeName : Namespace + "." + TypeName;
}

/// <summary>A member a template can read.</summary>
/// <param name="Name">The C# name.</param>
/// <param name="TemplateName">The snake_case name templates use.</param>
/// <param name="Type">The fully qualified type.</param>
/// <param name="Kind">How it is written to the output.</param>
internal sealed record PropertySpec(string Name, string TemplateName, string Type, ValueKind Kind);

/// <summary>How a value is turned into text.</summary>
internal enum ValueKind
{
    String,
    Boolean,
    Formattable,
    Other,
}

/// <summary>The result of parsing one <c>[Email]</c> record: a spec when it is usable, and its diagnostics.</summary>
internal sealed record EmailParseResult(EmailSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);
