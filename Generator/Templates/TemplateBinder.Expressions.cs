using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using TypedMail.Generator.Helpers;
using TypedMail.Generator.Model;

namespace TypedMail.Generator.Templates;

internal sealed partial class TemplateBinder
{
    private BoundExpression BindExpression(Expression expression)
    {
        switch (expression)
        {
            case StringLiteral s:
                return BoundLiteral.String(s.Value);
            case NumberLiteral n:
                return Number(n);
            case BooleanLiteral b:
                return BoundLiteral.Boolean(b.Value);
            case NullLiteral:
                return BoundExpression.NullLiteral;
            case EmptyLiteral empty when !IsBuiltinName("empty"):
                // `empty` is a builtin variable in Scriban, so a member or template variable of that name hides it.
                return BindExpression(new VariableExpression("empty", IsLocal: false, empty.Span));
            case EmptyLiteral:
                return new BoundEmpty();
            case InterpolatedString interpolated:
                return Interpolate(interpolated);
            case ParenthesizedExpression parenthesized:
                return BindExpression(parenthesized.Inner);
            case VariableExpression variable:
                return BindVariable(variable);
            case LoopVariableExpression loopVariable:
                return BindLoopVariable(loopVariable);
            case MemberExpression member:
                var bound = BindMember(member);

                // A builtin used as a value is called without arguments (`date.now`, `array.cycle` fails its arity check).
                return bound is BoundBuiltin { IsFunction: true }
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
                return new BoundListLiteral(array.Items.Select(i => Box(BindExpression(i))).ToEquatableArray());
            case ObjectLiteral obj:
                return new BoundObjectLiteral(obj.Members.Select(m => new BoundObjectMember(m.Name, Box(BindExpression(m.Value)))).ToEquatableArray());
            default:
                throw new InvalidOperationException("Unexpected expression " + expression.GetType().Name);
        }
    }

    private static BoundExpression Number(NumberLiteral n) => new BoundLiteral(
        n.Kind switch
        {
            NumberKind.Int32 => BoundType.Int32,
            NumberKind.Int64 => BoundType.Int64,
            NumberKind.UInt32 => BoundType.UInt32,
            NumberKind.UInt64 => BoundType.UInt64,
            NumberKind.BigInteger => BoundType.BigInteger,
            NumberKind.Single => BoundType.Single,
            NumberKind.Decimal => BoundType.Decimal,
            _ => BoundType.Double,
        },
        n.Value);

    private BoundExpression Interpolate(InterpolatedString interpolated)
    {
        var parts = new List<BoundExpression>();
        foreach (var part in interpolated.Parts)
        {
            parts.Add(BindExpression(part));
        }

        return parts.Count switch
        {
            0 => BoundLiteral.String(""),
            1 when parts[0] is BoundLiteral { Type.Kind: BoundKind.String } text => text,
            _ => new BoundRuntimeCall(RuntimeOperation.StringConcat, parts.Select(ToText).ToEquatableArray(), BoundType.String),
        };
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
                    return new BoundLocalReference(_loops[i].CSharpName, _loops[i].Element);
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
                // Only ever null: read as nothing, so the variable is neither declared nor assigned (CS0219).
                return BoundExpression.Nothing;
            }

            _read.Add(key);
            if (localType is not null)
            {
                if (!page.Locals.TryGetValue(name, out var localName))
                {
                    localName = page.Locals[name] = Unique("local_" + SafeName(name));
                    _globalNames[key] = localName;
                }

                return new BoundLocalReference(localName, localType.AsNullable());
            }

            // An unassigned local is null, as in Scriban.
            return BoundExpression.Nothing;
        }

        for (var i = _loops.Count - 1; i >= 0; i--)
        {
            if (_loops[i].Variable == name && !_loops[i].IsLocal)
            {
                return new BoundLocalReference(_loops[i].CSharpName, _loops[i].Element);
            }
        }

        if (_known.TryGetValue(name, out var type) && type.Kind == BoundKind.Null)
        {
            // Only ever null: read as nothing, so the variable is neither declared nor assigned (CS0219).
            return BoundExpression.Nothing;
        }

        if (type is not null)
        {
            _read.Add(name);
            if (!_globalNames.TryGetValue(name, out var csharp))
            {
                csharp = _globalNames[name] = Unique(name);
            }

            return new BoundLocalReference(csharp, type.AsNullable());
        }

        if (FindMember(_types[_email.Root.Id], name) is { } member)
        {
            return new BoundMember(new BoundModel(TypeOf(_types[_email.Root.Id], nullable: false)), member.Name, false, TypeOf(member));
        }

        if (_assigned.ContainsKey(name))
        {
            // Assigned later in this pass: the next pass knows its type.
            _read.Add(name);
            return BoundExpression.Nothing;
        }

        if (BuiltinCatalog.IsGlobalName(name))
        {
            return new BoundBuiltin(name);
        }

        Report(DiagnosticDescriptors.UnknownTemplateMember, variable.Span, name, _email.TypeName);
        return BoundExpression.Nothing;
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
            return BoundExpression.Nothing;
        }

        BoundExpression Of(LoopVariable kind, BoundType type) => new BoundLoopVariable(kind, frame.Index, frame.Length, frame.CSharpName, type);
        switch (variable.Name)
        {
            case "index":
                return Of(LoopVariable.Index, BoundType.Int32);
            case "rindex":
                return Of(LoopVariable.ReverseIndex, BoundType.Int32);
            case "first":
                return Of(LoopVariable.First, BoundType.Boolean);
            case "last":
                return Of(LoopVariable.Last, BoundType.Boolean);
            case "even":
                return Of(LoopVariable.Even, BoundType.Boolean);
            case "odd":
                return Of(LoopVariable.Odd, BoundType.Boolean);
            case "length":
                return Of(LoopVariable.Length, BoundType.Int32);
            default:
                frame.UsesChanged = true;
                return Of(LoopVariable.Changed, BoundType.Boolean);
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
                return new BoundDateFormat();
            }

            return new BoundBuiltin(root.Name + "." + member.Name);
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
            return BoundExpression.Nothing;
        }

        if (type.Kind == BoundKind.Null)
        {
            if (!member.IsOptional)
            {
                Report(DiagnosticDescriptors.NullValueAccess, member.Span, SourceText(member.Target), path);
            }

            return BoundExpression.Nothing;
        }

        if (type.Kind is BoundKind.Dynamic or BoundKind.ScriptObject or BoundKind.Empty)
        {
            var get = Runtime(RuntimeOperation.GetMember, BoundType.Dynamic, Box(target), BoundLiteral.String(member.Name), BoundLiteral.String(path), Where(member.Span));
            return member.IsOptional ? new BoundNullGuard(Box(target), get, BoundType.Dynamic) : get;
        }

        if (type.Kind == BoundKind.Dictionary)
        {
            return Runtime(RuntimeOperation.Entry, type.Element!.AsNullable(), target, BoundLiteral.String(member.Name), BoundLiteral.String(path), Where(member.Span));
        }

        // A typed member: `target.Member`; a nullable target fails like Scriban unless `?.` is used.
        var optional = type.Nullable && member.IsOptional;
        var owner = type.Nullable && !member.IsOptional
            ? Runtime(RuntimeOperation.NotNull, type.AsNonNullable(), target, BoundLiteral.String(path), Where(member.Span))
            : target;
        BoundMember Result(string name, BoundType result) => new(owner, name, optional, optional ? result.AsNullable() : result);

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
                    return new BoundBinary(BinaryOperator.Equal, Result("Length", BoundType.Int32), BoundLiteral.Int32(0), optional ? BoundType.Boolean.AsNullable() : BoundType.Boolean);
                }

                break;
            case BoundKind.List:
                var count = type.Shape == ListShape.Array ? "Length" : "Count";
                if (type.Shape == ListShape.Enumerable)
                {
                    if (member.Name is "size" or "empty?")
                    {
                        var size = new BoundBuiltinCall("array.size", new[] { new BoundArgument(0, target) }.ToEquatableArray(), BoundType.Int32);
                        return member.Name == "size" ? size : new BoundBinary(BinaryOperator.Equal, size, BoundLiteral.Int32(0), BoundType.Boolean);
                    }

                    break;
                }

                if (member.Name == "size")
                {
                    return Result(count, BoundType.Int32);
                }

                if (member.Name == "empty?")
                {
                    return new BoundBinary(BinaryOperator.Equal, Result(count, BoundType.Int32), BoundLiteral.Int32(0), optional ? BoundType.Boolean.AsNullable() : BoundType.Boolean);
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
        return Runtime(RuntimeOperation.MissingMember, BoundType.Null, Box(target), BoundLiteral.String(path), Where(member.Span));
    }

    /// <summary>Whether a builtin object's name is not taken by a model member or a template variable.</summary>
    private bool IsBuiltinName(string name)
        => FindMember(_types[_email.Root.Id], name) is null && !_known.ContainsKey(name) && !IsLoopVariableName(name);

    private BoundExpression BindIndex(IndexExpression index)
    {
        var target = BindExpression(index.Target);
        var key = BindExpression(index.Index);
        var path = SourceText(index.Target);
        var location = Where(index.Span);
        if (target.Type.Kind == BoundKind.Null)
        {
            Report(DiagnosticDescriptors.NullValueAccess, index.Span, path, SourceText(index));
            return BoundExpression.Nothing;
        }

        if (key.Type.Kind == BoundKind.Null)
        {
            Report(DiagnosticDescriptors.InvalidIndex, index.Index.Span, SourceText(index), "the index is null");
            return BoundExpression.Nothing;
        }

        var type = target.Type;
        if (type.Nullable && HasNullConditionalTarget(index.Target) && type.Kind is BoundKind.List or BoundKind.String or BoundKind.Html or BoundKind.Dynamic)
        {
            // As in Scriban, an index on null is null when the target went through `?.` (`a?.b[0]`), instead of failing.
            var safe = BindIndexOf(Retyped(target, type.AsNonNullable()), key, index, path, location);
            return safe.Type.IsValueType && !safe.Type.Nullable
                ? new BoundNullGuard(target, Box(safe), BoundType.Dynamic)
                : new BoundNullGuard(target, safe, safe.Type.AsNullable());
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

    private BoundExpression BindIndexOf(BoundExpression target, BoundExpression key, IndexExpression index, string path, BoundExpression location)
    {
        var type = target.Type;
        var at = ToInt(key, index.Index.Span);
        var named = BoundLiteral.String(path);
        switch (type.Kind)
        {
            case BoundKind.List when type.Shape == ListShape.Array && type.Element!.IsValueType && !type.Element.Nullable:
                // An index before the start is null (`numbers[-9]`), which the value type cannot hold.
                return Runtime(RuntimeOperation.ValueItem, BoundType.Dynamic, target, at, named, location);
            case BoundKind.List when type.Shape == ListShape.Array:
                return Runtime(RuntimeOperation.Item, type.Element!.AsNullable(), target, at, named, location);
            case BoundKind.List when type.Shape == ListShape.Indexed && type.Element!.IsValueType && !type.Element.Nullable:
                // Out of range is null, not the value type's default (`amounts[9]` is not `0`).
                return new BoundRuntimeCall(RuntimeOperation.ValueItem, new[] { target, at, named, location }.ToEquatableArray(), BoundType.Dynamic, type.Element);
            case BoundKind.List when type.Shape == ListShape.Indexed:
                return new BoundRuntimeCall(RuntimeOperation.Item, new[] { target, at, named, location }.ToEquatableArray(), ElementOrDynamic(type.Element!), type.Element);
            case BoundKind.String:
            case BoundKind.Html:
                return Runtime(RuntimeOperation.Item, BoundType.String.AsNullable(), target, at, named, location);
            case BoundKind.Dictionary:
                return Runtime(RuntimeOperation.Entry, type.Element!.AsNullable(), target, ToText(key), named, location);
            case BoundKind.Dynamic:
            case BoundKind.ScriptObject:
            case BoundKind.List:
                return Runtime(RuntimeOperation.GetIndex, BoundType.Dynamic, Box(target), Box(key), named, location);
            default:
                Report(DiagnosticDescriptors.InvalidIndex, index.Span, SourceText(index), $"a {type.Display} is not a list");
                return BoundExpression.Nothing;
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
                return new BoundNot(Condition(operand));
            case "-" when type.Kind == BoundKind.Null:
                return Runtime(RuntimeOperation.Negate, BoundType.Dynamic, BoundExpression.NullLiteral, Where(unary.Span));
            case "+" when type.Kind == BoundKind.Null:
                return Runtime(RuntimeOperation.Plus, BoundType.Dynamic, BoundExpression.NullLiteral, Where(unary.Span));
            case "-" when type.Nullable && type.Kind is BoundKind.Int32 or BoundKind.Int64 or BoundKind.Double or BoundKind.Single or BoundKind.Decimal or BoundKind.TimeSpan:
                return new BoundNegation(Runtime(RuntimeOperation.Operand, type.AsNonNullable(), operand, BoundLiteral.String("-"), Where(unary.Span)));
            case "+" when type.Nullable && (type.IsNumeric || type.Kind == BoundKind.TimeSpan):
                return Runtime(RuntimeOperation.Operand, type.AsNonNullable(), operand, BoundLiteral.String("+"), Where(unary.Span));
            case "-" when type.Kind is BoundKind.Int32 or BoundKind.Int64 or BoundKind.Double or BoundKind.Single or BoundKind.Decimal or BoundKind.TimeSpan:
                return new BoundNegation(operand);
            case "+" when type.IsNumeric || type.Kind == BoundKind.TimeSpan:
                return operand;
            case "-" when type.Kind is BoundKind.Dynamic or BoundKind.BigInteger or BoundKind.UInt32 or BoundKind.UInt64:
                return Runtime(RuntimeOperation.Negate, BoundType.Dynamic, Box(operand), Where(unary.Span));
            case "+" when type.Kind == BoundKind.Dynamic:
                return Runtime(RuntimeOperation.Plus, BoundType.Dynamic, Box(operand), Where(unary.Span));
            default:
                Report(DiagnosticDescriptors.InvalidOperands, unary.Span, unary.Operator, "nothing", "a " + type.Display);
                return BoundExpression.Nothing;
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
                return new BoundBinary(op == "&&" ? BinaryOperator.And : BinaryOperator.Or, Condition(left), Condition(right), BoundType.Boolean);
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
                    ? BoundExpression.Nothing
                    : Runtime(RuntimeOperation.IfNotNull, BoundType.Dynamic, Box(left), Box(right));
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
        if (op == "+" && (l.IsText || r.IsText || l.Kind == BoundKind.Char || r.Kind == BoundKind.Char))
        {
            return Concatenation(left, right, span);
        }

        if (op == "*" && (l.IsText ^ r.IsText))
        {
            var (text, count) = l.IsText ? (left, right) : (right, left);
            if (IsInteger(count.Type) && !count.Type.Nullable)
            {
                return Runtime(RuntimeOperation.Repeat, BoundType.String, text, Cast(count, BoundType.Int32));
            }

            if (count.Type.Kind is BoundKind.Dynamic or BoundKind.Null || (IsInteger(count.Type) && count.Type.Nullable))
            {
                return Dynamic(RuntimeOperation.Multiply, left, right, span);
            }
        }

        if (l.IsText || r.IsText)
        {
            Report(DiagnosticDescriptors.InvalidOperands, span, op, "a " + l.Display, "a " + r.Display);
            return BoundExpression.Nothing;
        }

        if (l.Kind == BoundKind.Null || r.Kind == BoundKind.Null)
        {
            return BoundExpression.Nothing;
        }

        if (op == "-" && l.Kind == BoundKind.DateTime && r.Kind == BoundKind.DateTime)
        {
            return new BoundBinary(BinaryOperator.Subtract, left, right, BoundType.TimeSpan with { Nullable = l.Nullable || r.Nullable });
        }

        if (!IsSimpleNumber(l) || !IsSimpleNumber(r))
        {
            // A value known only at run time may be text (`x + true` concatenates): only typed operands are checked now.
            if ((l.Kind is BoundKind.Model or BoundKind.List or BoundKind.Boolean || r.Kind is BoundKind.Model or BoundKind.List or BoundKind.Boolean)
                && l.Kind != BoundKind.Dynamic && r.Kind != BoundKind.Dynamic)
            {
                Report(DiagnosticDescriptors.InvalidOperands, span, op, "a " + l.Display, "a " + r.Display);
                return BoundExpression.Nothing;
            }

            var operation = op switch
            {
                "+" => RuntimeOperation.Add,
                "-" => RuntimeOperation.Subtract,
                "*" => RuntimeOperation.Multiply,
                "/" => RuntimeOperation.Divide,
                "//" => RuntimeOperation.FloorDivide,
                _ => RuntimeOperation.Modulo,
            };
            return Dynamic(operation, left, right, span);
        }

        var nullable = l.Nullable || r.Nullable;
        BoundType Result(BoundType t) => nullable ? t.AsNullable() : t;
        var kind = l.Kind == BoundKind.Decimal || r.Kind == BoundKind.Decimal ? BoundKind.Decimal
            : l.Kind == BoundKind.Double || r.Kind == BoundKind.Double ? BoundKind.Double
            : l.Kind == BoundKind.Single || r.Kind == BoundKind.Single ? BoundKind.Single
            : BoundKind.Int64;
        var type = kind switch
        {
            BoundKind.Decimal => BoundType.Decimal,
            BoundKind.Double => BoundType.Double,
            BoundKind.Single => BoundType.Single,
            _ => BoundType.Int64,
        };

        // decimal and double do not mix in C#: Scriban converts the other operand to decimal.
        var leftOperand = kind == BoundKind.Decimal && l.Kind != BoundKind.Decimal ? Cast(left, Result(type)) : left;
        var rightOperand = kind == BoundKind.Decimal && r.Kind != BoundKind.Decimal ? Cast(right, Result(type)) : right;
        switch (op)
        {
            case "/" when kind == BoundKind.Int64:
                return new BoundBinary(BinaryOperator.Divide, Cast(leftOperand, Result(BoundType.Double)), rightOperand, Result(BoundType.Double));
            case "//" when kind == BoundKind.Int64:
                return new BoundBinary(BinaryOperator.Divide, Cast(leftOperand, Result(BoundType.Int64)), rightOperand, Result(BoundType.Int64));
            case "//" when !nullable && kind is BoundKind.Double or BoundKind.Decimal:
                return Runtime(RuntimeOperation.Round, type, Cast(leftOperand, type), rightOperand);
            case "//":
                return Dynamic(RuntimeOperation.FloorDivide, left, right, span);
            case "+" or "-" or "*" when kind == BoundKind.Int64:
                // 64-bit integer arithmetic fails on overflow instead of wrapping (Scriban would widen to a big integer).
                var @checked = op switch { "+" => RuntimeOperation.CheckedAdd, "-" => RuntimeOperation.CheckedSubtract, _ => RuntimeOperation.CheckedMultiply };
                return Runtime(@checked, Result(type), leftOperand, rightOperand, Where(span));
            default:
                var @operator = op switch
                {
                    "+" => BinaryOperator.Add,
                    "-" => BinaryOperator.Subtract,
                    "*" => BinaryOperator.Multiply,
                    "/" => BinaryOperator.Divide,
                    _ => BinaryOperator.Modulo,
                };
                return new BoundBinary(@operator, Cast(leftOperand, Result(type)), rightOperand, Result(type));
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
            return Runtime(RuntimeOperation.StringConcat, BoundType.String, ToText(left), ToText(right));
        }

        if (IsTextual(l) && IsTextual(r))
        {
            return Runtime(RuntimeOperation.Concat, BoundType.String.AsNullable(), left, right);
        }

        var (text, other) = IsTextual(l) ? (left, right) : (right, left);
        return other.Type.Kind == BoundKind.Dynamic
            ? Dynamic(RuntimeOperation.Add, left, right, span)
            : Runtime(IsTextual(l) ? RuntimeOperation.ConcatTextFirst : RuntimeOperation.ConcatTextLast, BoundType.String.AsNullable(), text, ToText(other));
    }

    private BoundExpression Dynamic(RuntimeOperation operation, BoundExpression left, BoundExpression right, TemplateSpan span)
        => Runtime(operation, BoundType.Dynamic, Box(left), Box(right), Where(span));

    private BoundExpression Equality(BoundExpression left, BoundExpression right, bool negate)
    {
        var l = left.Type;
        var r = right.Type;
        BoundExpression Negated(BoundExpression test) => negate ? new BoundNot(test) : test;
        if (l.Kind == BoundKind.Null && r.Kind == BoundKind.Null)
        {
            return BoundLiteral.Boolean(!negate);
        }

        if (l.Kind == BoundKind.Empty || r.Kind == BoundKind.Empty)
        {
            var other = l.Kind == BoundKind.Empty ? right : left;
            return Negated(Runtime(RuntimeOperation.IsEmpty, BoundType.Boolean, Box(other)));
        }

        if (l.Kind == BoundKind.Null || r.Kind == BoundKind.Null)
        {
            var other = l.Kind == BoundKind.Null ? right : left;
            if (other.Type.IsValueType && !other.Type.Nullable && other.IsConstant)
            {
                // Only a constant can be folded: anything else is evaluated, since it may fail (`array[99] == null`).
                return BoundLiteral.Boolean(negate);
            }

            return other.IsConstant
                ? Negated(Runtime(RuntimeOperation.AreEqual, BoundType.Boolean, Box(other), BoundExpression.NullLiteral))
                : new BoundIsNull(Box(other), negate);
        }

        var op = negate ? BinaryOperator.NotEqual : BinaryOperator.Equal;
        if (l.IsText && r.IsText)
        {
            return new BoundBinary(op, left, right, BoundType.Boolean);
        }

        if (IsSimpleNumber(l) && IsSimpleNumber(r))
        {
            return new BoundBinary(op, NumericOperand(left, right), NumericOperand(right, left), BoundType.Boolean);
        }

        if ((l.Kind == r.Kind && l.Kind is BoundKind.Boolean or BoundKind.DateTime or BoundKind.TimeSpan or BoundKind.DateTimeOffset)
            || (l.Kind == BoundKind.Enum && r.Kind == BoundKind.Enum && l.CSharp == r.CSharp))
        {
            return new BoundBinary(op, left, right, BoundType.Boolean);
        }

        return Negated(Runtime(RuntimeOperation.AreEqual, BoundType.Boolean, Box(left), Box(right)));
    }

    /// <summary>A numeric operand of a comparison: converted to decimal when the other side is decimal (C# does not mix decimal and double).</summary>
    private static BoundExpression NumericOperand(BoundExpression value, BoundExpression other)
        => other.Type.Kind == BoundKind.Decimal && value.Type.Kind is BoundKind.Double or BoundKind.Single
            ? Cast(value, BoundType.Decimal with { Nullable = value.Type.Nullable })
            : other.Type.Kind == BoundKind.Int64 && value.Type.Kind == BoundKind.Int32
                // Widened explicitly: an int compared with a long constant out of its range is warning CS0652.
                ? Cast(value, BoundType.Int64 with { Nullable = value.Type.Nullable })
                : value;

    private BoundExpression Relational(string op, BoundExpression left, BoundExpression right, TemplateSpan span)
    {
        var l = left.Type;
        var r = right.Type;
        var other = l.Kind == BoundKind.Null ? r : l;
        if ((l.Kind == BoundKind.Null || r.Kind == BoundKind.Null) && !other.IsText && other.Kind is not (BoundKind.Char or BoundKind.Dynamic))
        {
            // Null orders with nothing, except a string (compared with it as the empty string, at run time).
            return BoundLiteral.Boolean(false);
        }

        var @operator = op switch { "<" => BinaryOperator.Less, "<=" => BinaryOperator.LessOrEqual, ">" => BinaryOperator.Greater, _ => BinaryOperator.GreaterOrEqual };
        if (IsSimpleNumber(l) && IsSimpleNumber(r))
        {
            return new BoundBinary(@operator, NumericOperand(left, right), NumericOperand(right, left), BoundType.Boolean);
        }

        if ((l.IsText && r.IsText && !l.Nullable && !r.Nullable) || (l.Kind == r.Kind && l.Kind is BoundKind.DateTime or BoundKind.TimeSpan or BoundKind.DateTimeOffset))
        {
            return new BoundBinary(@operator, left, right, BoundType.Boolean);
        }

        var operation = op switch { "<" => RuntimeOperation.Less, "<=" => RuntimeOperation.LessOrEqual, ">" => RuntimeOperation.Greater, _ => RuntimeOperation.GreaterOrEqual };
        return Runtime(operation, BoundType.Boolean, Box(left), Box(right), Where(span));
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
            // The left value is the result, but the right is still evaluated, as in Scriban (it may fail).
            return right is BoundLiteral or BoundLocalReference or BoundNothing ? left : Runtime(RuntimeOperation.Left, l, left, Box(right));
        }

        if (r.Kind == BoundKind.Null)
        {
            return left;
        }

        if (Equals(l.AsNonNullable(), r.AsNonNullable()) || (l.IsText && r.IsText))
        {
            var type = l.IsText && r.IsText && l.Kind != r.Kind ? BoundType.String : r;
            return Runtime(RuntimeOperation.Coalesce, r.Nullable ? type.AsNullable() : type.AsNonNullable(), left, right);
        }

        return Runtime(RuntimeOperation.Coalesce, BoundType.Dynamic, Box(left), Box(right));
    }

    private BoundExpression Range(BoundExpression left, BoundExpression right, bool exclusive, TemplateSpan span)
    {
        var l = left.Type;
        var r = right.Type;
        var flag = BoundLiteral.Boolean(exclusive);
        if (l.IsText || r.IsText || l.Kind is BoundKind.Model or BoundKind.List or BoundKind.Boolean || r.Kind is BoundKind.Model or BoundKind.List or BoundKind.Boolean)
        {
            Report(DiagnosticDescriptors.InvalidOperands, span, exclusive ? "..<" : "..", "a " + l.Display, "a " + r.Display);
            return BoundExpression.Nothing;
        }

        if (l.Kind == BoundKind.Null || r.Kind == BoundKind.Null)
        {
            return BoundExpression.Nothing;
        }

        if (IsInteger(l) && IsInteger(r) && !l.Nullable && !r.Nullable)
        {
            return Runtime(RuntimeOperation.NewRange, BoundType.Range, Cast(left, BoundType.Int32), Cast(right, BoundType.Int32), flag);
        }

        return Runtime(RuntimeOperation.Range, BoundType.Range.AsNullable(), Box(left), Box(right), flag, Where(span));
    }

    private BoundExpression BindConditional(ConditionalExpression conditional)
    {
        var condition = Condition(BindExpression(conditional.Condition));
        var whenTrue = BindExpression(conditional.WhenTrue);
        var whenFalse = BindExpression(conditional.WhenFalse);
        var type = Join(whenTrue.Type, whenFalse.Type);
        if (type.Kind is BoundKind.Dynamic or BoundKind.Null)
        {
            return new BoundConditional(condition, Box(whenTrue), Box(whenFalse), type);
        }

        BoundExpression As(BoundExpression e) => Equals(e.Type, type) ? e : Cast(e, type);
        return new BoundConditional(condition, As(whenTrue), As(whenFalse), type);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Conversions
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>Scriban's truthiness as a condition: only null and false are false.</summary>
    private static BoundExpression Condition(BoundExpression value) => new BoundConversion(value, ConversionKind.Truthy, BoundType.Boolean);

    /// <summary>The value as <c>object?</c>.</summary>
    private static BoundExpression Box(BoundExpression value)
        => value.Type.Kind == BoundKind.Dynamic ? value : new BoundConversion(value, ConversionKind.Box, BoundType.Dynamic);

    /// <summary>The value converted explicitly to <paramref name="type"/>.</summary>
    private static BoundExpression Cast(BoundExpression value, BoundType type)
        => value is BoundConversion { Kind: ConversionKind.Cast } cast && Equals(cast.Type, type) ? value : new BoundConversion(value, ConversionKind.Cast, type);

    /// <summary>A value converted for a variable of another type.</summary>
    private static BoundExpression Convert(BoundExpression value, BoundType target)
    {
        if (value.Type.Kind == BoundKind.Null)
        {
            return BoundExpression.Nothing;
        }

        return target.Kind == BoundKind.Dynamic ? Box(value) : value;
    }

    /// <summary>The value as text (Scriban's conversion), never null.</summary>
    private static BoundExpression ToText(BoundExpression value) => new BoundConversion(value, ConversionKind.Text, BoundType.String);

    /// <summary>The value as text for a builtin's string parameter: null stays null.</summary>
    private static BoundExpression ToTextArgument(BoundExpression value) => new BoundConversion(value, ConversionKind.TextArgument, BoundType.String.AsNullable());

    private BoundExpression ToInt(BoundExpression value, TemplateSpan span) => new BoundConversion(value, ConversionKind.Integer, BoundType.Int32, Position(span));

    private BoundExpression ToDouble(BoundExpression value, TemplateSpan span) => new BoundConversion(value, ConversionKind.Number, BoundType.Double, Position(span));

    private BoundExpression ToDateTime(BoundExpression value, TemplateSpan span) => new BoundConversion(value, ConversionKind.DateTime, BoundType.DateTime.AsNullable(), Position(span));

    /// <summary>The value with another compile-time type (a null-checked target is no longer nullable).</summary>
    private static BoundExpression Retyped(BoundExpression value, BoundType type) => value with { Type = type };

    private static BoundRuntimeCall Runtime(RuntimeOperation operation, BoundType type, params BoundExpression[] arguments)
        => new(operation, arguments.ToEquatableArray(), type);
}
