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

            return BoundExpression.Nothing;
        }

        var parameters = function.Parameters;
        var bound = new BoundExpression?[parameters.Length];
        var spans = new TemplateSpan[parameters.Length];
        var required = function.RequiredCount;
        if (arguments.Count > parameters.Length)
        {
            Report(DiagnosticDescriptors.WrongArgumentCount, call.Span, name, Arity(parameters.Length, required), arguments.Count.ToString(CultureInfo.InvariantCulture));
            return BoundExpression.Nothing;
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
                return BoundExpression.Nothing;
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
                return BoundExpression.Nothing;
            }
        }

        return function.Returns is { } returns ? LowerToHelper(function, returns, bound, spans, call.Span) : Lower(function, bound, spans, call);
    }

    /// <summary>A function the catalog maps straight to its run-time helper, each argument converted as its parameter says.</summary>
    private BoundExpression LowerToHelper(BuiltinFunction function, BoundType returns, BoundExpression?[] a, TemplateSpan[] spans, TemplateSpan span)
    {
        var arguments = new List<BoundArgument>();
        for (var i = 0; i < a.Length; i++)
        {
            if (a[i] is not { } value)
            {
                continue;
            }

            var converted = function.Parameters[i].Kind switch
            {
                BuiltinParameterKind.Integer => ToInt(value, spans[i]),
                BuiltinParameterKind.Number => ToDouble(value, spans[i]),
                BuiltinParameterKind.Value => Box(value),
                _ => ToTextArgument(value),
            };
            arguments.Add(new BoundArgument(i, converted));
        }

        return new BoundBuiltinCall(function.Name, arguments.ToEquatableArray(), returns, Location: function.TakesLocation ? Position(span) : null);
    }

    /// <summary>A call of a builtin with its arguments by parameter (skipping those not given).</summary>
    private static BoundBuiltinCall Call(string function, BoundType type, BoundType? typeArgument, string? location, params BoundExpression?[] arguments)
    {
        var given = new List<BoundArgument>();
        for (var i = 0; i < arguments.Length; i++)
        {
            if (arguments[i] is { } argument)
            {
                given.Add(new BoundArgument(i, argument));
            }
        }

        return new BoundBuiltinCall(function, given.ToEquatableArray(), type, typeArgument, location);
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
        BoundExpression S(int i) => ToTextArgument(a[i]!);
        BoundExpression O(int i) => Box(a[i]!);
        var location = Position(call.Span);
        var text = _html ? BoundType.Html : BoundType.String;

        switch (name)
        {
            // In HTML templates, escaped text is not escaped again; html.raw opts out of escaping.
            case "html.escape":
                return a[0]!.Type.Kind == BoundKind.Html ? a[0]! : Call(name, text.AsNullable(), null, null, S(0));
            case "html.raw":
                return Retyped(S(0), text.AsNullable());
            case "html.newline_to_br":
                var escaped = !_html || a[0]!.Type.Kind == BoundKind.Html ? S(0) : Call("html.escape", BoundType.Html.AsNullable(), null, null, S(0));
                return Call(name, text, null, null, escaped);

            case "math.abs": return Call(name, BoundType.Dynamic, null, location, O(0));
            case "math.divided_by": return Call(name, BoundType.Dynamic, null, location, O(0), O(1));
            case "math.plus": return Binary("+", a[0]!, a[1]!, call.Span);
            case "math.minus": return Binary("-", a[0]!, a[1]!, call.Span);
            case "math.times": return Binary("*", a[0]!, a[1]!, call.Span);
            case "math.modulo": return Binary("%", a[0]!, a[1]!, call.Span);

            case "object.default":
                var joined = Join(a[0]!.Type, a[1]!.Type);
                if (joined.Kind is BoundKind.Dynamic or BoundKind.Null || joined.IsValueType)
                {
                    return Call(name, BoundType.Dynamic, ObjectType, null, O(0), O(1));
                }

                return Call(name, joined.AsNullable(), joined.AsNonNullable(), null, Convert(a[0]!, joined), Convert(a[1]!, joined));

            case "date.to_string":
                var date = a[0]!.Type.Kind == BoundKind.DateTimeOffset ? a[0]! : ToDateTime(a[0]!, spans[0]);
                return Call(name, BoundType.String.AsNullable(), null, null, date, S(1), a[2] is null ? null : S(2));
            case "date.add_days":
            case "date.add_hours":
            case "date.add_minutes":
            case "date.add_seconds":
            case "date.add_milliseconds":
                return Call(name, BoundType.DateTime, null, Position(spans[0]), ToDateTime(a[0]!, spans[0]), ToDouble(a[1]!, spans[1]));
            case "date.add_months":
            case "date.add_years":
                return Call(name, BoundType.DateTime, null, Position(spans[0]), ToDateTime(a[0]!, spans[0]), ToInt(a[1]!, spans[1]));
        }

        return LowerArray(name, a, spans, call, location);
    }

    /// <summary><c>object</c> (not nullable), as a type argument.</summary>
    private static readonly BoundType ObjectType = new(BoundKind.Other, "object", false, false);

    private BoundExpression LowerArray(string name, BoundExpression?[] a, TemplateSpan[] spans, CallExpression call, string position)
    {
        var list = ListArgument(a[0]!, spans[0], name);
        if (list is null)
        {
            return BoundExpression.Nothing;
        }

        var (items, element) = list.Value;
        var location = BoundLiteral.String(position);
        var listType = new BoundType(BoundKind.List, $"global::System.Collections.Generic.List<{element.Declaration}>", false, false, null, element, ListShape.Indexed);
        BoundExpression Objects(BoundExpression value) => Runtime(RuntimeOperation.ToList, BoundType.DynamicList, Box(value), location);
        switch (name)
        {
            case "array.size": return Call(name, BoundType.Int32, element, null, items);
            case "array.join": return Call(name, BoundType.String, element, null, items, ToTextArgument(a[1]!));
            case "array.first":
            case "array.last":
                return element.IsValueType && !element.Nullable
                    ? Call(name, BoundType.Dynamic, BoundType.Dynamic, null, Objects(items))
                    : Call(name, element.AsNullable(), element, null, items);
            case "array.limit":
            case "array.offset":
                return Call(name, listType.AsNullable(), element, null, items, ToInt(a[1]!, spans[1]));
            case "array.reverse": return Call(name, listType, element, null, items);
            case "array.uniq":
            case "array.compact":
                return Call(name, listType.AsNullable(), element, null, items);
            case "array.contains": return Call(name, BoundType.Boolean, element, null, items, Box(a[1]!));
            case "array.concat":
                var other = ListArgument(a[1]!, spans[1], name);
                if (other is null)
                {
                    return BoundExpression.Nothing;
                }

                return Equals(other.Value.Element, element)
                    ? Call(name, listType.AsNullable(), element, null, items, other.Value.Items)
                    : Call(name, BoundType.DynamicList.AsNullable(), BoundType.Dynamic, null, Objects(items), Objects(other.Value.Items));
            case "array.cycle":
                var boxed = element.IsValueType && !element.Nullable;
                var cycled = new List<BoundExpression> { new BoundWriter(), boxed ? Objects(items) : items };
                if (a[1] is not null)
                {
                    cycled.Add(ToTextArgument(a[1]!));
                }

                return new BoundRuntimeCall(RuntimeOperation.Cycle, cycled.ToEquatableArray(), boxed ? BoundType.Dynamic : element.AsNullable(), boxed ? BoundType.Dynamic : element);
            case "array.sort" when a[1] is null:
                return Call(name, listType, element, null, items);
            case "array.sort":
            case "array.map":
                if (a[1]!.Type.Kind != BoundKind.String || call.Arguments.Concat(call.NamedArguments.Select(n => n.Value)).LastOrDefault() is not StringLiteral member)
                {
                    Report(DiagnosticDescriptors.InvalidArgument, spans[1], name, "a computed value", "member", "the member name must be a string literal");
                    return BoundExpression.Nothing;
                }

                if (element.Kind is BoundKind.Dynamic or BoundKind.ScriptObject)
                {
                    return name == "array.map"
                        ? Call(name, BoundType.DynamicList, null, position, Objects(items), BoundLiteral.String(member.Value))
                        : Runtime(RuntimeOperation.SortBy, BoundType.DynamicList, Objects(items), BoundLiteral.String(member.Value), location);
                }

                if (element.Kind != BoundKind.Model || FindMember(_types[element.TypeId!], member.Value) is not { } found)
                {
                    Report(DiagnosticDescriptors.UnknownTemplateMember, member.Span, member.Value, element.Display);
                    return BoundExpression.Nothing;
                }

                var memberType = TypeOf(found);
                var selector = new BoundMemberSelector(element, found.Name);
                var resultType = element.Nullable ? memberType.AsNullable() : memberType;
                if (name == "array.sort")
                {
                    return Runtime(RuntimeOperation.SortBy, listType, items, selector);
                }

                return Call(name, new BoundType(BoundKind.List, $"global::System.Collections.Generic.List<{resultType.Declaration}>", false, false, null, resultType, ListShape.Indexed), null, null, items, selector);
            default:
                Report(DiagnosticDescriptors.UnknownFunction, call.Callee.Span, name);
                return BoundExpression.Nothing;
        }
    }

    /// <summary>A sequence of objects that may be null, as the type of a null list argument.</summary>
    private static readonly BoundType EnumerableOfObjects = new(BoundKind.List, "global::System.Collections.Generic.IEnumerable<object?>", false, true, null, BoundType.Dynamic, ListShape.Enumerable);

    /// <summary>A list argument of an <c>array.*</c> builtin, with its item type.</summary>
    private (BoundExpression Items, BoundType Element)? ListArgument(BoundExpression value, TemplateSpan span, string function)
    {
        var type = value.Type;
        switch (type.Kind)
        {
            case BoundKind.List:
                return (value, type.Element!);
            case BoundKind.Null:
                return (Cast(BoundExpression.NullLiteral, EnumerableOfObjects), BoundType.Dynamic);
            case BoundKind.Dynamic:
            case BoundKind.ScriptObject:
            case BoundKind.Dictionary:
                return (Runtime(RuntimeOperation.ToList, BoundType.DynamicList, Box(value), Where(span)), BoundType.Dynamic);
            default:
                Report(DiagnosticDescriptors.InvalidArgument, span, function, "a " + type.Display, "list", "it is not a list");
                return null;
        }
    }
}
