using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using TypedMail.Generator.Helpers;
using TypedMail.Generator.Model;

namespace TypedMail.Generator;

/// <summary>
/// Turns <c>[Email]</c> records and their Scriban-syntax templates into compiled renderers and typed
/// <c>Enqueue</c> methods, and lists every email in a catalog for previews.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class EmailGenerator : IIncrementalGenerator
{
    internal const string EmailAttributeName = "TypedMail.EmailAttribute";

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // 1. [Email] records, as plain values: one scan feeds the renderers, the catalog and the diagnostics.
        IncrementalValuesProvider<EmailParseResult> emails = context.SyntaxProvider
            .ForAttributeWithMetadataName(EmailAttributeName, Parser.IsCandidate, Parser.Parse)
            .WithTrackingName(TrackingNames.EmailTypes);

        // 2. Template files, each read and parsed on its own: editing one re-parses only that one.
        IncrementalValuesProvider<TemplateFileSpec> templateFiles = context.AdditionalTextsProvider
            .Where(Parser.IsTemplateFile)
            .Select(Parser.ParseTemplateFile)
            .Where(static t => t is not null)
            .Select(static (t, _) => t!)
            .WithTrackingName(TrackingNames.TemplateFiles);
        IncrementalValueProvider<TemplateSet> templateSet = templateFiles
            .Collect()
            .Select(static (files, _) => new TemplateSet(files))
            .WithTrackingName(TrackingNames.TemplateSet);

        // 3. Each email with only the files it uses: an edit elsewhere leaves its inputs unchanged.
        IncrementalValuesProvider<EmailInputs> inputs = emails
            .Select(static (r, _) => r.Spec)
            .Where(static s => s is not null)
            .Combine(templateSet)
            .Select(static (pair, ct) => Binder.Gather(pair.Left!, pair.Right, ct))
            .WithTrackingName(TrackingNames.EmailInputs);

        // 4. Each email bound to its templates: re-runs only when its inputs changed.
        IncrementalValuesProvider<EmailBindResult> boundEmails = inputs
            .Select(static (i, ct) => Binder.Bind(i, ct))
            .WithTrackingName(TrackingNames.BoundEmails);

        // 5. Source, from the model alone (fully cached when nothing it depends on changed).
        IncrementalValuesProvider<EmailModel> models = boundEmails
            .Select(static (r, _) => r.Model)
            .Where(static m => m is not null)
            .Select(static (m, _) => m!)
            .WithTrackingName(TrackingNames.EmailModels);
        context.RegisterSourceOutput(models, static (spc, model) => spc.AddSource(Emitter.HintName(model.Email), Emitter.Emit(model)));

        // 6. The catalog of every email type and its sample data, for previews.
        // With each email's culture variants, for the previews' culture switcher.
        IncrementalValueProvider<ImmutableArray<VariantSpec>> variants = templateFiles
            .Where(static f => f.IsVariant && f.IsKnownCulture && f.Kind is TemplateKind.Subject or TemplateKind.Html or TemplateKind.Text)
            .Select(static (f, _) => new VariantSpec(f.BaseName, f.Culture))
            .WithTrackingName(TrackingNames.Variants)
            .Collect();
        IncrementalValueProvider<EquatableArray<CatalogEntrySpec>> catalog = emails
            .Select(static (r, _) => r.CatalogEntry)
            .Where(static e => e is not null)
            .Select(static (e, _) => e!)
            .WithTrackingName(TrackingNames.CatalogEntries)
            .Collect()
            .Combine(variants)
            .Select(static (pair, _) => Catalog.Sort(pair.Left, pair.Right))
            .WithTrackingName(TrackingNames.Catalog);
        context.RegisterSourceOutput(catalog, static (spc, all) =>
        {
            if (all.Count > 0)
            {
                spc.AddSource(Catalog.HintName, Catalog.Emit(all));
            }
        });

        // 7. Diagnostics, separately: those of the records and those of the templates, each reported once (an error in
        // a shared layout or partial is found by every email that uses it).
        IncrementalValueProvider<EquatableArray<DiagnosticInfo>> diagnostics = emails
            .Select(static (r, _) => r.Diagnostics)
            .Collect()
            .Combine(boundEmails.Select(static (r, _) => r.Diagnostics).Collect())
            .Select(static (pair, _) => DiagnosticInfo.Distinct(pair.Left.AddRange(pair.Right)))
            .WithTrackingName(TrackingNames.Diagnostics);

        // The compilation is needed only here, at the very end, to put diagnostics about C# code on their syntax tree:
        // `#pragma warning disable` applies only to such locations. Nothing upstream depends on it.
        context.RegisterSourceOutput(diagnostics.Combine(context.CompilationProvider), static (spc, pair) =>
        {
            foreach (var diagnostic in pair.Left)
            {
                spc.ReportDiagnostic(diagnostic.ToDiagnostic(pair.Right));
            }
        });
    }
}
