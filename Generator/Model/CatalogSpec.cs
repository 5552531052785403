using TypedMail.Generator.Helpers;

namespace TypedMail.Generator.Model;

/// <summary>An email type as the preview catalog lists it.</summary>
/// <param name="EmailTypeName">The email type name stored with queued messages.</param>
/// <param name="FullyQualifiedName">The <c>global::</c> name.</param>
/// <param name="Samples">Its valid <c>[EmailSample]</c> members, in declaration order.</param>
/// <param name="TemplateBaseName">The base name of its template files.</param>
/// <param name="Cultures">The cultures of its subject and body variants, ordered (filled in from the template files).</param>
internal sealed record CatalogEntrySpec(string EmailTypeName, string FullyQualifiedName, EquatableArray<SampleSpec> Samples, string TemplateBaseName, EquatableArray<string> Cultures);

/// <summary>A culture variant of an email's subject or body, as the catalog lists it.</summary>
/// <param name="BaseName">The email base name.</param>
/// <param name="Culture">The culture.</param>
internal readonly record struct VariantSpec(string BaseName, string Culture);

/// <summary>An <c>[EmailSample]</c> member.</summary>
/// <param name="Name">The member's name.</param>
/// <param name="IsMethod">Whether it is a parameterless method rather than a property.</param>
/// <param name="ReplyTo">The attribute's <c>ReplyTo</c>, or <see langword="null"/>.</param>
/// <param name="Attachments">The attribute's <c>Attachments</c> file names.</param>
internal sealed record SampleSpec(string Name, bool IsMethod, string? ReplyTo, EquatableArray<string> Attachments);
