using System;
using System.Collections.Generic;
using System.Collections.Immutable;

namespace TypedMail.Generator.Templates;

/// <summary>How the binder converts an argument before a run-time helper gets it.</summary>
internal enum BuiltinParameterKind
{
    /// <summary>Any value, converted to text as Scriban does (<c>string?</c>).</summary>
    Text,

    /// <summary>A number, converted to <c>int</c>.</summary>
    Integer,

    /// <summary>A number, converted to <c>double</c>.</summary>
    Number,

    /// <summary>Any value, boxed (<c>object?</c>).</summary>
    Value,

    /// <summary>Special: the binder lowers the function itself (lists, dates, operators, HTML safety).</summary>
    Special,
}

/// <summary>A parameter of a builtin function, with Scriban's name.</summary>
/// <param name="Name">Scriban's parameter name (for named arguments).</param>
/// <param name="Kind">How the argument is converted.</param>
/// <param name="IsOptional">Whether it may be left out.</param>
internal sealed record BuiltinParameter(string Name, BuiltinParameterKind Kind, bool IsOptional)
{
    /// <summary>The run-time helper's parameter name: <c>secret_key</c> is <c>secretKey</c>.</summary>
    public string CSharpName
    {
        get
        {
            var parts = Name.Split('_');
            for (var i = 1; i < parts.Length; i++)
            {
                parts[i] = parts[i].Length == 0 ? parts[i] : char.ToUpperInvariant(parts[i][0]) + parts[i].Substring(1);
            }

            return string.Concat(parts);
        }
    }
}

/// <summary>A builtin function TypedMail compiles.</summary>
/// <param name="Name">Its full name, <c>string.upcase</c>.</param>
/// <param name="Helper">The method of <c>TypedMail.Rendering</c> that runs it (<c>StringFunctions.Upcase</c>); for special functions, the main one, or <see langword="null"/> when it compiles to an operator or to nothing (<c>math.plus</c>, <c>html.raw</c>).</param>
/// <param name="Parameters">Its parameters, in order.</param>
/// <param name="Returns">The type of its result, when the function is lowered directly to <paramref name="Helper"/>; <see langword="null"/> for special functions, whose result type the binder works out.</param>
/// <param name="TakesLocation">Whether the helper takes the call's template location after the required arguments, for its run-time errors.</param>
/// <param name="TakesCulture">Whether the helper formats in the email's culture, which it takes as its <c>emailCulture</c> argument.</param>
internal sealed record BuiltinFunction(string Name, string? Helper, ImmutableArray<BuiltinParameter> Parameters, BoundType? Returns, bool TakesLocation, bool TakesCulture)
{
    /// <summary>The number of parameters that must be given.</summary>
    public int RequiredCount
    {
        get
        {
            var count = 0;
            foreach (var parameter in Parameters)
            {
                count += parameter.IsOptional ? 0 : 1;
            }

            return count;
        }
    }
}

/// <summary>
/// The one list of Scriban's builtins: the objects and functions templates can use, their parameters, result types and
/// run-time helpers, and the builtins TypedMail does not compile yet. The binder resolves calls with it, the shadowing
/// warning (TM2015) checks record members against it, and docs/templates.md lists exactly its names (a test checks).
/// </summary>
internal static class BuiltinCatalog
{
    /// <summary>The builtin objects, whose members are the functions below.</summary>
    public static readonly ImmutableArray<string> Objects = ["array", "date", "html", "math", "object", "regex", "string", "timespan"];

    /// <summary>Builtin functions called by their name alone.</summary>
    public static readonly ImmutableArray<string> GlobalFunctions = ["include"];

    /// <summary>Builtin properties that are values, not functions: <c>date.format</c>, the default date pattern.</summary>
    public static readonly ImmutableArray<string> Properties = ["date.format"];

    /// <summary>Every compiled builtin function, by name.</summary>
    public static readonly ImmutableDictionary<string, BuiltinFunction> Functions = CreateFunctions();

    /// <summary>Scriban builtins that are not compiled (a build error, TM2003, never different output).</summary>
    public static readonly ImmutableArray<string> Unsupported =
    [
        "array.add", "array.add_range", "array.any", "array.each", "array.filter", "array.insert_at", "array.remove_at",
        "date.utc_now",
        "math.random", "math.uuid",
        "object.eval", "object.eval_template", "object.from_json", "object.has_key", "object.has_value", "object.keys", "object.kind",
        "object.to_json", "object.typeof", "object.values",
        "string.base64_decode", "string.base64_encode", "string.base64url_decode", "string.base64url_encode", "string.escape", "string.literal",
    ];

    /// <summary>Objects none of whose functions are compiled, other than those in <see cref="Functions"/> (<c>regex.*</c> but <c>regex.replace</c>).</summary>
    public static readonly ImmutableArray<string> UnsupportedObjects = ["regex", "timespan"];

    /// <summary>Whether a top-level name is a builtin (an object or a global function), which a record member or variable would hide.</summary>
    public static bool IsGlobalName(string name) => Objects.Contains(name) || GlobalFunctions.Contains(name);

    /// <summary>Whether <paramref name="name"/> is an object of the catalog.</summary>
    public static bool IsObject(string name) => Objects.Contains(name);

    /// <summary>Whether a builtin exists in Scriban but is not compiled.</summary>
    public static bool IsUnsupported(string name)
    {
        if (Unsupported.Contains(name))
        {
            return true;
        }

        var dot = name.IndexOf('.');
        return dot > 0 && !Functions.ContainsKey(name) && UnsupportedObjects.Contains(name.Substring(0, dot));
    }

    private static ImmutableDictionary<string, BuiltinFunction> CreateFunctions()
    {
        var functions = ImmutableDictionary.CreateBuilder<string, BuiltinFunction>(StringComparer.Ordinal);
        var text = BoundType.String;
        var nullableText = BoundType.String.AsNullable();
        var boolean = BoundType.Boolean;

        void Add(string name, string? helper, BoundType? returns, params string[] parameters) => AddFunction(name, helper, returns, false, parameters);

        void AddLocated(string name, string helper, BoundType returns, params string[] parameters) => AddFunction(name, helper, returns, true, parameters);

        void AddLocal(string name, string helper, params string[] parameters) => AddFunction(name, helper, nullableText, true, parameters, takesCulture: true);

        void AddFunction(string name, string? helper, BoundType? returns, bool takesLocation, string[] parameters, bool takesCulture = false)
        {
            var list = ImmutableArray.CreateBuilder<BuiltinParameter>(parameters.Length);
            foreach (var parameter in parameters)
            {
                // "text", "width:int", "length:int?", "value:object": name, conversion, optional.
                var optional = parameter.EndsWith("?", StringComparison.Ordinal);
                var spec = optional ? parameter.Substring(0, parameter.Length - 1) : parameter;
                var colon = spec.IndexOf(':');
                var kind = returns is null ? BuiltinParameterKind.Special : BuiltinParameterKind.Text;
                if (colon >= 0)
                {
                    kind = spec.Substring(colon + 1) switch
                    {
                        "int" => BuiltinParameterKind.Integer,
                        "double" => BuiltinParameterKind.Number,
                        "object" => BuiltinParameterKind.Value,
                        var other => throw new InvalidOperationException("Unknown builtin parameter kind: " + other),
                    };
                    spec = spec.Substring(0, colon);
                }

                list.Add(new BuiltinParameter(spec, kind, optional));
            }

            functions.Add(name, new BuiltinFunction(name, helper, list.MoveToImmutable(), returns, takesLocation, takesCulture));
        }

        Add("string.append", "StringFunctions.Append", text, "text", "with");
        Add("string.prepend", "StringFunctions.Prepend", text, "text", "by");
        Add("string.capitalize", "StringFunctions.Capitalize", text, "text");
        Add("string.capitalizewords", "StringFunctions.Capitalizewords", text, "text");
        Add("string.contains", "StringFunctions.Contains", boolean, "text", "value");
        Add("string.downcase", "StringFunctions.Downcase", text, "text");
        Add("string.upcase", "StringFunctions.Upcase", text, "text");
        Add("string.empty", "StringFunctions.Empty", boolean, "text");
        Add("string.whitespace", "StringFunctions.Whitespace", boolean, "text");
        Add("string.starts_with", "StringFunctions.StartsWith", boolean, "text", "value");
        Add("string.ends_with", "StringFunctions.EndsWith", boolean, "text", "value");
        Add("string.equals_ignore_case", "StringFunctions.EqualsIgnoreCase", boolean, "text", "value");
        AddLocated("string.handleize", "StringFunctions.Handleize", text, "text");
        Add("string.lstrip", "StringFunctions.Lstrip", text, "text");
        Add("string.rstrip", "StringFunctions.Rstrip", text, "text");
        Add("string.strip", "StringFunctions.Strip", text, "text");
        Add("string.pad_left", "StringFunctions.PadLeft", text, "text", "width:int");
        Add("string.pad_right", "StringFunctions.PadRight", text, "text", "width:int");
        Add("string.pluralize", "StringFunctions.Pluralize", nullableText, "number:int", "singular", "plural");
        Add("string.remove", "StringFunctions.Remove", text, "text", "remove");
        Add("string.remove_first", "StringFunctions.RemoveFirst", text, "text", "remove");
        Add("string.remove_last", "StringFunctions.RemoveLast", text, "text", "remove");
        Add("string.replace", "StringFunctions.Replace", text, "text", "match", "replace");
        Add("string.replace_first", "StringFunctions.ReplaceFirst", text, "text", "match", "replace");
        Add("string.size", "StringFunctions.Size", BoundType.Int32, "text");
        Add("string.slice", "StringFunctions.Slice", text, "text", "start:int", "length:int?");
        Add("string.slice1", "StringFunctions.Slice1", text, "text", "start:int", "length:int?");
        Add("string.split", "StringFunctions.Split", BoundType.StringList, "text", "match");
        Add("string.strip_newlines", "StringFunctions.StripNewlines", text, "text");
        Add("string.truncate", "StringFunctions.Truncate", text, "text", "length:int", "ellipsis?");
        Add("string.truncatewords", "StringFunctions.Truncatewords", text, "text", "count:int", "ellipsis?");
        AddLocated("string.index_of", "StringFunctions.IndexOf", BoundType.Int32, "text", "search");
        Add("string.to_int", "StringFunctions.ToInt", BoundType.Int32.AsNullable(), "text");
        Add("string.to_long", "StringFunctions.ToLong", BoundType.Int64.AsNullable(), "text");
        Add("string.to_float", "StringFunctions.ToFloat", BoundType.Single.AsNullable(), "text");
        Add("string.to_double", "StringFunctions.ToDouble", BoundType.Double.AsNullable(), "text");
        Add("string.md5", "StringFunctions.Md5", text, "text");
        Add("string.sha1", "StringFunctions.Sha1", text, "text");
        Add("string.sha256", "StringFunctions.Sha256", text, "text");
        Add("string.sha512", "StringFunctions.Sha512", text, "text");
        Add("string.hmac_sha1", "StringFunctions.HmacSha1", text, "text", "secret_key");
        Add("string.hmac_sha256", "StringFunctions.HmacSha256", text, "text", "secret_key");
        Add("string.hmac_sha512", "StringFunctions.HmacSha512", text, "text", "secret_key");

        // In HTML templates, escaped text is not escaped again; html.raw opts out of escaping.
        Add("html.escape", "HtmlFunctions.Escape", null, "text");
        Add("html.raw", null, null, "text");
        Add("html.newline_to_br", "HtmlFunctions.NewlineToBr", null, "text");
        Add("html.url_encode", "HtmlFunctions.UrlEncode", nullableText, "text");
        Add("html.url_escape", "HtmlFunctions.UrlEscape", nullableText, "text");
        Add("html.strip", "HtmlFunctions.Strip", text, "text");

        Add("math.abs", "MathFunctions.Abs", null, "value");
        Add("math.ceil", "MathFunctions.Ceil", BoundType.Double, "value:double");
        Add("math.floor", "MathFunctions.Floor", BoundType.Double, "value:double");
        Add("math.round", "MathFunctions.Round", BoundType.Double, "value:double", "precision:int?");
        AddLocated("math.format", "MathFunctions.Format", nullableText, "value:object", "format", "culture?");
        Add("math.is_number", "MathFunctions.IsNumber", boolean, "value:object");
        Add("math.divided_by", "MathFunctions.DividedBy", null, "value", "divisor");
        Add("math.plus", null, null, "value", "with");
        Add("math.minus", null, null, "value", "with");
        Add("math.times", null, null, "value", "with");
        Add("math.modulo", null, null, "value", "with");

        Add("object.default", "ObjectFunctions.Default", null, "value", "default");
        AddLocated("object.format", "ObjectFunctions.Format", nullableText, "value:object", "format", "culture?");
        Add("object.size", "ObjectFunctions.Size", BoundType.Int32, "value:object");

        Add("date.to_string", "DateFunctions.ToString", null, "date", "pattern", "culture?");
        Add("date.parse", "DateFunctions.Parse", BoundType.DateTime.AsNullable(), "text", "pattern?", "culture?");
        Add("date.parse_to_string", "DateFunctions.ParseToString", nullableText, "text", "output_pattern", "input_pattern?", "output_culture?", "input_culture?");
        Add("date.add_days", "DateFunctions.AddDays", null, "date", "days");
        Add("date.add_months", "DateFunctions.AddMonths", null, "date", "months");
        Add("date.add_years", "DateFunctions.AddYears", null, "date", "years");
        Add("date.add_hours", "DateFunctions.AddHours", null, "date", "hours");
        Add("date.add_minutes", "DateFunctions.AddMinutes", null, "date", "minutes");
        Add("date.add_seconds", "DateFunctions.AddSeconds", null, "date", "seconds");
        Add("date.add_milliseconds", "DateFunctions.AddMilliseconds", null, "date", "millis");
        Add("date.now", "DateFunctions.Now", BoundType.DateTime);

        // TypedMail's own: formatting in the email's culture (every other builtin formats invariantly, as Scriban does).
        AddLocal("math.format_currency", "LocalFormatting.FormatCurrency", "value:object", "currency");
        AddLocal("math.format_local", "LocalFormatting.FormatNumber", "value:object", "format?");
        AddLocal("date.format_local", "LocalFormatting.FormatDate", "date:object", "format?");

        Add("regex.replace", "RegexFunctions.Replace", text, "input", "pattern", "replace", "options?");

        Add("array.size", "ArrayFunctions.Size", null, "list");
        Add("array.join", "ArrayFunctions.Join", null, "list", "delimiter");
        Add("array.first", "ArrayFunctions.First", null, "list");
        Add("array.last", "ArrayFunctions.Last", null, "list");
        Add("array.limit", "ArrayFunctions.Limit", null, "list", "count");
        Add("array.offset", "ArrayFunctions.Offset", null, "list", "count");
        Add("array.reverse", "ArrayFunctions.Reverse", null, "list");
        Add("array.sort", "ArrayFunctions.Sort", null, "list", "member?");
        Add("array.map", "ArrayFunctions.Map", null, "list", "member");
        Add("array.uniq", "ArrayFunctions.Uniq", null, "list");
        Add("array.compact", "ArrayFunctions.Compact", null, "list");
        Add("array.contains", "ArrayFunctions.Contains", null, "list", "item");
        Add("array.concat", "ArrayFunctions.Concat", null, "list1", "list2");
        Add("array.cycle", "ArrayFunctions.Cycle", null, "list", "group?");
        return functions.ToImmutable();
    }
}
