namespace TypedMail.Generator;

/// <summary>Names of the pipeline steps, so tests can check which ones re-ran.</summary>
public static class TrackingNames
{
    /// <summary>[Email] records found and turned into specs (with their catalog entries and diagnostics).</summary>
    public const string EmailTypes = nameof(EmailTypes);

    /// <summary>Template files read and parsed, one per file.</summary>
    public const string TemplateFiles = nameof(TemplateFiles);

    /// <summary>All template files, with lookups by name.</summary>
    public const string TemplateSet = nameof(TemplateSet);

    /// <summary>Each email with the template files it uses.</summary>
    public const string EmailInputs = nameof(EmailInputs);

    /// <summary>Each email bound to its templates.</summary>
    public const string BoundEmails = nameof(BoundEmails);

    /// <summary>The models handed to the emitter.</summary>
    public const string EmailModels = nameof(EmailModels);

    /// <summary>[Email] records as the preview catalog sees them, with their [EmailSample] members.</summary>
    public const string CatalogEntries = nameof(CatalogEntries);

    /// <summary>The culture variants of email subjects and bodies, one per file, for the catalog.</summary>
    public const string Variants = nameof(Variants);

    /// <summary>Every catalog entry of the compilation, sorted, with its cultures: the input of the catalog source.</summary>
    public const string Catalog = nameof(Catalog);

    /// <summary>Every diagnostic of the compilation, each once.</summary>
    public const string Diagnostics = nameof(Diagnostics);
}
