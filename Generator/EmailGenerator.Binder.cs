using System;
using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
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

        private static readonly TemplateKind[] BodyKinds = [TemplateKind.Subject, TemplateKind.Html, TemplateKind.Text];

        /// <summary>Picks the files one email uses out of all template files: the input of <see cref="Bind"/>.</summary>
        public static EmailInputs Gather(EmailSpec email, TemplateSet files, CancellationToken cancellationToken)
        {
            var diagnostics = new List<DiagnosticInfo>();
            var mine = new List<TemplateFileSpec>();
            foreach (var kind in BodyKinds)
            {
                var candidates = new List<TemplateFileSpec>();
                foreach (var file in files.EmailTemplates(email.TemplateBaseName))
                {
                    if (file.Kind == kind)
                    {
                        candidates.Add(file);
                    }
                }

                if (Unique(candidates, email, diagnostics) is { } chosen)
                {
                    mine.Add(chosen);
                }
            }

            if (!mine.Exists(static f => f.Kind == TemplateKind.Subject))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SubjectTemplateNotFound, email.Location, email.TypeName, email.TemplateBaseName));
            }

            if (!mine.Exists(static f => f.Kind is TemplateKind.Html or TemplateKind.Text))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BodyTemplateNotFound, email.Location, email.TypeName, email.TemplateBaseName));
            }

            TemplateFileSpec? layout = null;
            if (email.Layout is { Length: > 0 } layoutName)
            {
                layout = Unique(files.Layouts(layoutName), email, diagnostics);
                if (layout is null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayoutNotFound, email.Location, email.TypeName, layoutName));
                }
            }
            else if (email.Layout is null)
            {
                layout = Unique(files.Layouts(DefaultLayout), email, diagnostics);
            }

            // Only the HTML body has a layout.
            if (!mine.Exists(static f => f.Kind == TemplateKind.Html))
            {
                layout = null;
            }

            // The partials reachable from the email's templates and layout, following includes of includes.
            var partials = new SortedDictionary<string, TemplateFileSpec>(StringComparer.Ordinal);
            var pending = new Stack<string>();
            foreach (var file in layout is null ? mine : [.. mine, layout])
            {
                foreach (var name in file.Includes)
                {
                    pending.Push(name);
                }
            }

            while (pending.Count > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var name = pending.Pop();
                if (partials.ContainsKey(name) || Unique(files.Partials(name), email, diagnostics) is not { } partial)
                {
                    continue;
                }

                partials[name] = partial;
                foreach (var next in partial.Includes)
                {
                    pending.Push(next);
                }
            }

            foreach (var member in email.Root.Members)
            {
                if (BuiltinCatalog.IsGlobalName(member.TemplateName))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MemberShadowsBuiltin, email.Location, member.Name, member.TemplateName));
                }
            }

            return new EmailInputs(email, mine.ToEquatableArray(), layout, partials.Values.ToEquatableArray(), diagnostics.ToEquatableArray());
        }

        /// <summary>Compiles the email's templates (with their layout and partials) against its types.</summary>
        public static EmailBindResult Bind(EmailInputs inputs, CancellationToken cancellationToken)
        {
            var email = inputs.Email;
            var diagnostics = new List<DiagnosticInfo>(inputs.Diagnostics);
            var partials = new Dictionary<string, TemplateFileSpec>(StringComparer.Ordinal);
            foreach (var partial in inputs.Partials)
            {
                partials[partial.BaseName] = partial;
            }

            var bound = new List<BoundTemplateSpec>();
            var failed = false;
            foreach (var file in inputs.Templates)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var body = TemplateBinder.Bind(file, file.Kind == TemplateKind.Html ? inputs.Layout : null, email, partials, diagnostics);
                if (body is null)
                {
                    failed = true;
                }
                else
                {
                    bound.Add(new BoundTemplateSpec(file.Kind, file.Path, body));
                }
            }

            // Unknown names (TM2002) still compile (to null, as in Scriban) so a project can lower that diagnostic's severity.
            var blocking = failed;
            foreach (var d in diagnostics)
            {
                blocking |= d.Descriptor.Id.StartsWith("TM1", StringComparison.Ordinal) && d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error;
            }

            var model = blocking ? null : new EmailModel(email, bound.ToEquatableArray());
            return new EmailBindResult(model, diagnostics.ToEquatableArray());
        }

        /// <summary>The first file by path; every other file of the same name is reported (TM1005).</summary>
        private static TemplateFileSpec? Unique(IReadOnlyList<TemplateFileSpec> files, EmailSpec email, List<DiagnosticInfo> diagnostics)
        {
            if (files.Count == 0)
            {
                return null;
            }

            for (var i = 1; i < files.Count; i++)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateTemplate, email.Location, files[i].FileName, files[0].Path, files[i].Path));
            }

            return files[0];
        }
    }
}
