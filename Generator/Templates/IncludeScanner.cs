using System;
using System.Collections.Generic;
using TypedMail.Generator.Helpers;

namespace TypedMail.Generator.Templates;

/// <summary>
/// The partials a template names in <c>include "name"</c> (as a statement, a call or a pipe), read from its syntax tree.
/// The pipeline uses them to hand each email only the partials it can reach, so editing a partial re-binds only its users.
/// </summary>
internal static class IncludeScanner
{
    private const string Include = "include";

    /// <summary>The literal partial names, ordered and without duplicates.</summary>
    public static EquatableArray<string> Names(ParsedTemplate template)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        Visit(template.Body, names);
        return names.ToEquatableArray();
    }

    private static void Visit(Statement? statement, SortedSet<string> names)
    {
        switch (statement)
        {
            case BlockStatement block:
                foreach (var inner in block.Statements)
                {
                    Visit(inner, names);
                }

                break;
            case IndentStatement indent:
                Visit(indent.Body, names);
                break;
            case ExpressionStatement expression:
                Visit(expression.Expression, names);
                break;
            case AssignStatement assign:
                Visit(assign.Target, names);
                Visit(assign.Value, names);
                break;
            case IfStatement @if:
                Visit(@if.Condition, names);
                Visit(@if.Then, names);
                Visit(@if.Else, names);
                break;
            case ForStatement @for:
                Visit(@for.Iterable, names);
                Visit(@for.Offset, names);
                Visit(@for.Limit, names);
                Visit(@for.Body, names);
                Visit(@for.Else, names);
                break;
            case WhileStatement @while:
                Visit(@while.Condition, names);
                Visit(@while.Body, names);
                break;
            case CaseStatement @case:
                Visit(@case.Value, names);
                foreach (var when in @case.Whens)
                {
                    foreach (var value in when.Values)
                    {
                        Visit(value, names);
                    }

                    Visit(when.Body, names);
                }

                Visit(@case.Else, names);
                break;
            case CaptureStatement capture:
                Visit(capture.Target, names);
                Visit(capture.Body, names);
                break;
        }
    }

    private static void Visit(Expression? expression, SortedSet<string> names)
    {
        switch (expression)
        {
            case CallExpression call:
                if (IsInclude(call) && call.Arguments.Count > 0 && call.Arguments[0] is StringLiteral name)
                {
                    names.Add(name.Value);
                }

                VisitCall(call, names);
                break;
            case PipeExpression pipe:
                if (IsInclude(pipe.Call) && pipe.Input is StringLiteral piped)
                {
                    names.Add(piped.Value);
                }

                Visit(pipe.Input, names);
                VisitCall(pipe.Call, names);
                break;
            case InterpolatedString interpolated:
                foreach (var part in interpolated.Parts)
                {
                    Visit(part, names);
                }

                break;
            case MemberExpression member:
                Visit(member.Target, names);
                break;
            case IndexExpression index:
                Visit(index.Target, names);
                Visit(index.Index, names);
                break;
            case UnaryExpression unary:
                Visit(unary.Operand, names);
                break;
            case BinaryExpression binary:
                Visit(binary.Left, names);
                Visit(binary.Right, names);
                break;
            case ConditionalExpression conditional:
                Visit(conditional.Condition, names);
                Visit(conditional.WhenTrue, names);
                Visit(conditional.WhenFalse, names);
                break;
            case ParenthesizedExpression parenthesized:
                Visit(parenthesized.Inner, names);
                break;
            case ArrayLiteral array:
                foreach (var item in array.Items)
                {
                    Visit(item, names);
                }

                break;
            case ObjectLiteral obj:
                foreach (var member in obj.Members)
                {
                    Visit(member.Value, names);
                }

                break;
        }
    }

    private static void VisitCall(CallExpression call, SortedSet<string> names)
    {
        Visit(call.Callee, names);
        foreach (var argument in call.Arguments)
        {
            Visit(argument, names);
        }

        foreach (var named in call.NamedArguments)
        {
            Visit(named.Value, names);
        }
    }

    private static bool IsInclude(CallExpression call) => call.Callee is VariableExpression { Name: Include, IsLocal: false };
}
