using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using TypedMail.Generator.Helpers;
using TypedMail.Generator.Model;
using TypedMail.Generator.Templates;

namespace TypedMail.Generator;

public sealed partial class EmailGenerator
{
    /// <summary>Matches an email with its template files (its own, its layout, the partials) and compiles each template against the email's types.</summary>
    internal static class Binder
    {
        private const string DefaultLayout = "Default";

        private static readonly string[] BuiltinObjects = ["array", "date", "html", "include", "math", "object", "string"];

        public static EmailBindResult Bind(EmailParseResult parsed, ImmutableArray<TemplateFileSpec> files, CancellationToken cancellationToken)
        {
            if (parsed.Spec is not { } email)
            {
                return new EmailBindResult(null, parsed.Diagnostics);
            }

            var diagnostics = new List<DiagnosticInfo>(parsed.Diagnostics);
            var mine = new Dictionary<TemplateKind, TemplateFileSpec>();
            var partials = new Dictionary<string, TemplateFileSpec>(StringComparer.Ordinal);
            var layouts = new Dictionary<string, TemplateFileSpec>(StringComparer.Ordinal);
            foreach (var file in files)
            {
                cancellationToken.ThrowIfCancellationRequested();
                switch (file.Kind)
                {
                    case TemplateKind.Partial:
                        AddUnique(partials, file.BaseName, file, email, diagnostics);
                        break;
                    case TemplateKind.Layout:
                        AddUnique(layouts, file.BaseName, file, email, diagnostics);
                        break;
                    default:
                        if (!string.Equals(file.BaseName, email.TemplateBaseName, StringComparison.Ordinal))
                        {
                            continue;
                        }

                        if (mine.TryGetValue(file.Kind, out var existing))
                        {
                            var (first, second) = string.CompareOrdinal(existing.Path, file.Path) <= 0 ? (existing, file) : (file, existing);
                            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateTemplate, email.Location, file.FileName, first.Path, second.Path));
                            mine[file.Kind] = first;
                            continue;
                        }

                        mine[file.Kind] = file;
                        break;
                }
            }

            if (!mine.ContainsKey(TemplateKind.Subject))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SubjectTemplateNotFound, email.Location, email.TypeName, email.TemplateBaseName));
            }

            if (!mine.ContainsKey(TemplateKind.Html) && !mine.ContainsKey(TemplateKind.Text))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BodyTemplateNotFound, email.Location, email.TypeName, email.TemplateBaseName));
            }

            TemplateFileSpec? layout = null;
            if (email.Layout is { Length: > 0 } layoutName)
            {
                if (!layouts.TryGetValue(layoutName, out layout))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayoutNotFound, email.Location, email.TypeName, layoutName));
                }
            }
            else if (email.Layout is null)
            {
                layouts.TryGetValue(DefaultLayout, out layout);
            }

            foreach (var member in email.Root.Members)
            {
                if (Array.IndexOf(BuiltinObjects, member.TemplateName) >= 0)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MemberShadowsBuiltin, email.Location, member.Name, member.TemplateName));
                }
            }

            var bound = new List<BoundTemplateSpec>();
            var failed = false;
            foreach (var kind in new[] { TemplateKind.Subject, TemplateKind.Html, TemplateKind.Text })
            {
                if (mine.TryGetValue(kind, out var file))
                {
                    var body = TemplateBinder.Bind(file, kind == TemplateKind.Html ? layout : null, email, partials, diagnostics);
                    if (body is null)
                    {
                        failed = true;
                    }
                    else
                    {
                        bound.Add(new BoundTemplateSpec(kind, file.Path, body));
                    }
                }
            }

            // Unknown names (TM2002) still compile (to null, as in Scriban) so a project can lower that diagnostic's severity.
            var blocking = failed;
            foreach (var d in diagnostics)
            {
                blocking |= d.Descriptor.Id.StartsWith("TM1", StringComparison.Ordinal) && d.Descriptor.DefaultSeverity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error;
            }

            var model = blocking ? null : new EmailModel(email, bound.ToEquatableArray());
            return new EmailBindResult(model, diagnostics.ToEquatableArray());
        }

        private static void AddUnique(Dictionary<string, TemplateFileSpec> byName, string name, TemplateFileSpec file, EmailSpec email, List<DiagnosticInfo> diagnostics)
        {
            if (byName.TryGetValue(name, out var existing))
            {
                var (first, second) = string.CompareOrdinal(existing.Path, file.Path) <= 0 ? (existing, file) : (file, existing);
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateTemplate, email.Location, file.FileName, first.Path, second.Path));
                byName[name] = first;
                return;
            }

            byName[name] = file;
        }
    }
}
