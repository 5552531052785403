using Microsoft.CodeAnalysis;

namespace TypedMail.Generator;

/// <summary>Every diagnostic the generator reports. TM1xxx: attribute and type misuse; TM2xxx: template errors.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "TypedMail";
    private const string HelpBase = "https://github.com/typedmail/typedmail/blob/main/docs/diagnostics.md#";

    public static readonly DiagnosticDescriptor EmailTypeMustBePartialRecord = Create(
        "TM1001",
        "An [Email] type must be a partial record",
        "'{0}' has [Email] but is not a partial record: declare it 'partial record {0}(...)'");

    public static readonly DiagnosticDescriptor EmailTypeMustBeTopLevel = Create(
        "TM1002",
        "An [Email] record must be a top-level, non-generic type",
        "'{0}' has [Email] but is {1}: declare it as a non-generic record directly in a namespace");

    public static readonly DiagnosticDescriptor SubjectTemplateNotFound = Create(
        "TM1003",
        "No subject template for an email",
        "No subject template for '{0}': add '{1}.subject.scriban' to the project (as an AdditionalFiles item)");

    public static readonly DiagnosticDescriptor BodyTemplateNotFound = Create(
        "TM1004",
        "No body template for an email",
        "No body template for '{0}': add '{1}.html.scriban', '{1}.text.scriban' or both to the project (as AdditionalFiles items)");

    public static readonly DiagnosticDescriptor DuplicateTemplate = Create(
        "TM1005",
        "Two template files have the same name",
        "Template '{0}' is defined twice, in '{1}' and '{2}': template file names must be unique in a project");

    public static readonly DiagnosticDescriptor InvalidEmailSample = Create(
        "TM1101",
        "An [EmailSample] member cannot provide sample data",
        "'{0}' is marked [EmailSample] but is {1}: a sample is a static property or parameterless static method of '{2}' that returns a '{2}'");

    public static readonly DiagnosticDescriptor TemplateSyntaxError = Create(
        "TM2001",
        "Template syntax error",
        "Template syntax error: {0}");

    public static readonly DiagnosticDescriptor UnknownTemplateMember = Create(
        "TM2002",
        "Unknown variable or member in a template",
        "'{0}' is not a member of '{1}'");

    private static DiagnosticDescriptor Create(string id, string title, string message)
        => new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpBase + id.ToLowerInvariant());
}
