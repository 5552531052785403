using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using TypedMail.Generator.Helpers;
using TypedMail.Generator.Model;

namespace TypedMail.Generator.Templates;

internal sealed partial class TemplateBinder
{
    /// <summary>The builtins TypedMail compiles, with Scriban's parameter names (renamed); a trailing <c>?</c> marks an optional one.</summary>
    private static readonly Dictionary<string, string[]> Signatures = new(StringComparer.Ordinal)
    {
        ["string.append"] = ["text", "with"],
        ["string.prepend"] = ["text", "by"],
        ["string.capitalize"] = ["text"],
        ["string.capitalizewords"] = ["text"],
        ["string.contains"] = ["text", "value"],
        ["string.downcase"] = ["text"],
        ["string.upcase"] = ["text"],
        ["string.empty"] = ["text"],
        ["string.whitespace"] = ["text"],
        ["string.starts_with"] = ["text", "value"],
        ["string.ends_with"] = ["text", "value"],
        ["string.equals_ignore_case"] = ["text", "value"],
        ["string.handleize"] = ["text"],
        ["string.lstrip"] = ["text"],
        ["string.rstrip"] = ["text"],
        ["string.strip"] = ["text"],
        ["string.pad_left"] = ["text", "width"],
        ["string.pad_right"] = ["text", "width"],
        ["string.pluralize"] = ["number", "singular", "plural"],
        ["string.remove"] = ["text", "remove"],
        ["string.remove_first"] = ["text", "remove"],
        ["string.remove_last"] = ["text", "remove"],
        ["string.replace"] = ["text", "match", "replace"],
        ["string.replace_first"] = ["text", "match", "replace"],
        ["string.size"] = ["text"],
        ["string.slice"] = ["text", "start", "length?"],
        ["string.slice1"] = ["text", "start", "length?"],
        ["string.split"] = ["text", "match"],
        ["string.strip_newlines"] = ["text"],
        ["string.truncate"] = ["text", "length", "ellipsis?"],
        ["string.truncatewords"] = ["text", "count", "ellipsis?"],
        ["string.index_of"] = ["text", "search"],
        ["string.to_int"] = ["text"],
        ["string.to_long"] = ["text"],
        ["string.to_float"] = ["text"],
        ["string.to_double"] = ["text"],
        ["string.md5"] = ["text"],
        ["string.sha1"] = ["text"],
        ["string.sha256"] = ["text"],
        ["string.sha512"] = ["text"],
        ["string.hmac_sha1"] = ["text", "secret_key"],
        ["string.hmac_sha256"] = ["text", "secret_key"],
        ["string.hmac_sha512"] = ["text", "secret_key"],
        ["html.escape"] = ["text"],
        ["html.raw"] = ["text"],
        ["html.url_encode"] = ["text"],
        ["html.url_escape"] = ["text"],
        ["html.newline_to_br"] = ["text"],
        ["html.strip"] = ["text"],
        ["math.abs"] = ["value"],
        ["math.ceil"] = ["value"],
        ["math.floor"] = ["value"],
        ["math.round"] = ["value", "precision?"],
        ["math.format"] = ["value", "format", "culture?"],
        ["math.is_number"] = ["value"],
        ["math.divided_by"] = ["value", "divisor"],
        ["math.plus"] = ["value", "with"],
        ["math.minus"] = ["value", "with"],
        ["math.times"] = ["value", "with"],
        ["math.modulo"] = ["value", "with"],
        ["object.default"] = ["value", "default"],
        ["object.format"] = ["value", "format", "culture?"],
        ["object.size"] = ["value"],
        ["date.to_string"] = ["date", "pattern", "culture?"],
        ["date.parse"] = ["text", "pattern?", "culture?"],
        ["date.parse_to_string"] = ["text", "output_pattern", "input_pattern?", "output_culture?", "input_culture?"],
        ["date.add_days"] = ["date", "days"],
        ["date.add_months"] = ["date", "months"],
        ["date.add_years"] = ["date", "years"],
        ["date.add_hours"] = ["date", "hours"],
        ["date.add_minutes"] = ["date", "minutes"],
        ["date.add_seconds"] = ["date", "seconds"],
        ["date.add_milliseconds"] = ["date", "millis"],
        ["date.now"] = [],
        ["regex.replace"] = ["input", "pattern", "replace", "options?"],
        ["array.size"] = ["list"],
        ["array.join"] = ["list", "delimiter"],
        ["array.first"] = ["list"],
        ["array.last"] = ["list"],
        ["array.limit"] = ["list", "count"],
        ["array.offset"] = ["list", "count"],
        ["array.reverse"] = ["list"],
        ["array.sort"] = ["list", "member?"],
        ["array.map"] = ["list", "member"],
        ["array.uniq"] = ["list"],
        ["array.compact"] = ["list"],
        ["array.contains"] = ["list", "item"],
        ["array.concat"] = ["list1", "list2"],
        ["array.cycle"] = ["list", "group?"],
    };

    private BoundExpression BindCall(CallExpression call, Expression? input)
    {
        var name = FunctionName(call.Callee);
        var arguments = new List<Expression>();
        if (input is not null)
        {
            arguments.Add(input);
        }

        arguments.AddRange(call.Arguments);
        if (name == "include")
        {
            var include = new CallExpression(call.Callee, arguments.ToEquatableArray(), call.NamedArguments, call.Span);
            return IncludeAsValue(include);
        }

        if (name is null || !Signatures.TryGetValue(name, out var signature))
        {
            if (name is not null && IsLater(name))
            {
                Report(DiagnosticDescriptors.UnsupportedFeature, call.Callee.Span, $"Unsupported Scriban feature: the builtin '{name}'");
            }
            else if (name is not null || BindExpression(call.Callee).Type.Kind != BoundKind.Null)
            {
                // A name that is not known was reported by binding it (TM2002).
                Report(DiagnosticDescriptors.UnknownFunction, call.Callee.Span, SourceText(call.Callee));
            }

            foreach (var argument in arguments)
            {
                BindExpression(argument);
            }

            return new BoundExpression("null", BoundType.Null);
        }

        var bound = new BoundExpression?[signature.Length];
        var spans = new TemplateSpan[signature.Length];
        var required = signature.Count(p => !p.EndsWith("?", StringComparison.Ordinal));
        if (arguments.Count > signature.Length)
        {
            Report(DiagnosticDescriptors.WrongArgumentCount, call.Span, name, Arity(signature, required), arguments.Count.ToString(CultureInfo.InvariantCulture));
            return new BoundExpression("null", BoundType.Null);
        }

        for (var i = 0; i < arguments.Count; i++)
        {
            bound[i] = BindExpression(arguments[i]);
            spans[i] = arguments[i].Span;
        }

        foreach (var named in call.NamedArguments)
        {
            var index = Array.FindIndex(signature, p => p.TrimEnd('?') == named.Name);
            if (index < 0 || bound[index] is not null)
            {
                Report(DiagnosticDescriptors.InvalidArgument, named.Span, name, $"'{named.Name}:'", named.Name,
                    index < 0 ? $"its parameters are {string.Join(", ", signature.Select(p => p.TrimEnd('?')))}" : "it is given twice");
                return new BoundExpression("null", BoundType.Null);
            }

            bound[index] = BindExpression(named.Value);
            spans[index] = named.Span;
        }

        var given = bound.Count(b => b is not null);
        for (var i = 0; i < required; i++)
        {
            if (bound[i] is null)
            {
                Report(DiagnosticDescriptors.WrongArgumentCount, call.Span, name, Arity(signature, required), given.ToString(CultureInfo.InvariantCulture));
                return new BoundExpression("null", BoundType.Null);
            }
        }

        return Lower(name, signature, bound, spans, call);
    }

    private static string Arity(string[] signature, int required)
    {
        var all = signature.Length;
        return required == all ? Count(all) : $"{required} to {Count(all)}";
    }

    private static string Count(int n) => n == 1 ? "1 argument" : n.ToString(CultureInfo.InvariantCulture) + " arguments";

    private static bool IsLater(string name) => name.StartsWith("regex.", StringComparison.Ordinal) || name.StartsWith("timespan.", StringComparison.Ordinal)
        || name is "string.escape" or "string.literal" or "string.base64_encode" or "string.base64_decode" or "string.base64url_encode" or "string.base64url_decode"
            or "object.typeof" or "object.kind" or "object.keys" or "object.values" or "object.has_key" or "object.has_value" or "object.eval" or "object.eval_template"
            or "object.from_json" or "object.to_json" or "array.add" or "array.add_range" or "array.insert_at" or "array.remove_at" or "array.each"
            or "array.filter" or "array.any" or "math.random" or "math.uuid" or "date.utc_now";

    /// <summary><c>string.upcase</c> for a builtin path not hidden by a model member or variable; <c>include</c>.</summary>
    private string? FunctionName(Expression callee) => callee switch
    {
        VariableExpression { IsLocal: false, Name: "include" } when IsBuiltinName("include") => "include",
        MemberExpression { Target: VariableExpression { IsLocal: false } root, Name: var member } when BuiltinObjects.Contains(root.Name) && IsBuiltinName(root.Name) => root.Name + "." + member,
        _ => null,
    };

    private BoundExpression Lower(string name, string[] signature, BoundExpression?[] a, TemplateSpan[] spans, CallExpression call)
    {
        string F(string cls, string method, params string[] args) => $"{Rendering}{cls}.{method}({string.Join(", ", args)})";
        string S(int i) => ToTextArgument(a[i]!);
        string I(int i) => ToInt(a[i]!, spans[i]);
        string D(int i) => ToDouble(a[i]!, spans[i]);
        string O(int i) => Box(a[i]!);
        string Opt(int i, Func<int, string> convert) => a[i] is null ? "" : ", " + CSharpParameter(signature[i]) + ": " + convert(i);
        BoundExpression Str(string code) => new(code, BoundType.String);
        BoundExpression NStr(string code) => new(code, BoundType.String.AsNullable());
        BoundExpression Bool(string code) => new(code, BoundType.Boolean);
        var location = Location(call.Span);

        switch (name)
        {
            case "string.append": return Str(F("StringFunctions", "Append", S(0), S(1)));
            case "string.prepend": return Str(F("StringFunctions", "Prepend", S(0), S(1)));
            case "string.capitalize": return Str(F("StringFunctions", "Capitalize", S(0)));
            case "string.capitalizewords": return Str(F("StringFunctions", "Capitalizewords", S(0)));
            case "string.contains": return Bool(F("StringFunctions", "Contains", S(0), S(1)));
            case "string.downcase": return Str(F("StringFunctions", "Downcase", S(0)));
            case "string.upcase": return Str(F("StringFunctions", "Upcase", S(0)));
            case "string.empty": return Bool(F("StringFunctions", "Empty", S(0)));
            case "string.whitespace": return Bool(F("StringFunctions", "Whitespace", S(0)));
            case "string.starts_with": return Bool(F("StringFunctions", "StartsWith", S(0), S(1)));
            case "string.ends_with": return Bool(F("StringFunctions", "EndsWith", S(0), S(1)));
            case "string.equals_ignore_case": return Bool(F("StringFunctions", "EqualsIgnoreCase", S(0), S(1)));
            case "string.handleize": return Str(F("StringFunctions", "Handleize", S(0), location));
            case "string.lstrip": return Str(F("StringFunctions", "Lstrip", S(0)));
            case "string.rstrip": return Str(F("StringFunctions", "Rstrip", S(0)));
            case "string.strip": return Str(F("StringFunctions", "Strip", S(0)));
            case "string.pad_left": return Str(F("StringFunctions", "PadLeft", S(0), I(1)));
            case "string.pad_right": return Str(F("StringFunctions", "PadRight", S(0), I(1)));
            case "string.pluralize": return NStr(F("StringFunctions", "Pluralize", I(0), S(1), S(2)));
            case "string.remove": return Str(F("StringFunctions", "Remove", S(0), S(1)));
            case "string.remove_first": return Str(F("StringFunctions", "RemoveFirst", S(0), S(1)));
            case "string.remove_last": return Str(F("StringFunctions", "RemoveLast", S(0), S(1)));
            case "string.replace": return Str(F("StringFunctions", "Replace", S(0), S(1), S(2)));
            case "string.replace_first": return Str(F("StringFunctions", "ReplaceFirst", S(0), S(1), S(2)));
            case "string.size": return new BoundExpression(F("StringFunctions", "Size", S(0)), BoundType.Int32);
            case "string.slice": return Str($"{Rendering}StringFunctions.Slice({S(0)}, {I(1)}{Opt(2, I)})");
            case "string.slice1": return Str($"{Rendering}StringFunctions.Slice1({S(0)}, {I(1)}{Opt(2, I)})");
            case "string.split": return new BoundExpression(F("StringFunctions", "Split", S(0), S(1)), BoundType.StringList);
            case "string.strip_newlines": return Str(F("StringFunctions", "StripNewlines", S(0)));
            case "string.truncate": return Str($"{Rendering}StringFunctions.Truncate({S(0)}, {I(1)}{Opt(2, S)})");
            case "string.truncatewords": return Str($"{Rendering}StringFunctions.Truncatewords({S(0)}, {I(1)}{Opt(2, S)})");
            case "string.index_of": return new BoundExpression(F("StringFunctions", "IndexOf", S(0), S(1), location), BoundType.Int32);
            case "string.to_int": return new BoundExpression(F("StringFunctions", "ToInt", S(0)), BoundType.Int32.AsNullable());
            case "string.to_long": return new BoundExpression(F("StringFunctions", "ToLong", S(0)), BoundType.Int64.AsNullable());
            case "string.to_float": return new BoundExpression(F("StringFunctions", "ToFloat", S(0)), BoundType.Single.AsNullable());
            case "string.to_double": return new BoundExpression(F("StringFunctions", "ToDouble", S(0)), BoundType.Double.AsNullable());
            case "string.md5": return Str(F("StringFunctions", "Md5", S(0)));
            case "string.sha1": return Str(F("StringFunctions", "Sha1", S(0)));
            case "string.sha256": return Str(F("StringFunctions", "Sha256", S(0)));
            case "string.sha512": return Str(F("StringFunctions", "Sha512", S(0)));
            case "string.hmac_sha1": return Str(F("StringFunctions", "HmacSha1", S(0), S(1)));
            case "string.hmac_sha256": return Str(F("StringFunctions", "HmacSha256", S(0), S(1)));
            case "string.hmac_sha512": return Str(F("StringFunctions", "HmacSha512", S(0), S(1)));

            // In HTML templates, escaped text is not escaped again; html.raw opts out of escaping.
            case "html.escape":
                return a[0]!.Type.Kind == BoundKind.Html ? a[0]! : new BoundExpression(F("HtmlFunctions", "Escape", S(0)), _html ? BoundType.Html.AsNullable() : BoundType.String.AsNullable());
            case "html.raw":
                return new BoundExpression(S(0), _html ? BoundType.Html.AsNullable() : BoundType.String.AsNullable());
            case "html.newline_to_br":
                if (_html)
                {
                    var escaped = a[0]!.Type.Kind == BoundKind.Html ? S(0) : F("HtmlFunctions", "Escape", S(0));
                    return new BoundExpression(F("HtmlFunctions", "NewlineToBr", escaped), BoundType.Html);
                }

                return Str(F("HtmlFunctions", "NewlineToBr", S(0)));
            case "html.url_encode": return Str(F("HtmlFunctions", "UrlEncode", S(0)));
            case "html.url_escape": return Str(F("HtmlFunctions", "UrlEscape", S(0)));
            case "html.strip": return Str(F("HtmlFunctions", "Strip", S(0)));

            case "math.abs": return new BoundExpression(F("MathFunctions", "Abs", O(0), location), BoundType.Dynamic);
            case "math.ceil": return new BoundExpression(F("MathFunctions", "Ceil", D(0)), BoundType.Double);
            case "math.floor": return new BoundExpression(F("MathFunctions", "Floor", D(0)), BoundType.Double);
            case "math.round": return new BoundExpression($"{Rendering}MathFunctions.Round({D(0)}{Opt(1, I)})", BoundType.Double);
            case "math.format": return NStr($"{Rendering}MathFunctions.Format({O(0)}, {S(1)}, {location}{Opt(2, S)})");
            case "math.is_number": return Bool(F("MathFunctions", "IsNumber", O(0)));
            case "math.divided_by": return new BoundExpression(F("MathFunctions", "DividedBy", O(0), O(1), location), BoundType.Dynamic);
            case "math.plus": return Binary("+", a[0]!, a[1]!, call.Span);
            case "math.minus": return Binary("-", a[0]!, a[1]!, call.Span);
            case "math.times": return Binary("*", a[0]!, a[1]!, call.Span);
            case "math.modulo": return Binary("%", a[0]!, a[1]!, call.Span);

            case "object.default":
                var joined = Join(a[0]!.Type, a[1]!.Type);
                if (joined.Kind is BoundKind.Dynamic or BoundKind.Null || joined.IsValueType)
                {
                    return new BoundExpression($"{Rendering}ObjectFunctions.Default<object>({O(0)}, {O(1)})", BoundType.Dynamic);
                }

                return new BoundExpression($"{Rendering}ObjectFunctions.Default<{joined.AsNonNullable().CSharp}>({Convert(a[0]!, joined)}, {Convert(a[1]!, joined)})", joined.AsNullable());
            case "object.format": return NStr($"{Rendering}ObjectFunctions.Format({O(0)}, {S(1)}, {location}{Opt(2, S)})");
            case "object.size": return new BoundExpression(F("ObjectFunctions", "Size", O(0)), BoundType.Int32);

            case "date.to_string":
                var date = a[0]!.Type.Kind == BoundKind.DateTimeOffset ? a[0]!.Code : DateArgument(a[0]!, spans[0]);
                return NStr($"{Rendering}DateFunctions.ToString({date}, {S(1)}{Opt(2, S)})");
            case "date.parse": return new BoundExpression($"{Rendering}DateFunctions.Parse({S(0)}{Opt(1, S)}{Opt(2, S)})", BoundType.DateTime.AsNullable());
            case "date.parse_to_string":
                return NStr($"{Rendering}DateFunctions.ParseToString({S(0)}, {S(1)}{Opt(2, S)}{Opt(3, S)}{Opt(4, S)})");
            case "date.add_days": return AddDate("AddDays", a, spans, D);
            case "date.add_hours": return AddDate("AddHours", a, spans, D);
            case "date.add_minutes": return AddDate("AddMinutes", a, spans, D);
            case "date.add_seconds": return AddDate("AddSeconds", a, spans, D);
            case "date.add_milliseconds": return AddDate("AddMilliseconds", a, spans, D);
            case "date.add_months": return AddDate("AddMonths", a, spans, I);
            case "date.add_years": return AddDate("AddYears", a, spans, I);
            case "date.now": return new BoundExpression($"{Rendering}DateFunctions.Now()", BoundType.DateTime);
            case "regex.replace": return Str($"{Rendering}RegexFunctions.Replace({S(0)}, {S(1)}, {S(2)}{Opt(3, S)})");
        }

        return LowerArray(name, a, spans, call, location);
    }

    /// <summary>The C# name of a runtime method parameter for a Scriban parameter name.</summary>
    private static string CSharpParameter(string parameter)
    {
        var parts = parameter.TrimEnd('?').Split('_');
        return parts[0] + string.Concat(parts.Skip(1).Select(p => p.Length == 0 ? p : char.ToUpperInvariant(p[0]) + p.Substring(1)));
    }

    private string DateArgument(BoundExpression value, TemplateSpan span) => value.Type.Kind switch
    {
        BoundKind.DateTime => value.Code,
        BoundKind.Null => "(global::System.DateTime?)null",
        _ => $"{Rendering}ScriptValue.ToDateTime({Box(value)}, {Location(span)})",
    };

    private BoundExpression AddDate(string method, BoundExpression?[] a, TemplateSpan[] spans, Func<int, string> amount)
        => new($"{Rendering}DateFunctions.{method}({DateArgument(a[0]!, spans[0])}, {amount(1)}, {Location(spans[0])})", BoundType.DateTime);

    private BoundExpression LowerArray(string name, BoundExpression?[] a, TemplateSpan[] spans, CallExpression call, string location)
    {
        var list = ListArgument(a[0]!, spans[0], name);
        if (list is null)
        {
            return new BoundExpression("null", BoundType.Null);
        }

        var (code, element) = list.Value;
        var listType = new BoundType(BoundKind.List, $"global::System.Collections.Generic.List<{element.Declaration}>", false, false, null, element, ListShape.Indexed);
        var generic = $"<{element.Declaration}>";
        switch (name)
        {
            case "array.size": return new BoundExpression($"{Rendering}ArrayFunctions.Size{generic}({code})", BoundType.Int32);
            case "array.join": return new BoundExpression($"{Rendering}ArrayFunctions.Join{generic}({code}, {ToTextArgument(a[1]!)})", BoundType.String);
            case "array.first":
            case "array.last":
                var method = name == "array.first" ? "First" : "Last";
                return element.IsValueType && !element.Nullable
                    ? new BoundExpression($"{Rendering}ArrayFunctions.{method}<object?>({Rendering}ArrayFunctions.ToList({"(object?)" + code}, {location}))", BoundType.Dynamic)
                    : new BoundExpression($"{Rendering}ArrayFunctions.{method}{generic}({code})", element.AsNullable());
            case "array.limit": return new BoundExpression($"{Rendering}ArrayFunctions.Limit{generic}({code}, {ToInt(a[1]!, spans[1])})", listType.AsNullable());
            case "array.offset": return new BoundExpression($"{Rendering}ArrayFunctions.Offset{generic}({code}, {ToInt(a[1]!, spans[1])})", listType.AsNullable());
            case "array.reverse": return new BoundExpression($"{Rendering}ArrayFunctions.Reverse{generic}({code})", listType);
            case "array.uniq": return new BoundExpression($"{Rendering}ArrayFunctions.Uniq{generic}({code})", listType.AsNullable());
            case "array.compact": return new BoundExpression($"{Rendering}ArrayFunctions.Compact{generic}({code})", listType.AsNullable());
            case "array.contains": return new BoundExpression($"{Rendering}ArrayFunctions.Contains{generic}({code}, {Box(a[1]!)})", BoundType.Boolean);
            case "array.concat":
                var other = ListArgument(a[1]!, spans[1], name);
                if (other is null)
                {
                    return new BoundExpression("null", BoundType.Null);
                }

                if (!Equals(other.Value.Element, element))
                {
                    return new BoundExpression(
                        $"{Rendering}ArrayFunctions.Concat<object?>({Rendering}ArrayFunctions.ToList({"(object?)" + code}, {location}), {Rendering}ArrayFunctions.ToList({"(object?)" + other.Value.Code}, {location}))",
                        BoundType.DynamicList.AsNullable());
                }

                return new BoundExpression($"{Rendering}ArrayFunctions.Concat{generic}({code}, {other.Value.Code})", listType.AsNullable());
            case "array.cycle":
                _usesWriter = true;
                var group = a[1] is null ? "" : ", " + ToTextArgument(a[1]!);
                return element.IsValueType && !element.Nullable
                    ? new BoundExpression($"{Rendering}ArrayFunctions.Cycle<object?>(output, {Rendering}ArrayFunctions.ToList({"(object?)" + code}, {location}){group})", BoundType.Dynamic)
                    : new BoundExpression($"{Rendering}ArrayFunctions.Cycle{generic}(output, {code}{group})", element.AsNullable());
            case "array.sort" when a[1] is null:
                return new BoundExpression($"{Rendering}ArrayFunctions.Sort{generic}({code})", listType);
            case "array.sort":
            case "array.map":
                if (a[1]!.Type.Kind != BoundKind.String || call.Arguments.Concat(call.NamedArguments.Select(n => n.Value)).LastOrDefault() is not StringLiteral member)
                {
                    Report(DiagnosticDescriptors.InvalidArgument, spans[1], name, "a computed value", "member", "the member name must be a string literal");
                    return new BoundExpression("null", BoundType.Null);
                }

                if (element.Kind is BoundKind.Dynamic or BoundKind.ScriptObject)
                {
                    var helper = name == "array.map" ? "Map" : "SortBy";
                    return new BoundExpression(
                        $"{Rendering}ArrayFunctions.{helper}({Rendering}ArrayFunctions.ToList({"(object?)" + code}, {location}), {Literal(member.Value)}, {location})",
                        BoundType.DynamicList);
                }

                if (element.Kind != BoundKind.Model || FindMember(_types[element.TypeId!], member.Value) is not { } found)
                {
                    Report(DiagnosticDescriptors.UnknownTemplateMember, member.Span, member.Value, element.Display);
                    return new BoundExpression("null", BoundType.Null);
                }

                var memberType = TypeOf(found);
                var access = element.Nullable ? "item?." : "item.";
                var resultType = element.Nullable ? memberType.AsNullable() : memberType;
                if (name == "array.sort")
                {
                    return new BoundExpression($"{Rendering}ArrayFunctions.SortBy({code}, static ({element.Declaration} item) => {access}{found.Name})", listType);
                }

                return new BoundExpression(
                    $"{Rendering}ArrayFunctions.Map({code}, static ({element.Declaration} item) => {access}{found.Name})",
                    new BoundType(BoundKind.List, $"global::System.Collections.Generic.List<{resultType.Declaration}>", false, false, null, resultType, ListShape.Indexed));
            default:
                Report(DiagnosticDescriptors.UnknownFunction, call.Callee.Span, name);
                return new BoundExpression("null", BoundType.Null);
        }
    }

    /// <summary>A list argument of an <c>array.*</c> builtin, with its item type.</summary>
    private (string Code, BoundType Element)? ListArgument(BoundExpression value, TemplateSpan span, string function)
    {
        var type = value.Type;
        switch (type.Kind)
        {
            case BoundKind.List:
                return (value.Code, type.Element!);
            case BoundKind.Null:
                return ("(global::System.Collections.Generic.IEnumerable<object?>?)null", BoundType.Dynamic);
            case BoundKind.Dynamic:
            case BoundKind.ScriptObject:
            case BoundKind.Dictionary:
                return ($"{Rendering}ArrayFunctions.ToList({Box(value)}, {Location(span)})", BoundType.Dynamic);
            default:
                Report(DiagnosticDescriptors.InvalidArgument, span, function, "a " + type.Display, "list", "it is not a list");
                return null;
        }
    }
}
