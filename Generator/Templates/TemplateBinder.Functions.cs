using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using TypedMail.Generator.Helpers;
using TypedMail.Generator.Model;

namespace TypedMail.Generator.Templates;

internal sealed partial class TemplateBinder
{
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

        if (name is null || !BuiltinCatalog.Functions.TryGetValue(name, out var function))
        {
            if (name is not null && BuiltinCatalog.IsUnsupported(name))
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

            return BoundExpression.Null;
        }

        var parameters = function.Parameters;
        var bound = new BoundExpression?[parameters.Length];
        var spans = new TemplateSpan[parameters.Length];
        var required = function.RequiredCount;
        if (arguments.Count > parameters.Length)
        {
            Report(DiagnosticDescriptors.WrongArgumentCount, call.Span, name, Arity(parameters.Length, required), arguments.Count.ToString(CultureInfo.InvariantCulture));
            return BoundExpression.Null;
        }

        for (var i = 0; i < arguments.Count; i++)
        {
            bound[i] = BindExpression(arguments[i]);
            spans[i] = arguments[i].Span;
        }

        foreach (var named in call.NamedArguments)
        {
            var index = parameters.IndexOf(parameters.FirstOrDefault(p => p.Name == named.Name)!);
            if (index < 0 || bound[index] is not null)
            {
                Report(DiagnosticDescriptors.InvalidArgument, named.Span, name, $"'{named.Name}:'", named.Name,
                    index < 0 ? $"its parameters are {string.Join(", ", parameters.Select(p => p.Name))}" : "it is given twice");
                return BoundExpression.Null;
            }

            bound[index] = BindExpression(named.Value);
            spans[index] = named.Span;
        }

        var given = bound.Count(b => b is not null);
        for (var i = 0; i < required; i++)
        {
            if (bound[i] is null)
            {
                Report(DiagnosticDescriptors.WrongArgumentCount, call.Span, name, Arity(parameters.Length, required), given.ToString(CultureInfo.InvariantCulture));
                return BoundExpression.Null;
            }
        }

        return function.Returns is { } returns ? LowerToHelper(function, returns, bound, spans, Location(call.Span)) : Lower(function, bound, spans, call);
    }

    /// <summary>A function the catalog maps straight to its run-time helper: required arguments by position, optional ones by name.</summary>
    private BoundExpression LowerToHelper(BuiltinFunction function, BoundType returns, BoundExpression?[] a, TemplateSpan[] spans, string location)
    {
        var arguments = new List<string>();
        for (var i = 0; i < a.Length; i++)
        {
            if (a[i] is not { } value)
            {
                continue;
            }

            var parameter = function.Parameters[i];
            var code = parameter.Kind switch
            {
                BuiltinParameterKind.Integer => ToInt(value, spans[i]),
                BuiltinParameterKind.Number => ToDouble(value, spans[i]),
                BuiltinParameterKind.Value => Box(value),
                _ => ToTextArgument(value),
            };
            arguments.Add(parameter.IsOptional ? parameter.CSharpName + ": " + code : code);
            if (function.TakesLocation && i == function.RequiredCount - 1)
            {
                arguments.Add(location);
            }
        }

        if (function.TakesCulture)
        {
            arguments.Add("emailCulture: output.Culture");
        }

        return new BoundExpression($"{Rendering}{function.Helper}({string.Join(", ", arguments)})", returns);
    }

    private static string Arity(int all, int required) => required == all ? Count(all) : $"{required} to {Count(all)}";

    private static string Count(int n) => n == 1 ? "1 argument" : n.ToString(CultureInfo.InvariantCulture) + " arguments";

    /// <summary><c>string.upcase</c> for a builtin path not hidden by a model member or variable; <c>include</c>.</summary>
    private string? FunctionName(Expression callee) => callee switch
    {
        VariableExpression { IsLocal: false, Name: "include" } when IsBuiltinName("include") => "include",
        MemberExpression { Target: VariableExpression { IsLocal: false } root, Name: var member } when BuiltinCatalog.IsObject(root.Name) && IsBuiltinName(root.Name) => root.Name + "." + member,
        _ => null,
    };

    /// <summary>The functions the catalog marks special: their result type depends on their arguments, or they are operators.</summary>
    private BoundExpression Lower(BuiltinFunction function, BoundExpression?[] a, TemplateSpan[] spans, CallExpression call)
    {
        var name = function.Name;
        var helper = Rendering + function.Helper;
        string S(int i) => ToTextArgument(a[i]!);
        string O(int i) => Box(a[i]!);
        string Opt(int i, Func<int, string> convert) => a[i] is null ? "" : ", " + function.Parameters[i].CSharpName + ": " + convert(i);
        var location = Location(call.Span);

        switch (name)
        {
            // In HTML templates, escaped text is not escaped again; html.raw opts out of escaping.
            case "html.escape":
                return a[0]!.Type.Kind == BoundKind.Html ? a[0]! : new BoundExpression($"{helper}({S(0)})", _html ? BoundType.Html.AsNullable() : BoundType.String.AsNullable());
            case "html.raw":
                return new BoundExpression(S(0), _html ? BoundType.Html.AsNullable() : BoundType.String.AsNullable());
            case "html.newline_to_br":
                if (_html)
                {
                    var escaped = a[0]!.Type.Kind == BoundKind.Html ? S(0) : $"{Rendering}{BuiltinCatalog.Functions["html.escape"].Helper}({S(0)})";
                    return new BoundExpression($"{helper}({escaped})", BoundType.Html);
                }

                return new BoundExpression($"{helper}({S(0)})", BoundType.String);

            case "math.abs": return new BoundExpression($"{helper}({O(0)}, {location})", BoundType.Dynamic);
            case "math.divided_by": return new BoundExpression($"{helper}({O(0)}, {O(1)}, {location})", BoundType.Dynamic);
            case "math.plus": return Binary("+", a[0]!, a[1]!, call.Span);
            case "math.minus": return Binary("-", a[0]!, a[1]!, call.Span);
            case "math.times": return Binary("*", a[0]!, a[1]!, call.Span);
            case "math.modulo": return Binary("%", a[0]!, a[1]!, call.Span);

            case "object.default":
                var joined = Join(a[0]!.Type, a[1]!.Type);
                if (joined.Kind is BoundKind.Dynamic or BoundKind.Null || joined.IsValueType)
                {
                    return new BoundExpression($"{helper}<object>({O(0)}, {O(1)})", BoundType.Dynamic);
                }

                return new BoundExpression($"{helper}<{joined.AsNonNullable().CSharp}>({Convert(a[0]!, joined)}, {Convert(a[1]!, joined)})", joined.AsNullable());

            case "date.to_string":
                var date = a[0]!.Type.Kind == BoundKind.DateTimeOffset ? a[0]!.Code : DateArgument(a[0]!, spans[0]);
                return new BoundExpression($"{helper}({date}, {S(1)}{Opt(2, S)})", BoundType.String.AsNullable());
            case "date.add_days":
            case "date.add_hours":
            case "date.add_minutes":
            case "date.add_seconds":
            case "date.add_milliseconds":
                return new BoundExpression($"{helper}({DateArgument(a[0]!, spans[0])}, {ToDouble(a[1]!, spans[1])}, {Location(spans[0])})", BoundType.DateTime);
            case "date.add_months":
            case "date.add_years":
                return new BoundExpression($"{helper}({DateArgument(a[0]!, spans[0])}, {ToInt(a[1]!, spans[1])}, {Location(spans[0])})", BoundType.DateTime);
        }

        return LowerArray(name, a, spans, call, location);
    }

    private string DateArgument(BoundExpression value, TemplateSpan span) => value.Type.Kind switch
    {
        BoundKind.DateTime => value.Code,
        BoundKind.Null => "(global::System.DateTime?)null",
        _ => $"{Rendering}ScriptValue.ToDateTime({Box(value)}, {Location(span)})",
    };

    private BoundExpression LowerArray(string name, BoundExpression?[] a, TemplateSpan[] spans, CallExpression call, string location)
    {
        var list = ListArgument(a[0]!, spans[0], name);
        if (list is null)
        {
            return BoundExpression.Null;
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
                    return BoundExpression.Null;
                }

                if (!Equals(other.Value.Element, element))
                {
                    return new BoundExpression(
                        $"{Rendering}ArrayFunctions.Concat<object?>({Rendering}ArrayFunctions.ToList({"(object?)" + code}, {location}), {Rendering}ArrayFunctions.ToList({"(object?)" + other.Value.Code}, {location}))",
                        BoundType.DynamicList.AsNullable());
                }

                return new BoundExpression($"{Rendering}ArrayFunctions.Concat{generic}({code}, {other.Value.Code})", listType.AsNullable());
            case "array.cycle":
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
                    return BoundExpression.Null;
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
                    return BoundExpression.Null;
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
                return BoundExpression.Null;
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
