using TypedMail.Generator.Helpers;

namespace TypedMail.Generator.Model;

/// <summary>What a template file is, from its name.</summary>
internal enum TemplateKind
{
    /// <summary><c>{Name}.subject.scriban</c>: the one-line subject.</summary>
    Subject,

    /// <summary><c>{Name}.html.scriban</c>: the HTML body; every output is HTML-encoded.</summary>
    Html,

    /// <summary><c>{Name}.text.scriban</c>: the plain-text body; nothing is encoded.</summary>
    Text,

    /// <summary><c>{Name}.layout.scriban</c>: an HTML shell that writes the body with <c>{{ content }}</c>.</summary>
    Layout,

    /// <summary>Any other <c>{name}.scriban</c>: a partial for <c>{{ include "name" }}</c>.</summary>
    Partial,
}

/// <summary>A template file, read and parsed on its own (independent of any record).</summary>
/// <param name="Path">The file's path.</param>
/// <param name="BaseName">The email base name (<c>Welcome</c> in <c>Welcome.html.scriban</c>), the layout name or the partial name.</param>
/// <param name="Kind">What the file is.</param>
/// <param name="Template">The parsed template.</param>
/// <param name="Includes">The partials it names in <c>include "name"</c>, ordered.</param>
/// <param name="Culture">The culture of a variant (<c>fr-CA</c> in <c>Welcome.fr-CA.html.scriban</c>, spelled as .NET spells it), or empty for a neutral template.</param>
/// <param name="IsKnownCulture">Whether .NET knows <paramref name="Culture"/> (an unknown one is reported, TM1007, and the file is not used).</param>
internal sealed record TemplateFileSpec(
    string Path,
    string BaseName,
    TemplateKind Kind,
    Templates.ParsedTemplate Template,
    EquatableArray<string> Includes,
    string Culture,
    bool IsKnownCulture)
{
    /// <summary>The file name, for messages and generated comments.</summary>
    public string FileName => System.IO.Path.GetFileName(Path);

    /// <summary>Whether this is a culture variant rather than a neutral template.</summary>
    public bool IsVariant => Culture.Length > 0;

    /// <summary>The file's start, where diagnostics about the file as a whole point.</summary>
    public LocationInfo Start => new(Path, default, default);
}

/// <summary>A template compiled against an email: what the emitter turns into a render method.</summary>
/// <param name="Kind">Subject, HTML or text.</param>
/// <param name="Culture">The culture it renders for (empty: the neutral template, the fallback of every culture).</param>
/// <param name="Path">The template file.</param>
/// <param name="Body">The compiled template.</param>
internal sealed record BoundTemplateSpec(TemplateKind Kind, string Culture, string Path, Templates.BoundTemplate Body);

/// <summary>Everything the emitter needs for one email.</summary>
internal sealed record EmailModel(EmailSpec Email, EquatableArray<BoundTemplateSpec> Templates);

/// <summary>
/// One email and the template files it uses: its own subject and bodies, its layout and every partial they reach.
/// The binder's input; it changes only when one of these files (or the email's types) does.
/// </summary>
/// <param name="Email">The email.</param>
/// <param name="Templates">Its subject, HTML and text templates, those that exist, in that order, each neutral template followed by its culture variants ordered by culture.</param>
/// <param name="Layouts">The layout of its HTML body, if any: the neutral one followed by its culture variants ordered by culture.</param>
/// <param name="Partials">The partials its templates and layout include, directly or not, ordered by name.</param>
/// <param name="Diagnostics">What went wrong finding them (missing or duplicate files, hidden builtins).</param>
internal sealed record EmailInputs(
    EmailSpec Email,
    EquatableArray<TemplateFileSpec> Templates,
    EquatableArray<TemplateFileSpec> Layouts,
    EquatableArray<TemplateFileSpec> Partials,
    EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>The result of binding an email to its templates: a model when it compiles, and the diagnostics.</summary>
internal sealed record EmailBindResult(EmailModel? Model, EquatableArray<DiagnosticInfo> Diagnostics);
