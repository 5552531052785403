using System;
using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis.Text;
using TypedMail.Generator.Helpers;

namespace TypedMail.Generator.Templates;

/// <summary>
/// Parses a template into its syntax tree (Scriban 7.2.6 grammar, default language). Stops at the first syntax
/// error; LATER features of the subset (<c>func</c>, <c>with</c>, …) are reported as unsupported.
/// </summary>
internal sealed class TemplateParser
{
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "if", "else", "end", "for", "while", "case", "when", "capture", "break", "continue",
        "func", "ret", "with", "import", "readonly", "wrap", "tablerow", "do",
    };

    private static readonly HashSet<string> UnsupportedStatements = new(StringComparer.Ordinal)
    {
        "func", "ret", "with", "import", "readonly", "wrap", "tablerow", "do",
    };

    private static readonly string[] ForVariables = ["index", "rindex", "first", "last", "even", "odd", "changed", "length"];
    private static readonly string[] WhileVariables = ["index", "first", "even", "odd"];

    private readonly SourceText _source;
    private readonly string _text;
    private readonly CancellationToken _cancellationToken;
    private List<Token> _tokens;
    private int _index;
    private string? _blockIndent;
    private int _blockId;
    private bool _inForIterable;
    private bool _inArguments;

    private TemplateParser(SourceText source, List<Token> tokens, CancellationToken cancellationToken)
    {
        _source = source;
        _text = source.ToString();
        _tokens = tokens;
        _cancellationToken = cancellationToken;
    }

    /// <summary>Parses a template.</summary>
    /// <param name="source">The template text.</param>
    /// <param name="singleLine">For subjects: one line break at the very end of the file is dropped.</param>
    /// <param name="cancellationToken">Cancels the parse.</param>
    public static ParsedTemplate Parse(SourceText source, bool singleLine, CancellationToken cancellationToken)
    {
        var empty = new BlockStatement(EquatableArray<Statement>.Empty, default);
        try
        {
            var tokens = Lexer.Tokenize(source.ToString());
            if (singleLine && tokens.Count >= 2 && tokens[tokens.Count - 2] is { Kind: TokenKind.Text, IsEscape: false } last && last.End == source.Length)
            {
                last.Text = last.Text.EndsWith("\r\n", StringComparison.Ordinal) ? last.Text.Substring(0, last.Text.Length - 2)
                    : last.Text.EndsWith("\n", StringComparison.Ordinal) ? last.Text.Substring(0, last.Text.Length - 1)
                    : last.Text;
            }

            var parser = new TemplateParser(source, tokens, cancellationToken);
            var body = parser.ParseStatements(stopAt: null, out _);
            return new ParsedTemplate(body, null, parser.LineBreaks(body).ToEquatableArray(), parser._text);
        }
        catch (TemplateSyntaxException e)
        {
            return new ParsedTemplate(empty, new TemplateError(e.Message, Lexer.SpanOf(source, e.Start, e.End), e.IsUnsupported), EquatableArray<TemplateSpan>.Empty, source.ToString());
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Statements
    // ------------------------------------------------------------------------------------------------------------

    private Token Peek => _tokens[_index];

    private Token PeekAt(int offset) => _tokens[Math.Min(_index + offset, _tokens.Count - 1)];

    private Token Next() => _tokens[_index++];

    private BlockStatement ParseStatements(string[]? stopAt, out Token? stoppedAt)
    {
        var start = Peek.Start;
        var statements = new List<Statement>();
        var group = new List<Statement>();
        string? groupIndent = null;
        var groupId = -1;
        stoppedAt = null;

        void Flush()
        {
            if (group.Count > 0)
            {
                var body = new BlockStatement(group.ToEquatableArray(), Span(group[0].Span.Span.Start, group[group.Count - 1].Span.Span.End));
                statements.Add(new IndentStatement(groupIndent!, body, body.Span));
                group.Clear();
            }
        }

        while (true)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            var token = Peek;
            switch (token.Kind)
            {
                case TokenKind.EndOfFile:
                    Flush();
                    return new BlockStatement(statements.ToEquatableArray(), Span(start, token.Start));
                case TokenKind.Text:
                    Next();
                    Flush();
                    if (token.Text.Length > 0)
                    {
                        statements.Add(new TextStatement(token.Text, Span(token.Start, token.End), token.IsEscape));
                    }

                    continue;
                case TokenKind.CodeEnter:
                    Next();
                    _blockIndent = token.Indent;
                    _blockId++;
                    continue;
                case TokenKind.CodeExit:
                    Next();
                    _blockIndent = null;
                    continue;
                case TokenKind.NewLine:
                    Next();
                    continue;
                case TokenKind.Operator when token.Text == ";":
                    Next();
                    continue;
            }

            if (token.Kind == TokenKind.Identifier && stopAt is not null && Array.IndexOf(stopAt, token.Text) >= 0 && !IsLoopVariable(token))
            {
                Flush();
                stoppedAt = token;
                return new BlockStatement(statements.ToEquatableArray(), Span(start, token.Start));
            }

            var indent = _blockIndent;
            var id = _blockId;
            var statement = ParseStatement();
            if (indent is null)
            {
                Flush();
                statements.Add(statement);
            }
            else
            {
                if (id != groupId)
                {
                    Flush();
                }

                groupIndent = indent;
                groupId = id;
                group.Add(statement);
            }
        }
    }

    private bool IsLoopVariable(Token token)
        => (token.Text == "for" || token.Text == "while") && PeekAt(1).Kind == TokenKind.Operator && PeekAt(1).Text == "." && !PeekAt(1).SpaceBefore;

    private Statement ParseStatement()
    {
        var token = Peek;
        if (token.Kind == TokenKind.Identifier && Keywords.Contains(token.Text) && !IsLoopVariable(token))
        {
            switch (token.Text)
            {
                case "if":
                    return ParseIf(Next());
                case "for":
                    return ParseFor();
                case "while":
                    return ParseWhile();
                case "case":
                    return ParseCase();
                case "capture":
                    return ParseCapture();
                case "break":
                case "continue":
                    Next();
                    ExpectEndOfStatement();
                    return new LoopControlStatement(token.Text == "break", token.Text, Span(token.Start, token.End));
                case "else":
                    throw Error(token, "A else condition must be preceded by another if/else/when condition or a for loop.");
                case "when":
                    throw Error(token, "A when condition must be inside a case statement.");
                case "end":
                    throw Error(token, "Unexpected <end> statement: there is no if/for/while/case/capture to close.");
                default:
                    throw new TemplateSyntaxException($"Unsupported Scriban feature: `{token.Text}` statements", token.Start, token.End, unsupported: true);
            }
        }

        var expression = ParseExpression() ?? throw Error(Peek, $"Unexpected token `{Peek}`. Expecting an expression or a statement.");
        if (Peek.Kind == TokenKind.Operator && IsAssignment(Peek.Text))
        {
            var op = Next();
            if (expression is not (VariableExpression or MemberExpression or IndexExpression))
            {
                throw Error(expression.Span.Span.Start, op.End, "Unsupported target expression for assignment.");
            }

            SkipNewLines();
            var value = ParseExpression() ?? throw Error(Peek, $"Error while parsing assign expression: Expecting <expression> instead of `{Peek}` in: <target_expression> = <value_expression>");
            ExpectEndOfStatement();
            return new AssignStatement(expression, op.Text, value, SourceOf(expression.Span.Span.Start, value.Span.Span.End), Span(expression.Span.Span.Start, value.Span.Span.End));
        }

        ExpectEndOfStatement();
        return new ExpressionStatement(expression, SourceOf(expression.Span.Span.Start, expression.Span.Span.End), expression.Span);
    }

    private static bool IsAssignment(string op) => op is "=" or "+=" or "-=" or "*=" or "/=" or "//=" or "%=";

    private void SkipNewLines()
    {
        while (Peek.Kind == TokenKind.NewLine)
        {
            Next();
        }
    }

    private void ExpectEndOfStatement()
    {
        var token = Peek;
        if (token.Kind is TokenKind.NewLine or TokenKind.CodeExit or TokenKind.EndOfFile || (token.Kind == TokenKind.Operator && token.Text == ";"))
        {
            return;
        }

        throw Error(token, $"Invalid token found `{token}`. Expecting <EOL>/end of line.");
    }

    private Expression ConditionOf(Token keyword, string statement, string grammar)
    {
        var condition = ParseExpression() ?? throw Error(Peek, $"Error while parsing {statement} statement: Expecting <expression> instead of `{Peek}` in: {grammar}");
        if (Peek.Kind == TokenKind.Operator && IsAssignment(Peek.Text))
        {
            throw Error(Peek, "Error while parsing assign expression: Expression is only allowed for a top level assignment in: <target_expression> = <value_expression>");
        }

        ExpectEndOfStatement();
        _ = keyword;
        return condition;
    }

    private IfStatement ParseIf(Token keyword)
    {
        var condition = ConditionOf(keyword, "if", "if <expression> ... end|else|else if");
        var source = SourceOf(keyword.Start, condition.Span.Span.End);
        var then = ParseStatements(["else", "end"], out var stop);
        if (stop is null)
        {
            throw Error(Peek, "Error while parsing if statement: The <end> statement was not found in: if <expression> ... end|else|else if");
        }

        Next();
        if (stop.Text == "end")
        {
            ExpectEndOfStatement();
            return new IfStatement(condition, then, null, source, Span(keyword.Start, stop.End));
        }

        if (Peek.Kind == TokenKind.Identifier && Peek.Text == "if")
        {
            var elseIf = ParseIf(Next());
            return new IfStatement(condition, then, elseIf, source, Span(keyword.Start, elseIf.Span.Span.End));
        }

        ExpectEndOfStatement();
        var otherwise = ParseStatements(["end"], out var end);
        if (end is null)
        {
            throw Error(Peek, "Error while parsing if statement: The <end> statement was not found in: if <expression> ... end|else|else if");
        }

        Next();
        ExpectEndOfStatement();
        return new IfStatement(condition, then, otherwise, source, Span(keyword.Start, end.End));
    }

    private ForStatement ParseFor()
    {
        var keyword = Next();
        var variable = Peek;
        if (variable.Kind != TokenKind.Identifier || Keywords.Contains(variable.Text) || variable.Text == "$")
        {
            throw Error(variable, $"Error while parsing for statement: Expecting a variable instead of `{variable}` in: for <variable> in <expression> ... end");
        }

        Next();
        if (Peek.Kind != TokenKind.Identifier || Peek.Text != "in")
        {
            throw Error(Peek, $"Error while parsing for statement: Expecting 'in' word instead of `{Peek}` in: for <variable> in <expression> ... end");
        }

        Next();
        _inForIterable = true;
        Expression? iterable;
        try
        {
            iterable = ParseExpression();
        }
        finally
        {
            _inForIterable = false;
        }

        if (iterable is null)
        {
            throw Error(Peek, $"Error while parsing for statement: Expecting <expression> instead of `{Peek}` in: for <variable> in <expression> ... end");
        }

        Expression? offset = null;
        Expression? limit = null;
        var reversed = false;
        var end = iterable.Span.Span.End;
        while (Peek.Kind == TokenKind.Identifier)
        {
            var parameter = Next();
            if (parameter.Text == "reversed")
            {
                reversed = true;
                end = parameter.End;
                continue;
            }

            if ((parameter.Text == "offset" || parameter.Text == "limit") && Peek.Kind == TokenKind.Operator && Peek.Text == ":")
            {
                Next();
                var value = ParseBinary(0) ?? throw Error(Peek, $"Expecting a value for the `{parameter.Text}` parameter instead of `{Peek}`");
                end = value.Span.Span.End;
                if (parameter.Text == "offset")
                {
                    offset = value;
                }
                else
                {
                    limit = value;
                }

                continue;
            }

            throw Error(parameter, $"Unexpected `{parameter.Text}` in a for statement: expecting `offset:`, `limit:` or `reversed`");
        }

        ExpectEndOfStatement();
        var source = SourceOf(keyword.Start, end);
        var body = ParseStatements(["else", "end"], out var stop);
        BlockStatement? otherwise = null;
        if (stop is not null && stop.Text == "else")
        {
            Next();
            ExpectEndOfStatement();
            otherwise = ParseStatements(["end"], out stop);
        }

        if (stop is null)
        {
            throw Error(Peek, "Error while parsing for statement: The <end> statement was not found in: for <variable> in <expression> ... end");
        }

        Next();
        ExpectEndOfStatement();
        return new ForStatement(variable.Text.TrimStart('$'), variable.Text.StartsWith("$", StringComparison.Ordinal), iterable, offset, limit, reversed, body, otherwise, source, Span(keyword.Start, stop.End));
    }

    private WhileStatement ParseWhile()
    {
        var keyword = Next();
        var condition = ConditionOf(keyword, "while", "while <expression> ... end");
        var body = ParseStatements(["end"], out var stop);
        if (stop is null)
        {
            throw Error(Peek, "Error while parsing while statement: The <end> statement was not found in: while <expression> ... end");
        }

        Next();
        ExpectEndOfStatement();
        return new WhileStatement(condition, body, SourceOf(keyword.Start, condition.Span.Span.End), Span(keyword.Start, stop.End));
    }

    private CaseStatement ParseCase()
    {
        var keyword = Next();
        var value = ConditionOf(keyword, "case", "case <expression> ... end");
        var whens = new List<WhenClause>();
        BlockStatement? otherwise = null;
        while (true)
        {
            var token = Peek;
            switch (token.Kind)
            {
                case TokenKind.Text:
                case TokenKind.CodeEnter:
                case TokenKind.CodeExit:
                case TokenKind.NewLine:
                    // Text between `case x` and the first `when` is not printed.
                    Next();
                    if (token.Kind == TokenKind.CodeEnter)
                    {
                        _blockIndent = token.Indent;
                        _blockId++;
                    }

                    continue;
                case TokenKind.Operator when token.Text == ";":
                    Next();
                    continue;
                case TokenKind.EndOfFile:
                    throw Error(token, "Error while parsing case statement: The <end> statement was not found in: case <expression> ... end");
            }

            if (token.Kind == TokenKind.Identifier && token.Text == "end")
            {
                Next();
                ExpectEndOfStatement();
                return new CaseStatement(value, whens.ToEquatableArray(), otherwise, SourceOf(keyword.Start, value.Span.Span.End), Span(keyword.Start, token.End));
            }

            if (token.Kind == TokenKind.Identifier && token.Text == "when" && otherwise is null)
            {
                Next();
                var values = new List<Expression>();
                do
                {
                    SkipNewLines();
                    var v = ParseExpression() ?? throw Error(Peek, $"Error while parsing when statement: Expecting <expression> instead of `{Peek}` in: when <expression>");
                    Alternatives(v, values);
                }
                while (Peek.Kind == TokenKind.Operator && Peek.Text == "," && Next() is not null);

                ExpectEndOfStatement();
                var whenSource = SourceOf(token.Start, values[values.Count - 1].Span.Span.End);
                var body = ParseStatements(["when", "else", "end"], out _);
                whens.Add(new WhenClause(values.ToEquatableArray(), body, whenSource, Span(token.Start, body.Span.Span.End)));
                continue;
            }

            if (token.Kind == TokenKind.Identifier && token.Text == "else" && whens.Count > 0 && otherwise is null)
            {
                Next();
                ExpectEndOfStatement();
                otherwise = ParseStatements(["end"], out _);
                continue;
            }

            if (token.Kind == TokenKind.Identifier && token.Text == "else")
            {
                throw Error(token, "A else condition must be preceded by another if/else/when condition or a for loop.");
            }

            throw Error(token, $"Unexpected statement/expression `{token}` in the body of a `case` statement. Only `when`/`else` are expected.");
        }
    }

    /// <summary><c>when a || b</c> lists alternatives, like <c>when a, b</c>.</summary>
    private static void Alternatives(Expression value, List<Expression> values)
    {
        if (value is BinaryExpression { Operator: "||" } or)
        {
            Alternatives(or.Left, values);
            Alternatives(or.Right, values);
        }
        else
        {
            values.Add(value);
        }
    }

    private CaptureStatement ParseCapture()
    {
        var keyword = Next();
        var target = ParsePostfix();
        if (target is not (VariableExpression or MemberExpression or IndexExpression))
        {
            throw Error(Peek, $"Error while parsing capture statement: Expecting <expression> instead of `{Peek}` in: capture <variable> ... end");
        }

        ExpectEndOfStatement();
        var body = ParseStatements(["end"], out var stop);
        if (stop is null)
        {
            throw Error(Peek, "Error while parsing capture statement: The <end> statement was not found in: capture <variable> ... end");
        }

        Next();
        ExpectEndOfStatement();
        return new CaptureStatement(target, body, SourceOf(keyword.Start, target.Span.Span.End), Span(keyword.Start, stop.End));
    }

    // ------------------------------------------------------------------------------------------------------------
    // Expressions
    // ------------------------------------------------------------------------------------------------------------

    private Expression? ParseExpression()
    {
        var condition = ParsePipe();
        if (condition is null || Peek.Kind != TokenKind.Operator || Peek.Text != "?")
        {
            return condition;
        }

        Next();
        SkipNewLines();
        var whenTrue = ParseExpression() ?? throw Error(Peek, $"Error while parsing conditional expression: Expecting <expression> instead of `{Peek}`");
        SkipNewLines();
        if (Peek.Kind != TokenKind.Operator || Peek.Text != ":")
        {
            throw Error(Peek, $"Error while parsing conditional expression: Expecting `:` instead of `{Peek}` in: <condition> ? <expression> : <expression>");
        }

        Next();
        SkipNewLines();
        var whenFalse = ParseExpression() ?? throw Error(Peek, $"Error while parsing conditional expression: Expecting <expression> instead of `{Peek}`");
        return new ConditionalExpression(condition, whenTrue, whenFalse, Span(condition.Span.Span.Start, whenFalse.Span.Span.End));
    }

    private Expression? ParsePipe()
    {
        var left = ParseBinary(0);
        if (left is null)
        {
            return null;
        }

        while (Peek.Kind == TokenKind.Operator && Peek.Text == "|")
        {
            Next();
            SkipNewLines();
            var callee = ParsePostfix() ?? throw Error(Peek, $"Error while parsing pipe expression: Expecting <expression> instead of `{Peek}` in: <expression> | <expression>");
            var call = (CallExpression)ParseCall(callee, force: true)!;
            left = new PipeExpression(left, call, Span(left.Span.Span.Start, call.Span.Span.End));

            // `x | f + 1` adds to the pipe's result when `f` has no arguments (with arguments, `+ 1` belongs to the last one).
            if (call.Arguments.Count == 0 && call.NamedArguments.Count == 0)
            {
                left = ParseBinaryRest(left, 0);
            }
        }

        return left;
    }

    private static int Precedence(Token token)
    {
        if (token.Kind != TokenKind.Operator)
        {
            return -1;
        }

        return token.Text switch
        {
            "??" or "?!" => 20,
            "||" => 30,
            "&&" => 40,
            "==" or "!=" => 70,
            "<" or "<=" or ">" or ">=" => 80,
            "+" or "-" => 100,
            "*" or "/" or "//" or "%" => 110,
            ".." or "..<" => 130,
            _ => -1,
        };
    }

    private Expression? ParseBinary(int minPrecedence)
    {
        var left = ParseUnary();
        return left is null ? null : ParseBinaryRest(left, minPrecedence);
    }

    private Expression ParseBinaryRest(Expression left, int minPrecedence)
    {
        while (true)
        {
            var op = Peek;
            var precedence = Precedence(op);
            if (precedence < 0 || precedence < minPrecedence)
            {
                return left;
            }

            Next();
            SkipNewLines();
            var right = ParseBinary(precedence + 1) ?? throw Error(Peek, $"Error while parsing binary expression: Expecting an <expression> to the right of the operator instead of `{Peek}` in: <expression> operator <expression>");
            left = new BinaryExpression(op.Text, left, right, Span(op.Start, op.End), Span(left.Span.Span.Start, right.Span.Span.End));
        }
    }

    private Expression? ParseUnary()
    {
        var token = Peek;
        if (token.Kind == TokenKind.Operator && token.Text is "!" or "-" or "+")
        {
            Next();
            var operand = ParseUnary() ?? throw Error(Peek, $"Error while parsing unary expression: Expecting <expression> instead of `{Peek}` in: <operator> <expression>");
            return new UnaryExpression(token.Text, operand, Span(token.Start, operand.Span.Span.End));
        }

        if (token.Kind == TokenKind.Operator && token.Text is "++" or "--" or "<<" or ">>" or "@")
        {
            throw new TemplateSyntaxException($"Unsupported Scriban feature: the `{token.Text}` operator", token.Start, token.End, unsupported: true);
        }

        var primary = ParsePostfix();

        // Inside an argument list, `f a b` passes `a` and `b`: an argument is not itself called with the next ones.
        return primary is null ? null : _inArguments ? primary : ParseCall(primary, force: false);
    }

    /// <summary>Arguments after a function path: <c>f a b name: c</c>.</summary>
    private Expression? ParseCall(Expression callee, bool force)
    {
        var isPath = callee is VariableExpression or MemberExpression;
        if (!force && (!isPath || !StartsArgument(Peek)))
        {
            return callee;
        }

        var arguments = new List<Expression>();
        var named = new List<NamedArgument>();
        var end = callee.Span.Span.End;
        var saved = _inArguments;
        _inArguments = true;
        try
        {
            ParseArguments(arguments, named, ref end);
        }
        finally
        {
            _inArguments = saved;
        }

        return new CallExpression(callee, arguments.ToEquatableArray(), named.ToEquatableArray(), Span(callee.Span.Span.Start, end));
    }

    private void ParseArguments(List<Expression> arguments, List<NamedArgument> named, ref int end)
    {
        while (StartsArgument(Peek))
        {
            var token = Peek;
            if (token.Kind == TokenKind.Identifier && PeekAt(1).Kind == TokenKind.Operator && PeekAt(1).Text == ":" && !PeekAt(1).SpaceBefore)
            {
                Next();
                Next();
                var value = ParseBinary(0) ?? throw Error(Peek, $"Expecting a value for the named argument `{token.Text}` instead of `{Peek}`");
                named.Add(new NamedArgument(token.Text, value, Span(token.Start, value.Span.Span.End)));
                end = value.Span.Span.End;
                continue;
            }

            if (named.Count > 0)
            {
                throw Error(token, "Positional arguments must come before named arguments");
            }

            var argument = ParseBinary(0) ?? throw Error(token, $"Unexpected `{token}` in the arguments of a call");
            arguments.Add(argument);
            end = argument.Span.Span.End;
        }
    }

    private bool StartsArgument(Token token)
    {
        switch (token.Kind)
        {
            case TokenKind.Number:
            case TokenKind.String:
            case TokenKind.Interpolated:
                return true;
            case TokenKind.Identifier:
                if (_inForIterable && (token.Text == "reversed" || ((token.Text == "offset" || token.Text == "limit") && PeekAt(1).Text == ":")))
                {
                    return false;
                }

                return !Keywords.Contains(token.Text) || IsLoopVariable(token);
            case TokenKind.Operator:
                return token.Text == "(" || token.Text == "@" || (token.Text == "[" && token.SpaceBefore);
            default:
                return false;
        }
    }

    private Expression? ParsePostfix()
    {
        var expression = ParsePrimary();
        if (expression is null)
        {
            return null;
        }

        while (Peek.Kind == TokenKind.Operator)
        {
            var token = Peek;
            if (token.Text is "." or "?.")
            {
                Next();
                var name = Peek;
                if (name.Kind != TokenKind.Identifier)
                {
                    throw Error(name, $"Expecting a member name after `{token.Text}` instead of `{name}`");
                }

                Next();
                expression = new MemberExpression(expression, name.Text, token.Text == "?.", Span(expression.Span.Span.Start, name.End));
                continue;
            }

            if (token.Text == "[" && !token.SpaceBefore)
            {
                Next();
                SkipNewLines();
                var index = ParseExpression() ?? throw Error(Peek, $"Error while parsing indexer expression: Expecting <index_expression> instead of `{Peek}` in: <expression>[<index_expression>]");
                SkipNewLines();
                var close = Peek;
                if (close.Kind != TokenKind.Operator || close.Text != "]")
                {
                    throw Error(close, $"Unexpected `{close}`. Expecting ']'");
                }

                Next();
                expression = new IndexExpression(expression, index, Span(expression.Span.Span.Start, close.End));
                continue;
            }

            break;
        }

        return expression;
    }

    private Expression? ParsePrimary()
    {
        var token = Peek;
        switch (token.Kind)
        {
            case TokenKind.Number:
                Next();
                return new NumberLiteral(token.NumberKind, token.Text, Span(token.Start, token.End));
            case TokenKind.String:
                Next();
                return new StringLiteral(token.Text, Span(token.Start, token.End));
            case TokenKind.Interpolated:
                Next();
                return ParseInterpolated(token);
            case TokenKind.Identifier:
                return ParseIdentifier();
            case TokenKind.Operator when token.Text == "(":
                Next();
                SkipNewLines();
                var outer = _inArguments;
                _inArguments = false;
                var inner = ParseExpression();
                _inArguments = outer;
                inner = inner ?? throw Error(Peek, $"Error while parsing nested expression: Expecting <expression> instead of `{Peek}`");
                SkipNewLines();
                if (Peek.Kind != TokenKind.Operator || Peek.Text != ")")
                {
                    throw Error(Peek, $"Invalid token `{Peek}`. Expecting a closing `)`.");
                }

                var close = Next();
                return new ParenthesizedExpression(inner, Span(token.Start, close.End));
            case TokenKind.Operator when token.Text == "[":
                return ParseArray();
            case TokenKind.Operator when token.Text == "{":
                return ParseObject();
            default:
                return null;
        }
    }

    private Expression? ParseIdentifier()
    {
        var token = Peek;
        switch (token.Text)
        {
            case "true":
            case "false":
                Next();
                return new BooleanLiteral(token.Text == "true", Span(token.Start, token.End));
            case "null":
                Next();
                return new NullLiteral(Span(token.Start, token.End));
            case "empty":
                Next();
                return new EmptyLiteral(Span(token.Start, token.End));
            case "this":
                throw new TemplateSyntaxException("Unsupported Scriban feature: `this`", token.Start, token.End, unsupported: true);
        }

        if (IsLoopVariable(token))
        {
            Next();
            Next();
            var name = Peek;
            var valid = token.Text == "for" ? ForVariables : WhileVariables;
            if (name.Kind != TokenKind.Identifier || Array.IndexOf(valid, name.Text) < 0)
            {
                throw Error(token.Start, name.End, token.Text == "for"
                    ? $"The loop variable <for.{name}> is not supported"
                    : $"The loop variable <while.{name}> is invalid");
            }

            Next();
            return new LoopVariableExpression(token.Text, name.Text, Span(token.Start, name.End));
        }

        // A keyword is a statement only where a statement starts; where a value is expected it is a plain name, as in
        // Scriban (`x = when` reads a member `When`).
        Next();
        var isLocal = token.Text.StartsWith("$", StringComparison.Ordinal);
        return new VariableExpression(isLocal ? token.Text.Substring(1) : token.Text, isLocal, Span(token.Start, token.End));
    }

    private ArrayLiteral ParseArray()
    {
        var open = Next();
        var items = new List<Expression>();
        while (true)
        {
            SkipNewLines();
            if (Peek.Kind == TokenKind.Operator && Peek.Text == "]")
            {
                break;
            }

            var item = ParseExpression() ?? throw Error(Peek, $"Error while parsing array initializer: Expecting <expression> instead of `{Peek}` in: [item1, item2,...]");
            items.Add(item);
            SkipNewLines();
            if (Peek.Kind == TokenKind.Operator && Peek.Text == ",")
            {
                Next();
                continue;
            }

            if (Peek.Kind != TokenKind.Operator || Peek.Text != "]")
            {
                throw Error(Peek, $"Unexpected token found `{Peek}` while expecting `]`.");
            }
        }

        var close = Next();
        return new ArrayLiteral(items.ToEquatableArray(), Span(open.Start, close.End));
    }

    private ObjectLiteral ParseObject()
    {
        var open = Next();
        var members = new List<ObjectMember>();
        while (true)
        {
            SkipNewLines();
            if (Peek.Kind == TokenKind.Operator && Peek.Text == "}")
            {
                break;
            }

            var key = Peek;
            if (key.Kind is not (TokenKind.Identifier or TokenKind.String))
            {
                throw Error(key, $"Error while parsing object initializer: Expecting a member name instead of `{key}`");
            }

            Next();
            if (Peek.Kind != TokenKind.Operator || Peek.Text != ":")
            {
                throw Error(Peek, $"Error while parsing object initializer: Expecting `:` instead of `{Peek}`");
            }

            Next();
            SkipNewLines();
            var value = ParseExpression() ?? throw Error(Peek, $"Error while parsing object initializer: Expecting <expression> instead of `{Peek}`");
            members.Add(new ObjectMember(key.Text, value));
            SkipNewLines();
            if (Peek.Kind == TokenKind.Operator && Peek.Text == ",")
            {
                Next();
                continue;
            }

            if (Peek.Kind != TokenKind.Operator || Peek.Text != "}")
            {
                throw Error(Peek, $"Unexpected token found `{Peek}` while expecting `}}`.");
            }
        }

        var close = Next();
        return new ObjectLiteral(members.ToEquatableArray(), Span(open.Start, close.End));
    }

    private InterpolatedString ParseInterpolated(Token token)
    {
        var parts = new List<Expression>();
        foreach (var part in token.Parts!)
        {
            if (part is string text)
            {
                parts.Add(new StringLiteral(text, Span(token.Start, token.End)));
                continue;
            }

            var saved = (_tokens, _index, _inArguments);
            _tokens = (List<Token>)part;
            _index = 0;
            _inArguments = false;
            try
            {
                var expression = ParseExpression() ?? throw Error(Peek, $"Unexpected token `{Peek}` while parsing expression");
                if (Peek.Kind != TokenKind.EndOfFile)
                {
                    throw Error(Peek, $"Unexpected token `{Peek}` while parsing expression");
                }

                parts.Add(expression);
            }
            finally
            {
                (_tokens, _index, _inArguments) = saved;
            }
        }

        return new InterpolatedString(parts.ToEquatableArray(), Span(token.Start, token.End));
    }

    // ------------------------------------------------------------------------------------------------------------
    // Helpers
    // ------------------------------------------------------------------------------------------------------------

    private TemplateSpan Span(int start, int end) => Lexer.SpanOf(_source, start, end);

    private string SourceOf(int start, int end) => _text.Substring(start, Math.Max(0, end - start));

    private static TemplateSyntaxException Error(Token token, string message) => new(message, token.Start, Math.Max(token.End, token.Start + 1));

    private static TemplateSyntaxException Error(int start, int end, string message) => new(message, start, end);

    /// <summary>Line breaks written by text blocks (the subject must not have any).</summary>
    private List<TemplateSpan> LineBreaks(BlockStatement body)
    {
        var result = new List<TemplateSpan>();
        Collect(body);
        return result;

        void Collect(Statement statement)
        {
            switch (statement)
            {
                case TextStatement text:
                    var at = text.Text.IndexOf('\n');
                    if (at >= 0)
                    {
                        var start = text.Span.Span.Start + at;
                        result.Add(Span(start, start + 1));
                    }

                    break;
                case BlockStatement block:
                    foreach (var s in block.Statements)
                    {
                        Collect(s);
                    }

                    break;
                case IndentStatement indent:
                    Collect(indent.Body);
                    break;
                case IfStatement @if:
                    Collect(@if.Then);
                    if (@if.Else is not null)
                    {
                        Collect(@if.Else);
                    }

                    break;
                case ForStatement @for:
                    Collect(@for.Body);
                    if (@for.Else is not null)
                    {
                        Collect(@for.Else);
                    }

                    break;
                case WhileStatement @while:
                    Collect(@while.Body);
                    break;
                case CaseStatement @case:
                    foreach (var when in @case.Whens)
                    {
                        Collect(when.Body);
                    }

                    if (@case.Else is not null)
                    {
                        Collect(@case.Else);
                    }

                    break;
            }
        }
    }
}
