using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using TypedMail.Generator.Model;

namespace TypedMail.Generator.Templates;

internal sealed partial class TemplateBinder
{
    private BoundExpression BindExpression(Expression expression)
    {
        switch (expression)
        {
            case StringLiteral s:
                return new BoundExpression(Literal(s.Value), BoundType.String, IsConstant: true);
            case NumberLiteral n:
                return Number(n);
            case BooleanLiteral b:
                return new BoundExpression(b.Value ? "true" : "false", BoundType.Boolean, IsConstant: true);
            case NullLiteral:
                return BoundExpression.NullLiteral;
            case EmptyLiteral empty when !IsBuiltinName("empty"):
                // `empty` is a builtin variable in Scriban, so a member or template variable of that name hides it.
                return BindExpression(new VariableExpression("empty", IsLocal: false, empty.Span));
            case EmptyLiteral:
                return new BoundExpression(Rendering + "ScriptValue.Empty", BoundType.Empty);
            case InterpolatedString interpolated:
                return Interpolate(interpolated);
            case ParenthesizedExpression parenthesized:
                var inner = BindExpression(parenthesized.Inner);
                return inner with { Code = "(" + inner.Code + ")" };
            case VariableExpression variable:
                return BindVariable(variable);
            case LoopVariableExpression loopVariable:
                return BindLoopVariable(loopVariable);
            case MemberExpression member:
                var bound = BindMember(member);

                // A builtin used as a value is called without arguments (`date.now`, `array.cycle` fails its arity check).
                return bound.Type.Kind == BoundKind.Function && bound.Type.CSharp.Contains('.')
                    ? BindCall(new CallExpression(member, default, default, member.Span), null)
                    : bound;
            case IndexExpression index:
                return BindIndex(index);
            case UnaryExpression unary:
                return BindUnary(unary);
            case BinaryExpression binary:
                return BindBinary(binary.Operator, binary.Left, binary.Right, binary.OperatorSpan);
            case ConditionalExpression conditional:
                return BindConditional(conditional);
            case PipeExpression pipe:
                return BindCall(pipe.Call, pipe.Input);
            case CallExpression call:
                return BindCall(call, null);
            case ArrayLiteral array:
                var items = array.Items.Select(i => Box(BindExpression(i))).ToList();
                return new BoundExpression(
                    items.Count == 0 ? "new global::System.Collections.Generic.List<object?>()" : $"new global::System.Collections.Generic.List<object?> {{ {string.Join(", ", items)} }}",
                    BoundType.DynamicList);
            case ObjectLiteral obj:
                var code = "new " + Rendering + "ScriptObject()";
                foreach (var member in obj.Members)
                {
                    code += $".Set({Literal(member.Name)}, {Box(BindExpression(member.Value))})";
                }

                return new BoundExpression(code, BoundType.ScriptObject);
            default:
                throw new InvalidOperationException("Unexpected expression " + expression.GetType().Name);
        }
    }

    private static BoundExpression Number(NumberLiteral n) => n.Kind switch
    {
        NumberKind.Int32 => new BoundExpression(n.Value, BoundType.Int32, IsConstant: true),
        NumberKind.Int64 => new BoundExpression(n.Value + "L", BoundType.Int64, IsConstant: true),
        NumberKind.UInt32 => new BoundExpression(n.Value + "U", BoundType.UInt32, IsConstant: true),
        NumberKind.UInt64 => new BoundExpression(n.Value + "UL", BoundType.UInt64, IsConstant: true),
        NumberKind.BigInteger => new BoundExpression($"global::System.Numerics.BigInteger.Parse({Literal(n.Value)}, global::System.Globalization.CultureInfo.InvariantCulture)", BoundType.BigInteger),
        NumberKind.Single => new BoundExpression(n.Value + "f", BoundType.Single, IsConstant: true),
        NumberKind.Decimal => new BoundExpression(n.Value + "m", BoundType.Decimal, IsConstant: true),
        _ => n.Value.Contains("Infinity") ? new BoundExpression("double.PositiveInfinity", BoundType.Double, IsConstant: true) : new BoundExpression(n.Value + "d", BoundType.Double, IsConstant: true),
    };

    private BoundExpression Interpolate(InterpolatedString interpolated)
    {
        var parts = new List<string>();
        var constant = true;
        foreach (var part in interpolated.Parts)
        {
            var value = BindExpression(part);
            constant &= part is StringLiteral;
            parts.Add(ToText(value));
        }

        if (parts.Count == 0)
        {
            return new BoundExpression("\"\"", BoundType.String, IsConstant: true);
        }

        return parts.Count == 1 && constant
            ? new BoundExpression(parts[0], BoundType.String, IsConstant: true)
            : new BoundExpression($"string.Concat({string.Join(", ", parts)})", BoundType.String);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Names
    // ------------------------------------------------------------------------------------------------------------

    private BoundExpression BindVariable(VariableExpression variable)
    {
        var name = variable.Name;
        if (variable.IsLocal)
        {
            for (var i = _loops.Count - 1; i >= 0; i--)
            {
                if (_loops[i].Variable == name && _loops[i].IsLocal)
                {
                    return new BoundExpression(_loops[i].CSharpName, _loops[i].Element);
                }
            }

            var page = _pages[_pages.Count - 1];
            if (page.Arguments.TryGetValue(name, out var argument))
            {
                return argument;
            }

            var key = page.Id + "$" + name;
            if (_known.TryGetValue(key, out var localType) && localType.Kind == BoundKind.Null)
            {
                // Only ever null: read as the literal, so the variable is neither declared nor assigned (CS0219).
                return new BoundExpression("null", BoundType.Null);
            }

            _read.Add(key);
            if (localType is not null)
            {
                if (!page.Locals.TryGetValue(name, out var localName))
                {
                    localName = page.Locals[name] = Unique("local_" + SafeName(name));
                    _globalNames[key] = localName;
                }

                return new BoundExpression(localName, localType.AsNullable());
            }

            // An unassigned local is null, as in Scriban.
            return BoundExpression.Null;
        }

        for (var i = _loops.Count - 1; i >= 0; i--)
        {
            if (_loops[i].Variable == name && !_loops[i].IsLocal)
            {
                return new BoundExpression(_loops[i].CSharpName, _loops[i].Element);
            }
        }

        if (_known.TryGetValue(name, out var type) && type.Kind == BoundKind.Null)
        {
            // Only ever null: read as the literal, so the variable is neither declared nor assigned (CS0219).
            return new BoundExpression("null", BoundType.Null);
        }

        if (type is not null)
        {
            _read.Add(name);
            if (!_globalNames.TryGetValue(name, out var csharp))
            {
                csharp = _globalNames[name] = Unique(name);
            }

            return new BoundExpression(csharp, type.AsNullable());
        }

        if (FindMember(_types[_email.Root.Id], name) is { } member)
        {
            return new BoundExpression("model." + member.Name, TypeOf(member));
        }

        if (_assigned.ContainsKey(name))
        {
            // Assigned later in this pass: the next pass knows its type.
            _read.Add(name);
            return BoundExpression.Null;
        }

        if (BuiltinCatalog.IsGlobalName(name))
        {
            return new BoundExpression(name, new BoundType(BoundKind.Function, name, false, false));
        }

        Report(DiagnosticDescriptors.UnknownTemplateMember, variable.Span, name, _email.TypeName);
        return BoundExpression.Null;
    }

    private BoundExpression BindLoopVariable(LoopVariableExpression variable)
    {
        LoopFrame? frame = null;
        for (var i = _loops.Count - 1; i >= 0; i--)
        {
            if (_loops[i].Kind == variable.Loop)
            {
                frame = _loops[i];
                break;
            }
        }

        if (frame is null)
        {
            Report(DiagnosticDescriptors.LoopControlOutsideLoop, variable.Span, variable.Loop + "." + variable.Name, variable.Loop);
            return BoundExpression.Null;
        }

        var index = frame.Index;
        var length = frame.Length;
        switch (variable.Name)
        {
            case "index":
                return new BoundExpression(index, BoundType.Int32);
            case "rindex":
                return new BoundExpression($"({length} - {index} - 1)", BoundType.Int32);
            case "first":
                return new BoundExpression($"({index} == 0)", BoundType.Boolean);
            case "last":
                return new BoundExpression($"({index} == {length} - 1)", BoundType.Boolean);
            case "even":
                return new BoundExpression($"({index} % 2 == 0)", BoundType.Boolean);
            case "odd":
                return new BoundExpression($"({index} % 2 != 0)", BoundType.Boolean);
            case "length":
                return new BoundExpression(length!, BoundType.Int32);
            default:
                frame.UsesChanged = true;
                return new BoundExpression(frame.CSharpName + "Changed", BoundType.Boolean);
        }
    }

    private static MemberSpec? FindMember(TypeSpec type, string templateName)
    {
        foreach (var member in type.Members)
        {
            if (member.TemplateName == templateName)
            {
                return member;
            }
        }

        return null;
    }

    private BoundType TypeOf(MemberSpec member) => TypeOf(_types[member.TypeId], member.IsNullable);

    private BoundType TypeOf(TypeSpec spec, bool nullable)
    {
        BoundType Simple(BoundType t) => t with { CSharp = spec.CSharp, Nullable = nullable };
        switch (spec.Kind)
        {
            case TypeKind.String: return BoundType.String with { Nullable = nullable };
            case TypeKind.Boolean: return BoundType.Boolean with { Nullable = nullable };
            case TypeKind.Char: return new BoundType(BoundKind.Char, "char", true, nullable);
            case TypeKind.Int32: return Simple(BoundType.Int32);
            case TypeKind.UInt32: return Simple(BoundType.UInt32);
            case TypeKind.Int64: return Simple(BoundType.Int64);
            case TypeKind.UInt64: return Simple(BoundType.UInt64);
            case TypeKind.BigInteger: return Simple(BoundType.BigInteger);
            case TypeKind.Single: return Simple(BoundType.Single);
            case TypeKind.Double: return Simple(BoundType.Double);
            case TypeKind.Decimal: return Simple(BoundType.Decimal);
            case TypeKind.DateTime: return Simple(BoundType.DateTime);
            case TypeKind.DateTimeOffset: return Simple(BoundType.DateTimeOffset);
            case TypeKind.TimeSpan: return Simple(BoundType.TimeSpan);
            case TypeKind.Enum: return new BoundType(BoundKind.Enum, spec.CSharp, true, nullable, spec.Id);
            case TypeKind.Formattable: return new BoundType(BoundKind.Formattable, spec.CSharp, spec.IsValueType, nullable, spec.Id);
            case TypeKind.Other: return new BoundType(BoundKind.Other, spec.CSharp, spec.IsValueType, nullable, spec.Id);
            case TypeKind.Object: return new BoundType(BoundKind.Model, spec.CSharp, spec.IsValueType, nullable, spec.Id);
            case TypeKind.Dictionary:
                return new BoundType(BoundKind.Dictionary, spec.CSharp, spec.IsValueType, nullable, spec.Id, TypeOf(_types[spec.ElementId!], nullable: false));
            default:
                return new BoundType(BoundKind.List, spec.CSharp, spec.IsValueType, nullable, spec.Id, TypeOf(_types[spec.ElementId!], nullable: false), spec.Shape);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Members and indexers
    // ------------------------------------------------------------------------------------------------------------

    private BoundExpression BindMember(MemberExpression member)
    {
        if (member.Target is VariableExpression { IsLocal: false } root && BuiltinCatalog.IsObject(root.Name) && IsBuiltinName(root.Name))
        {
            if (root.Name == "date" && member.Name == "format")
            {
                return new BoundExpression("output.DateFormat", BoundType.String);
            }

            return new BoundExpression(root.Name + "." + member.Name, new BoundType(BoundKind.Function, root.Name + "." + member.Name, false, false));
        }

        if (member.Target is VariableExpression { IsLocal: true, Name: "" } && _pages[_pages.Count - 1].Arguments.TryGetValue(member.Name, out var named))
        {
            return named;
        }

        var target = BindExpression(member.Target);
        var path = SourceText(member);
        var type = target.Type;
        if (type.Kind == BoundKind.Function)
        {
            Report(DiagnosticDescriptors.UnknownFunction, member.Span, path);
            return BoundExpression.Null;
        }

        if (type.Kind == BoundKind.Null)
        {
            if (!member.IsOptional)
            {
                Report(DiagnosticDescriptors.NullValueAccess, member.Span, SourceText(member.Target), path);
            }

            return BoundExpression.Null;
        }

        if (type.Kind is BoundKind.Dynamic or BoundKind.ScriptObject or BoundKind.Empty)
        {
            var get = $"{Rendering}ScriptValue.GetMember({Box(target)}, {Literal(member.Name)}, {Literal(path)}, {Location(member.Span)})";
            return new BoundExpression(member.IsOptional ? $"({Box(target)} is null ? null : {get})" : get, BoundType.Dynamic);
        }

        if (type.Kind == BoundKind.Dictionary)
        {
            return new BoundExpression(
                $"{Rendering}ScriptValue.Entry({target.Code}, {Literal(member.Name)}, {Literal(path)}, {Location(member.Span)})",
                type.Element!.AsNullable());
        }

        // A typed member: `target.Member`; a nullable target fails like Scriban unless `?.` is used.
        string access;
        if (!type.Nullable)
        {
            access = target.Code + ".";
        }
        else if (member.IsOptional)
        {
            access = target.Code + "?.";
        }
        else
        {
            access = $"{Rendering}ScriptValue.NotNull({target.Code}, {Literal(path)}, {Location(member.Span)}).";
        }

        var optional = type.Nullable && member.IsOptional;
        BoundExpression Result(string code, BoundType result) => new(access + code, optional ? result.AsNullable() : result);

        switch (type.Kind)
        {
            case BoundKind.Model:
                if (FindMember(_types[type.TypeId!], member.Name) is { } found)
                {
                    return Result(found.Name, TypeOf(found));
                }

                break;
            case BoundKind.String:
            case BoundKind.Html:
                if (member.Name == "size")
                {
                    return Result("Length", BoundType.Int32);
                }

                if (member.Name == "empty?")
                {
                    return optional ? Result("Length == 0", BoundType.Boolean) with { Code = $"({access}Length == 0)" } : new BoundExpression($"({access}Length == 0)", BoundType.Boolean);
                }

                break;
            case BoundKind.List:
                var count = type.Shape == ListShape.Array ? "Length" : "Count";
                if (type.Shape == ListShape.Enumerable)
                {
                    if (member.Name is "size" or "empty?")
                    {
                        var size = $"{Rendering}ArrayFunctions.Size({target.Code})";
                        return new BoundExpression(member.Name == "size" ? size : $"({size} == 0)", member.Name == "size" ? BoundType.Int32 : BoundType.Boolean);
                    }

                    break;
                }

                if (member.Name == "size")
                {
                    return Result(count, BoundType.Int32);
                }

                if (member.Name == "empty?")
                {
                    return new BoundExpression($"({access}{count} == 0)", optional ? BoundType.Boolean.AsNullable() : BoundType.Boolean);
                }

                break;
            case BoundKind.DateTime:
            case BoundKind.DateTimeOffset:
                var dateMember = member.Name switch
                {
                    "year" => ("Year", BoundType.Int32),
                    "month" => ("Month", BoundType.Int32),
                    "day" => ("Day", BoundType.Int32),
                    "hour" => ("Hour", BoundType.Int32),
                    "minute" => ("Minute", BoundType.Int32),
                    "second" => ("Second", BoundType.Int32),
                    "millisecond" => ("Millisecond", BoundType.Int32),
                    "day_of_year" => ("DayOfYear", BoundType.Int32),
                    "day_of_week" => ("DayOfWeek", new BoundType(BoundKind.Enum, "global::System.DayOfWeek", true, false)),
                    "ticks" => ("Ticks", BoundType.Int64),
                    "date" when type.Kind == BoundKind.DateTime => ("Date", BoundType.DateTime),
                    "date_time" when type.Kind == BoundKind.DateTimeOffset => ("DateTime", BoundType.DateTime),
                    "offset" when type.Kind == BoundKind.DateTimeOffset => ("Offset", BoundType.TimeSpan),
                    _ => ((string, BoundType)?)null,
                };
                if (dateMember is { } d)
                {
                    return Result(d.Item1, d.Item2);
                }

                break;
            case BoundKind.TimeSpan:
                var spanMember = member.Name switch
                {
                    "days" => ("Days", BoundType.Int32),
                    "hours" => ("Hours", BoundType.Int32),
                    "minutes" => ("Minutes", BoundType.Int32),
                    "seconds" => ("Seconds", BoundType.Int32),
                    "milliseconds" => ("Milliseconds", BoundType.Int32),
                    "ticks" => ("Ticks", BoundType.Int64),
                    "total_days" => ("TotalDays", BoundType.Double),
                    "total_hours" => ("TotalHours", BoundType.Double),
                    "total_minutes" => ("TotalMinutes", BoundType.Double),
                    "total_seconds" => ("TotalSeconds", BoundType.Double),
                    "total_milliseconds" => ("TotalMilliseconds", BoundType.Double),
                    _ => ((string, BoundType)?)null,
                };
                if (spanMember is { } s)
                {
                    return Result(s.Item1, s.Item2);
                }

                break;
        }

        Report(DiagnosticDescriptors.UnknownTemplateMember, member.Span, member.Name, type.Display);
        return new BoundExpression($"{Rendering}ScriptValue.MissingMember({Box(target)}, {Literal(path)}, {Location(member.Span)})", BoundType.Null);
    }

    /// <summary>Whether a builtin object's name is not taken by a model member or a template variable.</summary>
    private bool IsBuiltinName(string name)
        => FindMember(_types[_email.Root.Id], name) is null && !_known.ContainsKey(name) && !IsLoopVariableName(name);

    private BoundExpression BindIndex(IndexExpression index)
    {
        var target = BindExpression(index.Target);
        var key = BindExpression(index.Index);
        var path = SourceText(index.Target);
        var location = Location(index.Span);
        if (target.Type.Kind == BoundKind.Null)
        {
            Report(DiagnosticDescriptors.NullValueAccess, index.Span, path, SourceText(index));
            return BoundExpression.Null;
        }

        if (key.Type.Kind == BoundKind.Null)
        {
            Report(DiagnosticDescriptors.InvalidIndex, index.Index.Span, SourceText(index), "the index is null");
            return BoundExpression.Null;
        }

        var type = target.Type;
        if (type.Nullable && HasNullConditionalTarget(index.Target) && type.Kind is BoundKind.List or BoundKind.String or BoundKind.Html or BoundKind.Dynamic)
        {
            // As in Scriban, an index on null is null when the target went through `?.` (`a?.b[0]`), instead of failing.
            var safe = BindIndexOf(target with { Type = type.AsNonNullable() }, key, index, path, location);
            return safe.Type.IsValueType && !safe.Type.Nullable
                ? new BoundExpression($"({target.Code} is null ? null : (object?){safe.Code})", BoundType.Dynamic)
                : new BoundExpression($"({target.Code} is null ? null : {safe.Code})", safe.Type.AsNullable());
        }

        return BindIndexOf(target, key, index, path, location);
    }

    private static bool HasNullConditionalTarget(Expression expression) => expression switch
    {
        MemberExpression member => member.IsOptional || HasNullConditionalTarget(member.Target),
        IndexExpression indexer => HasNullConditionalTarget(indexer.Target),
        ParenthesizedExpression parenthesized => HasNullConditionalTarget(parenthesized.Inner),
        _ => false,
    };

    private BoundExpression BindIndexOf(BoundExpression target, BoundExpression key, IndexExpression index, string path, string location)
    {
        var type = target.Type;
        switch (type.Kind)
        {
            case BoundKind.List when type.Shape == ListShape.Array && type.Element!.IsValueType && !type.Element.Nullable:
                // An index before the start is null (`numbers[-9]`), which the value type cannot hold.
                return new BoundExpression($"{Rendering}ScriptValue.ValueItem({target.Code}, {ToInt(key, index.Index.Span)}, {Literal(path)}, {location})", BoundType.Dynamic);
            case BoundKind.List when type.Shape == ListShape.Array:
                return new BoundExpression($"{Rendering}ScriptValue.Item({target.Code}, {ToInt(key, index.Index.Span)}, {Literal(path)}, {location})", type.Element!.AsNullable());
            case BoundKind.List when type.Shape == ListShape.Indexed && type.Element!.IsValueType && !type.Element.Nullable:
                // Out of range is null, not the value type's default (`amounts[9]` is not `0`).
                return new BoundExpression(
                    $"{Rendering}ScriptValue.ValueItem<{type.Element.Declaration}>({target.Code}, {ToInt(key, index.Index.Span)}, {Literal(path)}, {location})",
                    BoundType.Dynamic);
            case BoundKind.List when type.Shape == ListShape.Indexed:
                return new BoundExpression(
                    $"{Rendering}ScriptValue.Item<{type.Element!.Declaration}>({target.Code}, {ToInt(key, index.Index.Span)}, {Literal(path)}, {location})",
                    ElementOrDynamic(type.Element!));
            case BoundKind.String:
            case BoundKind.Html:
                return new BoundExpression($"{Rendering}ScriptValue.Item({target.Code}, {ToInt(key, index.Index.Span)}, {Literal(path)}, {location})", BoundType.String.AsNullable());
            case BoundKind.Dictionary:
                return new BoundExpression($"{Rendering}ScriptValue.Entry({target.Code}, {ToText(key)}, {Literal(path)}, {location})", type.Element!.AsNullable());
            case BoundKind.Dynamic:
            case BoundKind.ScriptObject:
            case BoundKind.List:
                return new BoundExpression($"{Rendering}ScriptValue.GetIndex({Box(target)}, {Box(key)}, {Literal(path)}, {location})", BoundType.Dynamic);
            default:
                Report(DiagnosticDescriptors.InvalidIndex, index.Span, SourceText(index), $"a {type.Display} is not a list");
                return BoundExpression.Null;
        }
    }

    /// <summary>An item that may be missing: value types become <see cref="BoundKind.Dynamic"/> (their default is not null).</summary>
    private static BoundType ElementOrDynamic(BoundType element) => element.IsValueType && !element.Nullable ? BoundType.Dynamic : element.AsNullable();

    // ------------------------------------------------------------------------------------------------------------
    // Operators
    // ------------------------------------------------------------------------------------------------------------

    private BoundExpression BindUnary(UnaryExpression unary)
    {
        var operand = BindExpression(unary.Operand);
        var type = operand.Type;
        switch (unary.Operator)
        {
            case "!":
                return new BoundExpression($"!{Condition(operand)}", BoundType.Boolean);
            case "-" when type.Kind == BoundKind.Null:
                return new BoundExpression($"{Rendering}ScriptValue.Negate(null, {Location(unary.Span)})", BoundType.Dynamic);
            case "+" when type.Kind == BoundKind.Null:
                return new BoundExpression($"{Rendering}ScriptValue.Plus(null, {Location(unary.Span)})", BoundType.Dynamic);
            case "-" when type.Nullable && type.Kind is BoundKind.Int32 or BoundKind.Int64 or BoundKind.Double or BoundKind.Single or BoundKind.Decimal or BoundKind.TimeSpan:
                return new BoundExpression($"(-{Rendering}ScriptValue.Operand({operand.Code}, \"-\", {Location(unary.Span)}))", type.AsNonNullable());
            case "+" when type.Nullable && (type.IsNumeric || type.Kind == BoundKind.TimeSpan):
                return new BoundExpression($"{Rendering}ScriptValue.Operand({operand.Code}, \"+\", {Location(unary.Span)})", type.AsNonNullable());
            case "-" when type.Kind is BoundKind.Int32 or BoundKind.Int64 or BoundKind.Double or BoundKind.Single or BoundKind.Decimal or BoundKind.TimeSpan:
                return new BoundExpression($"(-{operand.Code})", type, operand.IsConstant);
            case "+" when type.IsNumeric || type.Kind == BoundKind.TimeSpan:
                return operand;
            case "-" when type.Kind is BoundKind.Dynamic or BoundKind.BigInteger or BoundKind.UInt32 or BoundKind.UInt64:
                return new BoundExpression($"{Rendering}ScriptValue.Negate({Box(operand)}, {Location(unary.Span)})", BoundType.Dynamic);
            case "+" when type.Kind == BoundKind.Dynamic:
                return new BoundExpression($"{Rendering}ScriptValue.Plus({Box(operand)}, {Location(unary.Span)})", BoundType.Dynamic);
            default:
                Report(DiagnosticDescriptors.InvalidOperands, unary.Span, unary.Operator, "nothing", "a " + type.Display);
                return BoundExpression.Null;
        }
    }

    private BoundExpression BindBinary(string op, Expression leftExpression, Expression rightExpression, TemplateSpan span)
    {
        var left = BindExpression(leftExpression);
        var right = BindExpression(rightExpression);
        return Binary(op, left, right, span);
    }

    private BoundExpression Binary(string op, BoundExpression left, BoundExpression right, TemplateSpan span)
    {
        switch (op)
        {
            case "&&":
            case "||":
                return new BoundExpression($"({Condition(left)} {op} {Condition(right)})", BoundType.Boolean, left.IsConstant && right.IsConstant);
            case "==":
                return Equality(left, right, negate: false);
            case "!=":
                return Equality(left, right, negate: true);
            case "<":
            case "<=":
            case ">":
            case ">=":
                return Relational(op, left, right, span);
            case "??":
                return Coalesce(left, right);
            case "?!":
                return left.Type.Kind == BoundKind.Null || right.Type.Kind == BoundKind.Null
                    ? BoundExpression.Null
                    : new BoundExpression($"({Box(left)} is null ? null : {Box(right)})", BoundType.Dynamic);
            case "..":
            case "..<":
                return Range(left, right, op == "..<", span);
            default:
                return Arithmetic(op, left, right, span);
        }
    }

    private static bool IsInteger(BoundType t) => t.Kind is BoundKind.Int32 or BoundKind.Int64;

    private static bool IsSimpleNumber(BoundType t) => t.Kind is BoundKind.Int32 or BoundKind.Int64 or BoundKind.Double or BoundKind.Single or BoundKind.Decimal;

    private BoundExpression Arithmetic(string op, BoundExpression left, BoundExpression right, TemplateSpan span)
    {
        var l = left.Type;
        var r = right.Type;
        var constant = left.IsConstant && right.IsConstant;
        if (op == "+" && (l.IsText || r.IsText || l.Kind == BoundKind.Char || r.Kind == BoundKind.Char))
        {
            return Concatenation(left, right, span);
        }

        if (op == "*" && (l.IsText ^ r.IsText))
        {
            var (text, count) = l.IsText ? (left, right) : (right, left);
            if (IsInteger(count.Type) && !count.Type.Nullable)
            {
                return new BoundExpression($"{Rendering}StringFunctions.Repeat({text.Code}, (int){count.Code})", BoundType.String);
            }

            if (count.Type.Kind is BoundKind.Dynamic or BoundKind.Null || (IsInteger(count.Type) && count.Type.Nullable))
            {
                return Dynamic("Multiply", left, right, span);
            }
        }

        if (l.IsText || r.IsText)
        {
            Report(DiagnosticDescriptors.InvalidOperands, span, op, "a " + l.Display, "a " + r.Display);
            return BoundExpression.Null;
        }

        if (l.Kind == BoundKind.Null || r.Kind == BoundKind.Null)
        {
            return BoundExpression.Null;
        }

        if (op == "-" && l.Kind == BoundKind.DateTime && r.Kind == BoundKind.DateTime)
        {
            return new BoundExpression($"({left.Code} - {right.Code})", BoundType.TimeSpan with { Nullable = l.Nullable || r.Nullable });
        }

        if (!IsSimpleNumber(l) || !IsSimpleNumber(r))
        {
            if (l.Kind is BoundKind.Model or BoundKind.List or BoundKind.Boolean || r.Kind is BoundKind.Model or BoundKind.List or BoundKind.Boolean)
            {
                Report(DiagnosticDescriptors.InvalidOperands, span, op, "a " + l.Display, "a " + r.Display);
                return BoundExpression.Null;
            }

            return Dynamic(op switch { "+" => "Add", "-" => "Subtract", "*" => "Multiply", "/" => "Divide", "//" => "FloorDivide", _ => "Modulo" }, left, right, span);
        }

        var nullable = l.Nullable || r.Nullable;
        var n = nullable ? "?" : "";
        BoundType Result(BoundType t) => nullable ? t.AsNullable() : t;
        var kind = l.Kind == BoundKind.Decimal || r.Kind == BoundKind.Decimal ? BoundKind.Decimal
            : l.Kind == BoundKind.Double || r.Kind == BoundKind.Double ? BoundKind.Double
            : l.Kind == BoundKind.Single || r.Kind == BoundKind.Single ? BoundKind.Single
            : BoundKind.Int64;
        var (cast, type) = kind switch
        {
            BoundKind.Decimal => ("decimal", BoundType.Decimal),
            BoundKind.Double => ("double", BoundType.Double),
            BoundKind.Single => ("float", BoundType.Single),
            _ => ("long", BoundType.Int64),
        };

        // decimal and double do not mix in C#: Scriban converts the other operand to decimal.
        var leftCode = kind == BoundKind.Decimal && l.Kind != BoundKind.Decimal ? $"({cast}{n}){left.Code}" : left.Code;
        var rightCode = kind == BoundKind.Decimal && r.Kind != BoundKind.Decimal ? $"({cast}{n}){right.Code}" : right.Code;
        switch (op)
        {
            case "/" when kind == BoundKind.Int64:
                return new BoundExpression($"((double{n}){leftCode} / {rightCode})", Result(BoundType.Double), constant);
            case "/":
                return new BoundExpression($"(({cast}{n}){leftCode} / {rightCode})", Result(type), constant);
            case "//" when kind == BoundKind.Int64:
                return new BoundExpression($"((long{n}){leftCode} / {rightCode})", Result(BoundType.Int64), constant);
            case "//" when !nullable && kind is BoundKind.Double or BoundKind.Decimal:
                return new BoundExpression($"global::System.Math.Round(({cast}){leftCode} / {rightCode})", type);
            case "//":
                return Dynamic("FloorDivide", left, right, span);
            default:
                return new BoundExpression($"(({cast}{n}){leftCode} {op} {rightCode})", Result(type), constant);
        }
    }

    /// <summary>
    /// <c>+</c> with text on a side. Scriban concatenates when a side holds a string at run time; a text side that is
    /// <see langword="null"/> holds none, so when every text side is null the result is null (<c>city + 1</c>).
    /// </summary>
    private BoundExpression Concatenation(BoundExpression left, BoundExpression right, TemplateSpan span)
    {
        static bool IsTextual(BoundType t) => t.IsText || t.Kind == BoundKind.Char;
        var (l, r) = (left.Type, right.Type);
        if ((IsTextual(l) && !l.Nullable) || (IsTextual(r) && !r.Nullable))
        {
            return new BoundExpression($"string.Concat({ToText(left)}, {ToText(right)})", BoundType.String);
        }

        if (IsTextual(l) && IsTextual(r))
        {
            return new BoundExpression($"{Rendering}ScriptValue.Concat({left.Code}, {right.Code})", BoundType.String.AsNullable());
        }

        var (text, other) = IsTextual(l) ? (left, right) : (right, left);
        return other.Type.Kind == BoundKind.Dynamic
            ? Dynamic("Add", left, right, span)
            : new BoundExpression($"{Rendering}ScriptValue.Concat({text.Code}, {ToText(other)}, textFirst: {(IsTextual(l) ? "true" : "false")})", BoundType.String.AsNullable());
    }

    private BoundExpression Dynamic(string method, BoundExpression left, BoundExpression right, TemplateSpan span)
        => new($"{Rendering}ScriptValue.{method}({Box(left)}, {Box(right)}, {Location(span)})", BoundType.Dynamic);

    private BoundExpression Equality(BoundExpression left, BoundExpression right, bool negate)
    {
        var l = left.Type;
        var r = right.Type;
        var not = negate ? "!" : "";
        if (l.Kind == BoundKind.Null && r.Kind == BoundKind.Null)
        {
            return new BoundExpression(negate ? "false" : "true", BoundType.Boolean, IsConstant: true);
        }

        if (l.Kind == BoundKind.Empty || r.Kind == BoundKind.Empty)
        {
            var other = l.Kind == BoundKind.Empty ? right : left;
            return new BoundExpression($"{not}{Rendering}ScriptValue.IsEmpty({Box(other)})", BoundType.Boolean);
        }

        if (l.Kind == BoundKind.Null || r.Kind == BoundKind.Null)
        {
            var other = l.Kind == BoundKind.Null ? right : left;
            if (other.Type.IsValueType && !other.Type.Nullable && other.IsConstant)
            {
                // Only a constant can be folded: anything else is evaluated, since it may fail (`array[99] == null`).
                return new BoundExpression(negate ? "true" : "false", BoundType.Boolean, IsConstant: true);
            }

            return other.IsConstant
                ? new BoundExpression($"{not}{Rendering}ScriptValue.AreEqual({Box(other)}, null)", BoundType.Boolean)
                : new BoundExpression($"({Box(other)} is {(negate ? "not " : "")}null)", BoundType.Boolean);
        }

        var constant = left.IsConstant && right.IsConstant;
        var op = negate ? "!=" : "==";
        if (l.IsText && r.IsText)
        {
            return new BoundExpression($"{not}string.Equals({left.Code}, {right.Code}, global::System.StringComparison.Ordinal)", BoundType.Boolean);
        }

        if (IsSimpleNumber(l) && IsSimpleNumber(r))
        {
            return new BoundExpression($"({NumericOperand(left, right)} {op} {NumericOperand(right, left)})", BoundType.Boolean, constant);
        }

        if ((l.Kind == r.Kind && l.Kind is BoundKind.Boolean or BoundKind.DateTime or BoundKind.TimeSpan or BoundKind.DateTimeOffset)
            || (l.Kind == BoundKind.Enum && r.Kind == BoundKind.Enum && l.CSharp == r.CSharp))
        {
            return new BoundExpression($"({left.Code} {op} {right.Code})", BoundType.Boolean, constant);
        }

        return new BoundExpression($"{not}{Rendering}ScriptValue.AreEqual({Box(left)}, {Box(right)})", BoundType.Boolean);
    }

    /// <summary>A numeric operand of a comparison: converted to decimal when the other side is decimal (C# does not mix decimal and double).</summary>
    private static string NumericOperand(BoundExpression value, BoundExpression other)
        => other.Type.Kind == BoundKind.Decimal && value.Type.Kind is BoundKind.Double or BoundKind.Single
            ? $"(decimal{(value.Type.Nullable ? "?" : "")}){value.Code}"
            : other.Type.Kind == BoundKind.Int64 && value.Type.Kind == BoundKind.Int32
                // Widened explicitly: an int compared with a long constant out of its range is warning CS0652.
                ? $"(long{(value.Type.Nullable ? "?" : "")}){value.Code}"
                : value.Code;

    private BoundExpression Relational(string op, BoundExpression left, BoundExpression right, TemplateSpan span)
    {
        var l = left.Type;
        var r = right.Type;
        var other = l.Kind == BoundKind.Null ? r : l;
        if ((l.Kind == BoundKind.Null || r.Kind == BoundKind.Null) && !other.IsText && other.Kind is not (BoundKind.Char or BoundKind.Dynamic))
        {
            // Null orders with nothing, except a string (compared with it as the empty string, at run time).
            return new BoundExpression("false", BoundType.Boolean, IsConstant: true);
        }

        var constant = left.IsConstant && right.IsConstant;
        if (IsSimpleNumber(l) && IsSimpleNumber(r))
        {
            return new BoundExpression($"({NumericOperand(left, right)} {op} {NumericOperand(right, left)})", BoundType.Boolean, constant);
        }

        if (l.IsText && r.IsText && !l.Nullable && !r.Nullable)
        {
            return new BoundExpression($"(string.CompareOrdinal({left.Code}, {right.Code}) {op} 0)", BoundType.Boolean, constant);
        }

        if (l.Kind == r.Kind && l.Kind is BoundKind.DateTime or BoundKind.TimeSpan or BoundKind.DateTimeOffset)
        {
            return new BoundExpression($"({left.Code} {op} {right.Code})", BoundType.Boolean);
        }

        var method = op switch { "<" => "Less", "<=" => "LessOrEqual", ">" => "Greater", _ => "GreaterOrEqual" };
        return new BoundExpression($"{Rendering}ScriptValue.{method}({Box(left)}, {Box(right)}, {Location(span)})", BoundType.Boolean);
    }

    private BoundExpression Coalesce(BoundExpression left, BoundExpression right)
    {
        var l = left.Type;
        var r = right.Type;
        if (l.Kind == BoundKind.Null)
        {
            return right;
        }

        if (!l.Nullable && l.Kind != BoundKind.Dynamic)
        {
            return left;
        }

        if (r.Kind == BoundKind.Null)
        {
            return left;
        }

        if (Equals(l.AsNonNullable(), r.AsNonNullable()) || (l.IsText && r.IsText))
        {
            var type = l.IsText && r.IsText && l.Kind != r.Kind ? BoundType.String : r;
            return new BoundExpression($"({left.Code} ?? {right.Code})", r.Nullable ? type.AsNullable() : type.AsNonNullable());
        }

        return new BoundExpression($"({Box(left)} ?? {Box(right)})", BoundType.Dynamic);
    }

    private BoundExpression Range(BoundExpression left, BoundExpression right, bool exclusive, TemplateSpan span)
    {
        var l = left.Type;
        var r = right.Type;
        var flag = exclusive ? "true" : "false";
        if (l.IsText || r.IsText || l.Kind is BoundKind.Model or BoundKind.List or BoundKind.Boolean || r.Kind is BoundKind.Model or BoundKind.List or BoundKind.Boolean)
        {
            Report(DiagnosticDescriptors.InvalidOperands, span, exclusive ? "..<" : "..", "a " + l.Display, "a " + r.Display);
            return BoundExpression.Null;
        }

        if (l.Kind == BoundKind.Null || r.Kind == BoundKind.Null)
        {
            return BoundExpression.Null;
        }

        if (IsInteger(l) && IsInteger(r) && !l.Nullable && !r.Nullable)
        {
            return new BoundExpression($"new {Rendering}ScriptRange((int){left.Code}, (int){right.Code}, {flag})", BoundType.Range);
        }

        return new BoundExpression($"{Rendering}ScriptValue.Range({Box(left)}, {Box(right)}, {flag}, {Location(span)})", BoundType.Range.AsNullable());
    }

    private BoundExpression BindConditional(ConditionalExpression conditional)
    {
        var condition = Condition(BindExpression(conditional.Condition));
        var whenTrue = BindExpression(conditional.WhenTrue);
        var whenFalse = BindExpression(conditional.WhenFalse);
        var type = Join(whenTrue.Type, whenFalse.Type);
        if (type.Kind is BoundKind.Dynamic or BoundKind.Null)
        {
            return new BoundExpression($"({condition} ? {Box(whenTrue)} : {Box(whenFalse)})", type);
        }

        string As(BoundExpression e) => Equals(e.Type, type) ? e.Code : $"({type.Declaration}){e.Code}";
        return new BoundExpression($"({condition} ? {As(whenTrue)} : {As(whenFalse)})", type);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Conversions
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>Scriban's truthiness as a C# condition: only null and false are false.</summary>
    private string Condition(BoundExpression value)
    {
        var type = value.Type;
        string code;
        if (type.Kind == BoundKind.Boolean)
        {
            code = type.Nullable ? $"({value.Code} == true)" : value.Code;
        }
        else if (type.Kind is BoundKind.Null or BoundKind.Empty)
        {
            return $"{Rendering}ScriptValue.IsTruthy(null)";
        }
        else if (type.Kind == BoundKind.Dynamic)
        {
            return $"{Rendering}ScriptValue.IsTruthy({value.Code})";
        }
        else if ((type.IsValueType && !type.Nullable) || value.IsConstant)
        {
            // 0, dates and other values are true in Scriban; a constant goes through a call so C# does not fold it.
            return $"{Rendering}ScriptValue.IsTruthy({Box(value)})";
        }
        else
        {
            code = $"({value.Code} is not null)";
        }

        // C# would fold a constant condition and warn about unreachable code; go through a call instead.
        return value.IsConstant ? $"{Rendering}ScriptValue.IsTruthy((object){code})" : code;
    }

    /// <summary>The value as <c>object?</c>.</summary>
    private static string Box(BoundExpression value) => BoxCode(value.Code, value.Type);

    private static string BoxCode(string code, BoundType type) => type.Kind switch
    {
        BoundKind.Dynamic => code,
        BoundKind.Null when code == "null" => "null",
        _ => $"(object?){code}",
    };

    /// <summary>A value converted for a variable of another type.</summary>
    private static string Convert(BoundExpression value, BoundType target)
    {
        if (value.Type.Kind == BoundKind.Null)
        {
            return "null";
        }

        if (target.Kind == BoundKind.Dynamic)
        {
            return Box(value);
        }

        return value.Code;
    }

    /// <summary>The value as text (Scriban's conversion), never null.</summary>
    private string ToText(BoundExpression value)
    {
        var type = value.Type;
        switch (type.Kind)
        {
            case BoundKind.String:
            case BoundKind.Html:
                return type.Nullable ? $"({value.Code} ?? \"\")" : value.Code;
            case BoundKind.Null:
                return "\"\"";
            case BoundKind.Int32 when !type.Nullable:
            case BoundKind.Int64 when !type.Nullable:
            case BoundKind.Double when !type.Nullable:
            case BoundKind.Decimal when !type.Nullable:
            case BoundKind.Boolean when !type.Nullable:
                return $"{Rendering}ScriptValue.ToText({value.Code})";
            default:
                return $"output.ToText({Box(value)})";
        }
    }

    /// <summary>The value as text for a builtin's string parameter: null stays null.</summary>
    private string ToTextArgument(BoundExpression value)
    {
        var type = value.Type;
        return type.Kind switch
        {
            BoundKind.String or BoundKind.Html => value.Code,
            BoundKind.Null => "null",
            BoundKind.Dynamic => $"({value.Code} is null ? null : {ToText(value)})",
            _ when type.Nullable => $"({Box(value)} is null ? null : {ToText(value)})",
            _ => ToText(value),
        };
    }

    private string ToInt(BoundExpression value, TemplateSpan span)
    {
        var type = value.Type;
        return type.Kind switch
        {
            BoundKind.Int32 when !type.Nullable => value.Code,
            BoundKind.Int32 => $"({value.Code} ?? 0)",
            BoundKind.Int64 when !type.Nullable => $"{Rendering}ScriptValue.ToInt({value.Code}, {Location(span)})",
            BoundKind.Null => "0",
            _ => $"{Rendering}ScriptValue.ToInt({Box(value)}, {Location(span)})",
        };
    }

    private string ToDouble(BoundExpression value, TemplateSpan span)
    {
        var type = value.Type;
        return type.Kind switch
        {
            BoundKind.Double when !type.Nullable => value.Code,
            BoundKind.Int32 or BoundKind.Int64 or BoundKind.Single or BoundKind.Decimal when !type.Nullable => $"(double){value.Code}",
            BoundKind.Null => "0d",
            _ => $"{Rendering}ScriptValue.ToDouble({Box(value)}, {Location(span)})",
        };
    }
}
