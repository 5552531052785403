using Microsoft.CodeAnalysis.Text;
using TypedMail.Generator.Helpers;

namespace TypedMail.Generator.Templates;

/// <summary>Where a node is in its template file: the character span and the line/column span.</summary>
internal readonly record struct TemplateSpan(TextSpan Span, LinePositionSpan Lines)
{
    /// <summary><c>(line,column)</c>, 1-based, as Scriban prints positions.</summary>
    public string Position => $"({Lines.Start.Line + 1},{Lines.Start.Character + 1})";
}

/// <summary>A syntax error in a template.</summary>
internal sealed record TemplateError(string Message, TemplateSpan Span, bool Unsupported);

/// <summary>A parsed template: its statements, or the error that stopped the parser.</summary>
/// <param name="Body">The statements (empty when <paramref name="Error"/> is set).</param>
/// <param name="Error">The first syntax error, if any.</param>
/// <param name="LineBreaks">The spans of line breaks written by text blocks (for the one-line subject check).</param>
/// <param name="Source">The template text (for the fragments written into generated code).</param>
internal sealed record ParsedTemplate(BlockStatement Body, TemplateError? Error, EquatableArray<TemplateSpan> LineBreaks, string Source);

/// <summary>Number literal types, after Scriban's lexer.</summary>
internal enum NumberKind
{
    Int32,
    Int64,
    UInt32,
    UInt64,
    BigInteger,
    Single,
    Double,
    Decimal,
}

// ---------------------------------------------------------------------------------------------------------------
// Expressions
// ---------------------------------------------------------------------------------------------------------------

/// <summary>An expression.</summary>
internal abstract record Expression(TemplateSpan Span);

/// <summary><c>"text"</c>, <c>'text'</c> or a verbatim string.</summary>
internal sealed record StringLiteral(string Value, TemplateSpan Span) : Expression(Span);

/// <summary>A number; <paramref name="Value"/> is its invariant text (digits for integers, round-trip text otherwise).</summary>
internal sealed record NumberLiteral(NumberKind Kind, string Value, TemplateSpan Span) : Expression(Span);

/// <summary><c>true</c> or <c>false</c>.</summary>
internal sealed record BooleanLiteral(bool Value, TemplateSpan Span) : Expression(Span);

/// <summary><c>null</c>.</summary>
internal sealed record NullLiteral(TemplateSpan Span) : Expression(Span);

/// <summary>The <c>empty</c> keyword.</summary>
internal sealed record EmptyLiteral(TemplateSpan Span) : Expression(Span);

/// <summary><c>$"…{expr}…"</c>: literal parts and expressions.</summary>
internal sealed record InterpolatedString(EquatableArray<Expression> Parts, TemplateSpan Span) : Expression(Span);

/// <summary>A variable: <c>name</c> (global) or <c>$name</c> (local; <c>$</c>, <c>$0</c>, <c>$1</c> in includes).</summary>
internal sealed record VariableExpression(string Name, bool IsLocal, TemplateSpan Span) : Expression(Span);

/// <summary><c>for.index</c>, <c>while.first</c>…</summary>
internal sealed record LoopVariableExpression(string Loop, string Name, TemplateSpan Span) : Expression(Span);

/// <summary><c>target.name</c> or <c>target?.name</c>.</summary>
internal sealed record MemberExpression(Expression Target, string Name, bool IsOptional, TemplateSpan Span) : Expression(Span);

/// <summary><c>target[index]</c>.</summary>
internal sealed record IndexExpression(Expression Target, Expression Index, TemplateSpan Span) : Expression(Span);

/// <summary><c>!x</c>, <c>-x</c>, <c>+x</c>.</summary>
internal sealed record UnaryExpression(string Operator, Expression Operand, TemplateSpan Span) : Expression(Span);

/// <summary>A binary operator: arithmetic, comparison, logic, <c>??</c>, <c>?!</c>, ranges.</summary>
internal sealed record BinaryExpression(string Operator, Expression Left, Expression Right, TemplateSpan OperatorSpan, TemplateSpan Span) : Expression(Span);

/// <summary><c>c ? a : b</c>.</summary>
internal sealed record ConditionalExpression(Expression Condition, Expression WhenTrue, Expression WhenFalse, TemplateSpan Span) : Expression(Span);

/// <summary><c>(expr)</c>.</summary>
internal sealed record ParenthesizedExpression(Expression Inner, TemplateSpan Span) : Expression(Span);

/// <summary><c>f a b name: c</c>: a call; a pipe <c>x | f a</c> passes <c>x</c> as the first argument.</summary>
internal sealed record CallExpression(Expression Callee, EquatableArray<Expression> Arguments, EquatableArray<NamedArgument> NamedArguments, TemplateSpan Span) : Expression(Span);

/// <summary><c>name: value</c> in a call.</summary>
internal sealed record NamedArgument(string Name, Expression Value, TemplateSpan Span);

/// <summary><c>value | call</c>.</summary>
internal sealed record PipeExpression(Expression Input, CallExpression Call, TemplateSpan Span) : Expression(Span);

/// <summary><c>[a, b]</c>.</summary>
internal sealed record ArrayLiteral(EquatableArray<Expression> Items, TemplateSpan Span) : Expression(Span);

/// <summary><c>{a: 1, b: 2}</c>.</summary>
internal sealed record ObjectLiteral(EquatableArray<ObjectMember> Members, TemplateSpan Span) : Expression(Span);

/// <summary>One member of an object literal.</summary>
internal sealed record ObjectMember(string Name, Expression Value);

// ---------------------------------------------------------------------------------------------------------------
// Statements
// ---------------------------------------------------------------------------------------------------------------

/// <summary>A statement. <paramref name="Source"/> is the template fragment, written above the generated code.</summary>
internal abstract record Statement(string Source, TemplateSpan Span);

/// <summary>Text outside code blocks, after whitespace control, or the content of an escape block (<paramref name="IsEscape"/>).</summary>
internal sealed record TextStatement(string Text, TemplateSpan Span, bool IsEscape = false) : Statement("", Span);

/// <summary>An expression whose value is written.</summary>
internal sealed record ExpressionStatement(Expression Expression, string Source, TemplateSpan Span) : Statement(Source, Span);

/// <summary><c>target = value</c> or a compound assignment (<paramref name="Operator"/> is <c>=</c>, <c>+=</c>…).</summary>
internal sealed record AssignStatement(Expression Target, string Operator, Expression Value, string Source, TemplateSpan Span) : Statement(Source, Span);

/// <summary>Statements in order.</summary>
internal sealed record BlockStatement(EquatableArray<Statement> Statements, TemplateSpan Span) : Statement("", Span);

/// <summary>Statements that started in a code block preceded by indentation: their output is auto-indented.</summary>
internal sealed record IndentStatement(string Indent, BlockStatement Body, TemplateSpan Span) : Statement("", Span);

/// <summary><c>if</c> / <c>else if</c> / <c>else</c>.</summary>
internal sealed record IfStatement(Expression Condition, BlockStatement Then, Statement? Else, string Source, TemplateSpan Span) : Statement(Source, Span);

/// <summary><c>for x in xs offset:n limit:n reversed</c> … <c>else</c> … <c>end</c>.</summary>
internal sealed record ForStatement(
    string Variable,
    bool IsLocal,
    Expression Iterable,
    Expression? Offset,
    Expression? Limit,
    bool Reversed,
    BlockStatement Body,
    BlockStatement? Else,
    string Source,
    TemplateSpan Span) : Statement(Source, Span);

/// <summary><c>while cond</c> … <c>end</c>.</summary>
internal sealed record WhileStatement(Expression Condition, BlockStatement Body, string Source, TemplateSpan Span) : Statement(Source, Span);

/// <summary><c>case value</c> <c>when</c> … <c>else</c> … <c>end</c>.</summary>
internal sealed record CaseStatement(Expression Value, EquatableArray<WhenClause> Whens, BlockStatement? Else, string Source, TemplateSpan Span) : Statement(Source, Span);

/// <summary><c>when a, b</c> and its body.</summary>
internal sealed record WhenClause(EquatableArray<Expression> Values, BlockStatement Body, string Source, TemplateSpan Span);

/// <summary><c>capture target</c> … <c>end</c>.</summary>
internal sealed record CaptureStatement(Expression Target, BlockStatement Body, string Source, TemplateSpan Span) : Statement(Source, Span);

/// <summary><c>break</c> or <c>continue</c>.</summary>
internal sealed record LoopControlStatement(bool IsBreak, string Source, TemplateSpan Span) : Statement(Source, Span);
