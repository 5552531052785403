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
    /// <summary>Matches an email with its template files and binds each template to the email's members.</summary>
    internal static class Binder
    {
        public static EmailBindResult Bind(EmailParseResult parsed, ImmutableArray<TemplateFileSpec> files, CancellationToken cancellationToken)
        {
            if (parsed.Spec is not { } email)
            {
                return new EmailBindResult(null, parsed.Diagnostics);
            }

            var diagnostics = new List<DiagnosticInfo>();
            var mine = new Dictionary<TemplateKind, TemplateFileSpec>();
            foreach (var file in files)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!string.Equals(file.BaseName, email.TemplateBaseName, StringComparison.Ordinal))
                {
                    continue;
                }

                if (mine.TryGetValue(file.Kind, out var existing))
                {
                    var (first, second) = string.CompareOrdinal(existing.Path, file.Path) <= 0 ? (existing, file) : (file, existing);
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.DuplicateTemplate, email.Location, FileNameOf(file), first.Path, second.Path));
                    mine[file.Kind] = first;
                    continue;
                }

                mine[file.Kind] = file;
            }

            if (!mine.ContainsKey(TemplateKind.Subject))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SubjectTemplateNotFound, email.Location, email.TypeName, email.TemplateBaseName));
            }

            if (!mine.ContainsKey(TemplateKind.Html) && !mine.ContainsKey(TemplateKind.Text))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BodyTemplateNotFound, email.Location, email.TypeName, email.TemplateBaseName));
            }

            var bound = new List<BoundTemplateSpec>();
            foreach (var kind in new[] { TemplateKind.Subject, TemplateKind.Html, TemplateKind.Text })
            {
                if (mine.TryGetValue(kind, out var file) && TemplateBinder.Bind(file, email, diagnostics) is { } body)
                {
                    bound.Add(new BoundTemplateSpec(kind, file.Path, body));
                }
            }

            var model = diagnostics.Count == 0 ? new EmailModel(email, bound.ToEquatableArray()) : null;
            return new EmailBindResult(model, diagnostics.ToEquatableArray());
        }

        private static string FileNameOf(TemplateFileSpec file) => System.IO.Path.GetFileName(file.Path);
    }
}
