using System;
using System.Collections.Generic;
using System.Linq;
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

                mine.AddRange(WithVariants(candidates, email, "email", diagnostics));
            }

            if (!mine.Exists(static f => f.Kind == TemplateKind.Subject))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SubjectTemplateNotFound, email.Location, email.TypeName, email.TemplateBaseName));
            }

            if (!mine.Exists(static f => f.Kind is TemplateKind.Html or TemplateKind.Text))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BodyTemplateNotFound, email.Location, email.TypeName, email.TemplateBaseName));
            }

            var layouts = new List<TemplateFileSpec>();
            if (email.Layout is { Length: > 0 } layoutName)
            {
                layouts = WithVariants(files.Layouts(layoutName), email, "layout", diagnostics);
                if (layouts.Count == 0)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayoutNotFound, email.Location, email.TypeName, layoutName));
                }
            }
            else if (email.Layout is null)
            {
                layouts = WithVariants(files.Layouts(DefaultLayout), email, "layout", diagnostics);
            }

            // Only the HTML body has a layout.
            if (!mine.Exists(static f => f.Kind == TemplateKind.Html))
            {
                layouts.Clear();
            }

            // The partials reachable from the email's templates and layout, following includes of includes.
            var partials = new SortedDictionary<string, TemplateFileSpec>(StringComparer.Ordinal);
            var pending = new Stack<string>();
            foreach (var file in (List<TemplateFileSpec>)[.. mine, .. layouts])
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

            return new EmailInputs(email, mine.ToEquatableArray(), layouts.ToEquatableArray(), partials.Values.ToEquatableArray(), diagnostics.ToEquatableArray());
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
            foreach (var kind in BodyKinds)
            {
                var templates = inputs.Templates.Where(t => t.Kind == kind).ToList();
                if (templates.Count == 0)
                {
                    continue;
                }

                // Each culture with a variant of this part (or, for the HTML body, of its layout) gets its own
                // renderer, built from the most specific file of each: fr-CA, else fr, else the neutral one.
                var layouts = kind == TemplateKind.Html ? inputs.Layouts.ToList() : [];
                var cultures = new SortedSet<string>(StringComparer.Ordinal) { "" };
                foreach (var file in templates.Concat(layouts))
                {
                    cultures.Add(file.Culture);
                }

                foreach (var culture in cultures)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var file = ForCulture(templates, culture)!;
                    var body = TemplateBinder.Bind(file, ForCulture(layouts, culture), email, partials, diagnostics);
                    if (body is null)
                    {
                        failed = true;
                    }
                    else
                    {
                        bound.Add(new BoundTemplateSpec(kind, culture, file.Path, body));
                    }
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

        /// <summary>
        /// The neutral file and its culture variants, ordered by culture, out of every file of one name and part: the
        /// first of each culture by path (TM1005, TM1009 for the others), without variants of unknown cultures (TM1007)
        /// or variants with no neutral file (TM1008).
        /// </summary>
        private static List<TemplateFileSpec> WithVariants(IReadOnlyList<TemplateFileSpec> files, EmailSpec email, string what, List<DiagnosticInfo> diagnostics)
        {
            var chosen = new List<TemplateFileSpec>();
            var neutral = Unique(files.Where(static f => !f.IsVariant).ToList(), email, diagnostics);
            if (neutral is not null)
            {
                chosen.Add(neutral);
            }

            var byCulture = new SortedDictionary<string, TemplateFileSpec>(StringComparer.Ordinal);
            foreach (var file in files)
            {
                if (!file.IsVariant)
                {
                    continue;
                }

                var part = PartName(file.Kind);
                if (!file.IsKnownCulture)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownCulture, file.Start, file.FileName, file.Culture));
                }
                else if (byCulture.TryGetValue(file.Culture, out var first))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateVariant, file.Start, first.Path, file.Path, file.Culture, part, file.BaseName));
                }
                else if (neutral is null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.VariantWithoutNeutral, file.Start, file.FileName, file.Culture, what, file.BaseName, part));
                }
                else
                {
                    byCulture[file.Culture] = file;
                }
            }

            chosen.AddRange(byCulture.Values);
            return chosen;
        }

        /// <summary>The file a culture uses, following .NET's fallback (fr-CA, fr, then the neutral file); <see langword="null"/> when there are none.</summary>
        private static TemplateFileSpec? ForCulture(List<TemplateFileSpec> files, string culture)
        {
            if (culture.Length > 0)
            {
                foreach (var name in Cultures.FallbackChain(culture))
                {
                    if (files.Find(f => f.Culture == name) is { } variant)
                    {
                        return variant;
                    }
                }
            }

            return files.Find(static f => !f.IsVariant);
        }

        private static string PartName(TemplateKind kind) => kind.ToString().ToLowerInvariant();

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
