using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using TypedMail.Generator.Model;

namespace TypedMail.Generator;

/// <summary>
/// Turns <c>[Email]</c> records and their Scriban-syntax templates into compiled renderers and typed
/// <c>Enqueue</c> methods.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class EmailGenerator : IIncrementalGenerator
{
    internal const string EmailAttributeName = "TypedMail.EmailAttribute";

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // 1. [Email] records, as plain values.
        IncrementalValuesProvider<EmailParseResult> emailTypes = context.SyntaxProvider
            .ForAttributeWithMetadataName(EmailAttributeName, Parser.IsCandidate, Parser.Parse)
            .WithTrackingName(TrackingNames.EmailTypes);

        // 2. Template files, each read and parsed on its own: editing one re-parses only that one.
        IncrementalValuesProvider<TemplateFileSpec> templateFiles = context.AdditionalTextsProvider
            .Where(Parser.IsTemplateFile)
            .Select(Parser.ParseTemplateFile)
            .Where(static t => t is not null)
            .Select(static (t, _) => t!)
            .WithTrackingName(TrackingNames.TemplateFiles);

        // 3. Each email bound to its own templates.
        IncrementalValuesProvider<EmailBindResult> boundEmails = emailTypes
            .Combine(templateFiles.Collect())
            .Select(static (pair, ct) => Binder.Bind(pair.Left, pair.Right, ct))
            .WithTrackingName(TrackingNames.BoundEmails);

        // 4a. Source, from the model alone (fully cached when nothing it depends on changed).
        IncrementalValuesProvider<EmailModel> models = boundEmails
            .Select(static (r, _) => r.Model)
            .Where(static m => m is not null)
            .Select(static (m, _) => m!)
            .WithTrackingName(TrackingNames.EmailModels);
        context.RegisterSourceOutput(models, static (spc, model) => spc.AddSource(Emitter.HintName(model.Email), Emitter.Emit(model)));

        // 4b. Diagnostics, separately.
        context.RegisterSourceOutput(
            boundEmails.Select(static (r, _) => r.Diagnostics),
            static (spc, diagnostics) =>
            {
                foreach (var diagnostic in diagnostics)
                {
                    spc.ReportDiagnostic(diagnostic.ToDiagnostic());
                }
            });

        // 5. The catalog of every email type and its sample data, for previews (EmailGenerator.Catalog.cs).
        InitializeCatalog(context);
    }
}
