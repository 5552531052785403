using System;
using System.Collections.Generic;
using System.Linq;
using TypedMail.Generator.Templates;

namespace TypedMail.Generator;

public sealed partial class EmailGenerator
{
    /// <summary>Bound expressions to C# expressions: the only place that chooses the C# of a template's values.</summary>
    internal static partial class Emitter
    {
        private const string Rendering = "global::TypedMail.Rendering.";

        /// <summary>The C# expression computing <paramref name="expression"/>.</summary>
        internal static string Expression(BoundExpression expression) => expression switch
        {
            BoundNothing => "null",
            BoundLiteral literal => LiteralCode(literal),
            BoundEmpty => Rendering + "ScriptValue.Empty",
            BoundModel => "model",
            BoundWriter => "output",
            BoundDateFormat => "output.DateFormat",
            BoundLocalReference local => local.Name,
            BoundCaptured captured => $"output.EndCapture({captured.Mark})",
            BoundBuiltin builtin => builtin.Name,
            BoundLoopVariable variable => LoopVariableCode(variable),
            BoundMember member => Expression(member.Target) + (member.NullConditional ? "?." : ".") + member.Member,
            BoundConversion conversion => ConversionCode(conversion),
            BoundBinary binary => BinaryCode(binary),
            BoundNegation negation => $"(-{Expression(negation.Operand)})",
            BoundNot not => "!" + Expression(not.Operand),
            BoundIsNull test => $"({Expression(test.Operand)} is {(test.Negated ? "not " : "")}null)",
            BoundConditional conditional => $"({Expression(conditional.Condition)} ? {Expression(conditional.WhenTrue)} : {Expression(conditional.WhenFalse)})",
            BoundNullGuard guard => $"({Expression(guard.Guard)} is null ? null : {Expression(guard.Value)})",
            BoundListLiteral list => list.Items.Count == 0
                ? "new global::System.Collections.Generic.List<object?>()"
                : $"new global::System.Collections.Generic.List<object?> {{ {string.Join(", ", list.Items.Select(Expression))} }}",
            BoundObjectLiteral obj => "new " + Rendering + "ScriptObject()" + string.Concat(obj.Members.Select(m => $".Set({Literal(m.Name)}, {Expression(m.Value)})")),
            BoundBuiltinCall call => BuiltinCallCode(call),
            BoundRuntimeCall call => RuntimeCallCode(call),
            BoundMemberSelector selector => $"static ({selector.Item.Declaration} item) => item{(selector.Item.Nullable ? "?." : ".")}{selector.Member}",
            _ => throw new InvalidOperationException("Unexpected bound expression " + expression.GetType().Name),
        };

        private static string LiteralCode(BoundLiteral literal) => literal.Type.Kind switch
        {
            BoundKind.String => Literal(literal.Value),
            BoundKind.Int64 => literal.Value + "L",
            BoundKind.UInt32 => literal.Value + "U",
            BoundKind.UInt64 => literal.Value + "UL",
            BoundKind.BigInteger => $"global::System.Numerics.BigInteger.Parse({Literal(literal.Value)}, global::System.Globalization.CultureInfo.InvariantCulture)",
            BoundKind.Single => literal.Value + "f",
            BoundKind.Decimal => literal.Value + "m",
            BoundKind.Double => literal.Value.Contains("Infinity") ? "double.PositiveInfinity" : literal.Value + "d",
            _ => literal.Value,
        };

        private static string LoopVariableCode(BoundLoopVariable variable)
        {
            var (index, length) = (variable.Index, variable.Length);
            return variable.Variable switch
            {
                LoopVariable.Index => index,
                LoopVariable.ReverseIndex => $"({length} - {index} - 1)",
                LoopVariable.First => $"({index} == 0)",
                LoopVariable.Last => $"({index} == {length} - 1)",
                LoopVariable.Even => $"({index} % 2 == 0)",
                LoopVariable.Odd => $"({index} % 2 != 0)",
                LoopVariable.Length => length!,
                _ => variable.Item + "Changed",
            };
        }

        private static string BinaryCode(BoundBinary binary)
        {
            var left = Expression(binary.Left);
            var right = Expression(binary.Right);
            var text = binary.Left.Type.IsText && binary.Right.Type.IsText;
            var op = binary.Operator switch
            {
                BinaryOperator.Add => "+",
                BinaryOperator.Subtract => "-",
                BinaryOperator.Multiply => "*",
                BinaryOperator.Divide => "/",
                BinaryOperator.Modulo => "%",
                BinaryOperator.Equal => "==",
                BinaryOperator.NotEqual => "!=",
                BinaryOperator.Less => "<",
                BinaryOperator.LessOrEqual => "<=",
                BinaryOperator.Greater => ">",
                BinaryOperator.GreaterOrEqual => ">=",
                BinaryOperator.And => "&&",
                _ => "||",
            };

            // Text compares ordinally, as in Scriban.
            return binary.Operator switch
            {
                BinaryOperator.Equal or BinaryOperator.NotEqual when text =>
                    $"{(binary.Operator == BinaryOperator.NotEqual ? "!" : "")}string.Equals({left}, {right}, global::System.StringComparison.Ordinal)",
                BinaryOperator.Less or BinaryOperator.LessOrEqual or BinaryOperator.Greater or BinaryOperator.GreaterOrEqual when text =>
                    $"(string.CompareOrdinal({left}, {right}) {op} 0)",
                _ => $"({left} {op} {right})",
            };
        }

        private static string ConversionCode(BoundConversion conversion)
        {
            var value = conversion.Operand;
            var type = value.Type;
            var code = Expression(value);
            var location = conversion.Location is null ? "" : Literal(conversion.Location);
            switch (conversion.Kind)
            {
                case ConversionKind.Box:
                    return Box(value, code);
                case ConversionKind.Cast:
                    return $"({conversion.Type.Declaration}){code}";
                case ConversionKind.Text:
                    return ToText(value, code);
                case ConversionKind.TextArgument:
                    return type.Kind switch
                    {
                        BoundKind.String or BoundKind.Html => code,
                        BoundKind.Null => "null",
                        BoundKind.Dynamic => $"({code} is null ? null : {ToText(value, code)})",
                        _ when type.Nullable => $"({Box(value, code)} is null ? null : {ToText(value, code)})",
                        _ => ToText(value, code),
                    };
                case ConversionKind.Integer:
                    return type.Kind switch
                    {
                        BoundKind.Int32 when !type.Nullable => code,
                        BoundKind.Int32 => $"({code} ?? 0)",
                        BoundKind.Int64 when !type.Nullable => $"{Rendering}ScriptValue.ToInt({code}, {location})",
                        BoundKind.Null => "0",
                        _ => $"{Rendering}ScriptValue.ToInt({Box(value, code)}, {location})",
                    };
                case ConversionKind.Number:
                    return type.Kind switch
                    {
                        BoundKind.Double when !type.Nullable => code,
                        BoundKind.Int32 or BoundKind.Int64 or BoundKind.Single or BoundKind.Decimal when !type.Nullable => $"(double){code}",
                        BoundKind.Null => "0d",
                        _ => $"{Rendering}ScriptValue.ToDouble({Box(value, code)}, {location})",
                    };
                case ConversionKind.DateTime:
                    return type.Kind switch
                    {
                        BoundKind.DateTime => code,
                        BoundKind.Null => "(global::System.DateTime?)null",
                        _ => $"{Rendering}ScriptValue.ToDateTime({Box(value, code)}, {location})",
                    };
                default:
                    return Condition(value, code);
            }
        }

        /// <summary>Scriban's truthiness as a C# condition: only null and false are false.</summary>
        private static string Condition(BoundExpression value, string code)
        {
            var type = value.Type;
            if (type.Kind is BoundKind.Null or BoundKind.Empty)
            {
                return $"{Rendering}ScriptValue.IsTruthy(null)";
            }

            if (type.Kind == BoundKind.Dynamic)
            {
                return $"{Rendering}ScriptValue.IsTruthy({code})";
            }

            if (type.Kind != BoundKind.Boolean)
            {
                if ((type.IsValueType && !type.Nullable) || value.IsConstant)
                {
                    // 0, dates and other values are true in Scriban; a constant goes through a call so C# does not fold it.
                    return $"{Rendering}ScriptValue.IsTruthy({Box(value, code)})";
                }

                code = $"({code} is not null)";
            }
            else if (type.Nullable)
            {
                code = $"({code} == true)";
            }

            // C# would fold a constant condition and warn about unreachable code; go through a call instead.
            return value.IsConstant ? $"{Rendering}ScriptValue.IsTruthy((object){code})" : code;
        }

        /// <summary>The value as <c>object?</c>.</summary>
        private static string Box(BoundExpression value, string code)
            => value.Type.Kind == BoundKind.Dynamic ? code : value.IsNothing ? "null" : $"(object?){code}";

        /// <summary>The value as text (Scriban's conversion), never null.</summary>
        private static string ToText(BoundExpression value, string code)
        {
            var type = value.Type;
            switch (type.Kind)
            {
                case BoundKind.String:
                case BoundKind.Html:
                    return type.Nullable ? $"({code} ?? \"\")" : code;
                case BoundKind.Null:
                    return "\"\"";
                case BoundKind.Int32 when !type.Nullable:
                case BoundKind.Int64 when !type.Nullable:
                case BoundKind.Double when !type.Nullable:
                case BoundKind.Decimal when !type.Nullable:
                case BoundKind.Boolean when !type.Nullable:
                    return $"{Rendering}ScriptValue.ToText({code})";
                default:
                    return $"output.ToText({Box(value, code)})";
            }
        }

        private static string BuiltinCallCode(BoundBuiltinCall call)
        {
            var function = BuiltinCatalog.Functions[call.Function];
            var arguments = new List<string>();
            foreach (var argument in call.Arguments)
            {
                var parameter = function.Parameters[argument.Parameter];
                var code = Expression(argument.Value);

                // Required arguments by position, optional ones by name.
                arguments.Add(parameter.IsOptional ? parameter.CSharpName + ": " + code : code);
                if (call.Location is not null && argument.Parameter == function.RequiredCount - 1)
                {
                    arguments.Add(Literal(call.Location));
                }
            }

            if (function.TakesCulture)
            {
                arguments.Add("emailCulture: output.Culture");
            }

            return $"{Rendering}{function.Helper}{TypeArguments(call.TypeArgument)}({string.Join(", ", arguments)})";
        }

        private static string RuntimeCallCode(BoundRuntimeCall call)
        {
            var arguments = string.Join(", ", call.Arguments.Select(Expression));
            var operation = call.Operation;
            switch (operation)
            {
                case RuntimeOperation.ConcatTextFirst:
                case RuntimeOperation.ConcatTextLast:
                    return $"{Rendering}ScriptValue.Concat({arguments}, textFirst: {(operation == RuntimeOperation.ConcatTextFirst ? "true" : "false")})";
                case RuntimeOperation.StringConcat:
                    return $"string.Concat({arguments})";
                case RuntimeOperation.Repeat:
                    return $"{Rendering}StringFunctions.Repeat({arguments})";
                case RuntimeOperation.Round:
                    return $"global::System.Math.Round({Expression(call.Arguments[0])} / {Expression(call.Arguments[1])})";
                case RuntimeOperation.NewRange:
                    return $"new {Rendering}ScriptRange({arguments})";
                case RuntimeOperation.ToList:
                case RuntimeOperation.SortBy:
                case RuntimeOperation.Cycle:
                    return $"{Rendering}ArrayFunctions.{operation}{TypeArguments(call.TypeArgument)}({arguments})";
                default:
                    return $"{Rendering}ScriptValue.{operation}{TypeArguments(call.TypeArgument)}({arguments})";
            }
        }

        private static string TypeArguments(BoundType? type) => type is null ? "" : "<" + type.Declaration + ">";
    }
}
