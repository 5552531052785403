using TypedMail.Generator.Helpers;

namespace TypedMail.Generator.Model;

/// <summary>Which part of an email a template renders.</summary>
internal enum TemplateKind
{
    Subject,
    Html,
    Text,
}

/// <summary>A template file, read and parsed on its own (independent of any record).</summary>
/// <param name="Path">The file's path.</param>
/// <param name="BaseName">The email base name from the file name (<c>Welcome</c> in <c>Welcome.html.scriban</c>).</param>
/// <param name="Kind">Subject, HTML or text.</param>
/// <param name="Template">The parsed template.</param>
internal sealed record TemplateFileSpec(string Path, string BaseName, TemplateKind Kind, Templates.ParsedTemplate Template);

/// <summary>A template bound to an email's members: what the emitter turns into C#.</summary>
/// <param name="Kind">Subject, HTML or text.</param>
/// <param name="Path">The template file.</param>
/// <param name="Body">The bound template.</param>
internal sealed record BoundTemplateSpec(TemplateKind Kind, string Path, Templates.BoundTemplate Body);

/// <summary>Everything the emitter needs for one email.</summary>
internal sealed record EmailModel(EmailSpec Email, EquatableArray<BoundTemplateSpec> Templates);

/// <summary>The result of binding an email to its templates: a model when it compiles, and the diagnostics.</summary>
internal sealed record EmailBindResult(EmailModel? Model, EquatableArray<DiagnosticInfo> Diagnostics);
