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

    public static readonly DiagnosticDescriptor LayoutNotFound = Create(
        "TM1006",
        "The layout named in [Email] does not exist",
        "'{0}' asks for layout '{1}', but there is no '{1}.layout.scriban' in the project (as an AdditionalFiles item)");

    public static readonly DiagnosticDescriptor UnknownCulture = Create(
        "TM1007",
        "A template variant names a culture .NET does not know",
        "'{0}' is a variant for culture '{1}', which .NET does not know: name the culture as .NET does, such as 'fr' or 'fr-CA'");

    public static readonly DiagnosticDescriptor VariantWithoutNeutral = Create(
        "TM1008",
        "A template variant has no neutral template to fall back to",
        "'{0}' is a '{1}' variant of {2} '{3}', which has no neutral '{3}.{4}.scriban' to fall back to for other cultures: add it");

    public static readonly DiagnosticDescriptor DuplicateVariant = Create(
        "TM1009",
        "Two template files for the same culture and part",
        "'{0}' and '{1}' are both the '{2}' {3} of '{4}': keep one");

    public static readonly DiagnosticDescriptor InvalidEmailSample = Create(
        "TM1101",
        "An [EmailSample] member cannot provide sample data",
        "'{0}' is marked [EmailSample] but is {1}: a sample is a static property or parameterless static method of '{2}' that returns a '{2}'");

    public static readonly DiagnosticDescriptor InvalidEmailCategory = Create(
        "TM1201",
        "The Category of [Email] is not valid",
        "Category '{0}' of '{1}' is not valid: use {2}");

    public static readonly DiagnosticDescriptor OneClickUnsubscribeWithoutCategory = Create(
        "TM1202",
        "One-click unsubscribe without a Category",
        "'{0}' has OneClickUnsubscribe = true but no Category: one-click unsubscribe needs a Category to unsubscribe from");

    public static readonly DiagnosticDescriptor HeaderNotNameValue = Create(
        "TM1203",
        "A header of [Email] is not written \"Name: value\"",
        "Header '{0}' of '{1}' is not written \"Name: value\", such as \"X-Campaign: spring\"");

    public static readonly DiagnosticDescriptor InvalidEmailHeader = Create(
        "TM1204",
        "A header of [Email] cannot be set",
        "Header '{0}' of '{1}' cannot be set: {2}");

    public static readonly DiagnosticDescriptor InvalidEmailTag = Create(
        "TM1205",
        "A tag of [Email] is not valid",
        "Tags '{0}' of '{1}' are not valid: {2}");

    public static readonly DiagnosticDescriptor TemplateSyntaxError = Create(
        "TM2001",
        "Template syntax error",
        "Template syntax error: {0}");

    /// <summary>Scriban renders an unknown name as empty; TypedMail fails the build. Lower its severity to get Scriban's behaviour.</summary>
    public static readonly DiagnosticDescriptor UnknownTemplateMember = Create(
        "TM2002",
        "Unknown variable or member in a template",
        "'{0}' is not a member of '{1}'");

    public static readonly DiagnosticDescriptor UnsupportedFeature = Create(
        "TM2003",
        "Unsupported Scriban feature",
        "{0}");

    public static readonly DiagnosticDescriptor NotEnumerable = Create(
        "TM2004",
        "A loop over a value that is not a list",
        "Cannot loop over '{0}': a value of type '{1}' is not a list");

    public static readonly DiagnosticDescriptor UnknownFunction = Create(
        "TM2005",
        "Unknown function in a template",
        "'{0}' is not a function");

    public static readonly DiagnosticDescriptor WrongArgumentCount = Create(
        "TM2006",
        "Wrong number of arguments to a template function",
        "'{0}' takes {1}, not {2}");

    public static readonly DiagnosticDescriptor InvalidOperands = Create(
        "TM2007",
        "An operator applied to values it does not support",
        "Operator '{0}' cannot be applied to {1} and {2}");

    public static readonly DiagnosticDescriptor LoopControlOutsideLoop = Create(
        "TM2008",
        "A loop statement or variable outside a loop",
        "'{0}' can only be used inside a {1} loop");

    public static readonly DiagnosticDescriptor PartialNotFound = Create(
        "TM2009",
        "The partial of an include does not exist",
        "No partial named '{0}': add '{0}.scriban' to the project (as an AdditionalFiles item)");

    public static readonly DiagnosticDescriptor RecursiveInclude = Create(
        "TM2010",
        "A partial includes itself",
        "'{0}' includes itself ({1}): recursive includes are not supported");

    public static readonly DiagnosticDescriptor IncludeNameNotConstant = Create(
        "TM2011",
        "The name of an included partial is not a string literal",
        "include takes the partial's name as a string literal, so it can be compiled: {0}");

    public static readonly DiagnosticDescriptor NullValueAccess = Create(
        "TM2012",
        "A member or item of a value that is always null",
        "'{0}' is always null here, so '{1}' would fail");

    public static readonly DiagnosticDescriptor VariableTypeConflict = Create(
        "TM2013",
        "A template variable holds values of different types",
        "Template variable '{0}' is given a '{1}' and a '{2}': a variable that holds your model's objects must keep one type");

    public static readonly DiagnosticDescriptor MemberNameCollision = Create(
        "TM2014",
        "Two members have the same template name",
        "'{0}' and '{1}' of '{2}' are both '{3}' in templates: only '{0}' can be used",
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor MemberShadowsBuiltin = Create(
        "TM2015",
        "A member hides a builtin object",
        "'{0}' hides the builtin object '{1}' in templates: '{1}.*' functions cannot be used with this email",
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor PrintsObject = Create(
        "TM2016",
        "A template writes a whole object or list",
        "Writing '{0}' prints a {1} as text ({2}): write one of its members instead",
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor SubjectNotOneLine = Create(
        "TM2017",
        "A subject template has more than one line",
        "A subject is one line: remove this line break from '{0}'");

    public static readonly DiagnosticDescriptor LayoutContent = Create(
        "TM2018",
        "A layout does not write the body exactly once",
        "Layout '{0}' must write '{{{{ content }}}}' exactly once, as a statement; it does {1} times");

    public static readonly DiagnosticDescriptor InvalidAssignment = Create(
        "TM2019",
        "An assignment to something that cannot be assigned",
        "Cannot assign to '{0}': {1}");

    public static readonly DiagnosticDescriptor InvalidIndex = Create(
        "TM2020",
        "An index on a value that is not a list, or a null index",
        "Cannot index '{0}': {1}");

    public static readonly DiagnosticDescriptor InvalidArgument = Create(
        "TM2021",
        "An argument a template function cannot take",
        "'{0}' cannot take {1} for '{2}': {3}");

    private static DiagnosticDescriptor Create(string id, string title, string message, DiagnosticSeverity severity = DiagnosticSeverity.Error)
        => new(id, title, message, Category, severity, isEnabledByDefault: true, helpLinkUri: HelpBase + id.ToLowerInvariant());
}
