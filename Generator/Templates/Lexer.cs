using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;
using System.Text;
using Microsoft.CodeAnalysis.Text;

namespace TypedMail.Generator.Templates;

/// <summary>Kinds of template tokens.</summary>
internal enum TokenKind
{
    /// <summary>Text outside code blocks (after whitespace control).</summary>
    Text,

    /// <summary><c>{{</c>, with its whitespace marker.</summary>
    CodeEnter,

    /// <summary><c>}}</c>, with its whitespace marker.</summary>
    CodeExit,
    Identifier,
    Number,
    String,
    Interpolated,
    Operator,
    NewLine,
    EndOfFile,
}

/// <summary>A token. Transient: the parser turns tokens into the syntax tree, which is what the pipeline keeps.</summary>
internal sealed class Token
{
    public Token(TokenKind kind, string text, int start, int end)
    {
        Kind = kind;
        Text = text;
        Start = start;
        End = end;
    }

    public TokenKind Kind { get; }

    /// <summary>Identifier or operator text, the value of a string, the text of a text block, the digits of a number.</summary>
    public string Text { get; set; }

    public int Start { get; set; }

    public int End { get; set; }

    /// <summary>Whether white space precedes the token (<c>f [1]</c> is a call, <c>x[1]</c> an index).</summary>
    public bool SpaceBefore { get; set; }

    /// <summary><c>-</c>, <c>~</c> or <c>\0</c> on <see cref="TokenKind.CodeEnter"/> and <see cref="TokenKind.CodeExit"/>.</summary>
    public char Marker { get; set; }

    /// <summary>The auto-indentation of a <see cref="TokenKind.CodeEnter"/> (the whitespace before it on its line).</summary>
    public string? Indent { get; set; }

    /// <summary>Whether a text token came from an escape block (<c>{%{ … }%}</c>).</summary>
    public bool IsEscape { get; set; }

    public NumberKind NumberKind { get; set; }

    /// <summary>The parts of an interpolated string: <see cref="string"/> literals and token lists (ending with end-of-file).</summary>
    public List<object>? Parts { get; set; }

    public override string ToString() => Kind switch
    {
        TokenKind.NewLine => "\\n",
        TokenKind.EndOfFile => "<end of file>",
        TokenKind.CodeExit => "}}",
        TokenKind.CodeEnter => "{{",
        _ => Text,
    };
}

/// <summary>A lexer error, turned into a <see cref="TemplateError"/> by the parser.</summary>
internal sealed class TemplateSyntaxException : Exception
{
    public TemplateSyntaxException(string message, int start, int end, bool unsupported = false)
        : base(message)
    {
        Start = start;
        End = end;
        IsUnsupported = unsupported;
    }

    public int Start { get; }

    public int End { get; }

    public bool IsUnsupported { get; }
}

/// <summary>
/// Splits a template into text, code-block markers and code tokens, applies Scriban's whitespace control
/// (<c>{{-</c> <c>-}}</c> greedy, <c>{{~</c> <c>~}}</c> to the line) and computes each code block's auto-indentation.
/// </summary>
internal sealed class Lexer
{
    private static readonly string[] Operators =
    [
        "..<", "//=", "...", "..", "//", "?.", "??", "?!", "==", "!=", "<=", ">=", "&&", "||", "+=", "-=", "*=", "/=", "%=",
        "++", "--", "<<", ">>", "+", "-", "*", "/", "%", "<", ">", "!", "=", "?", ":", ".", ",", "(", ")", "[", "]", "{", "}", "|", ";", "@",
    ];

    private readonly string _text;
    private int _pos;

    private Lexer(string text) => _text = text;

    public static List<Token> Tokenize(string text)
    {
        var lexer = new Lexer(text);
        var tokens = lexer.LexTemplate();
        ApplyWhitespaceControl(tokens);
        return tokens;
    }

    private List<Token> LexTemplate()
    {
        var tokens = new List<Token>();
        var textStart = 0;
        while (_pos < _text.Length)
        {
            if (_text[_pos] == '{' && _pos + 1 < _text.Length && (_text[_pos + 1] == '{' || _text[_pos + 1] == '%') && TryEscapeOpener(out var percents))
            {
                AddText(tokens, textStart, _pos);
                if (percents == 0)
                {
                    LexCodeBlock(tokens);
                }
                else
                {
                    LexEscapeBlock(tokens, percents);
                }

                textStart = _pos;
                continue;
            }

            _pos++;
        }

        AddText(tokens, textStart, _pos);
        tokens.Add(new Token(TokenKind.EndOfFile, "", _text.Length, _text.Length));
        return tokens;
    }

    /// <summary>At <c>{{</c> (0 percents) or <c>{%…%{</c> (the count of percent signs).</summary>
    private bool TryEscapeOpener(out int percents)
    {
        percents = 0;
        if (_text[_pos + 1] == '{')
        {
            return true;
        }

        var i = _pos + 1;
        while (i < _text.Length && _text[i] == '%')
        {
            i++;
        }

        if (i < _text.Length && _text[i] == '{')
        {
            percents = i - _pos - 1;
            return true;
        }

        return false;
    }

    private void AddText(List<Token> tokens, int start, int end)
    {
        if (end > start)
        {
            tokens.Add(new Token(TokenKind.Text, _text.Substring(start, end - start), start, end));
        }
    }

    private void LexEscapeBlock(List<Token> tokens, int percents)
    {
        var openStart = _pos;
        _pos += percents + 2;
        var openMarker = Marker();
        var close = "}" + new string('%', percents) + "}";
        var contentStart = _pos;
        var closeAt = _text.IndexOf(close, _pos, StringComparison.Ordinal);
        if (closeAt < 0)
        {
            throw new TemplateSyntaxException($"The escape block `{{{new string('%', percents)}{{` is not closed by `{close}`", openStart, openStart + percents + 2);
        }

        var contentEnd = closeAt;
        var closeMarker = '\0';
        if (contentEnd > contentStart && (_text[contentEnd - 1] == '-' || _text[contentEnd - 1] == '~'))
        {
            closeMarker = _text[contentEnd - 1];
            contentEnd--;
        }

        tokens.Add(new Token(TokenKind.CodeEnter, "{{", openStart, contentStart) { Marker = openMarker, IsEscape = true });
        tokens.Add(new Token(TokenKind.Text, _text.Substring(contentStart, contentEnd - contentStart), contentStart, contentEnd) { IsEscape = true });
        _pos = closeAt + close.Length;
        tokens.Add(new Token(TokenKind.CodeExit, "}}", contentEnd, _pos) { Marker = closeMarker, IsEscape = true });
    }

    private char Marker()
    {
        if (_pos < _text.Length && (_text[_pos] == '-' || _text[_pos] == '~'))
        {
            return _text[_pos++];
        }

        return '\0';
    }

    private void LexCodeBlock(List<Token> tokens)
    {
        var start = _pos;
        _pos += 2;
        var marker = Marker();
        tokens.Add(new Token(TokenKind.CodeEnter, "{{", start, _pos) { Marker = marker });
        LexCode(tokens, inInterpolation: false);
        if (tokens[tokens.Count - 1].Kind != TokenKind.CodeExit)
        {
            throw new TemplateSyntaxException("The code block `{{` is not closed with `}}`", start, start + 2);
        }
    }

    /// <summary>Code tokens up to the closing <c>}}</c> (or, in an interpolation, the closing <c>}</c>).</summary>
    private void LexCode(List<Token> tokens, bool inInterpolation)
    {
        var braces = 0;
        var space = true;
        while (true)
        {
            if (_pos >= _text.Length)
            {
                if (inInterpolation)
                {
                    throw new TemplateSyntaxException("Unexpected end of file while parsing a string not terminated by a \"", _pos, _pos);
                }

                return;
            }

            var c = _text[_pos];
            if (!inInterpolation && braces == 0 && IsCodeExit(out var exitMarker))
            {
                var exitStart = _pos;
                _pos += exitMarker == '\0' ? 2 : 3;
                tokens.Add(new Token(TokenKind.CodeExit, "}}", exitStart, _pos) { Marker = exitMarker, SpaceBefore = space });
                return;
            }

            if (c == '\n')
            {
                if (inInterpolation)
                {
                    throw new TemplateSyntaxException("Opened interpolated expression not closed on the same line.", _pos, _pos + 1);
                }

                tokens.Add(new Token(TokenKind.NewLine, "\n", _pos, _pos + 1));
                _pos++;
                space = true;
                continue;
            }

            if (char.IsWhiteSpace(c))
            {
                _pos++;
                space = true;
                continue;
            }

            if (c == '#')
            {
                SkipComment();
                space = true;
                continue;
            }

            Token token;
            if (char.IsDigit(c))
            {
                token = LexNumber();
            }
            else if (c == '"' || c == '\'')
            {
                token = LexString(c);
            }
            else if (c == '`')
            {
                token = LexVerbatim();
            }
            else if (c == '$' && _pos + 1 < _text.Length && (_text[_pos + 1] == '"' || _text[_pos + 1] == '\''))
            {
                token = LexInterpolated();
            }
            else if (c == '$' || IsIdentifierStart(c))
            {
                token = LexIdentifier(tokens);
            }
            else
            {
                token = LexOperator();
                if (token.Text == "{")
                {
                    braces++;
                }
                else if (token.Text == "}")
                {
                    if (braces == 0 && inInterpolation)
                    {
                        return;
                    }

                    braces--;
                }
            }

            token.SpaceBefore = space;
            space = false;
            tokens.Add(token);
        }
    }

    private bool IsCodeExit(out char marker)
    {
        marker = '\0';
        if (At("}}"))
        {
            return true;
        }

        if ((_text[_pos] == '-' || _text[_pos] == '~') && _pos + 2 < _text.Length && _text[_pos + 1] == '}' && _text[_pos + 2] == '}')
        {
            marker = _text[_pos];
            return true;
        }

        return false;
    }

    private bool At(string s) => string.CompareOrdinal(_text, _pos, s, 0, s.Length) == 0;

    private void SkipComment()
    {
        if (At("##"))
        {
            _pos += 2;
            while (_pos < _text.Length && !At("##") && !AtExit())
            {
                _pos++;
            }

            if (At("##"))
            {
                _pos += 2;
            }

            return;
        }

        while (_pos < _text.Length && _text[_pos] != '\n' && !AtExit())
        {
            _pos++;
        }
    }

    private bool AtExit() => _pos < _text.Length && IsCodeExit(out _);

    private static bool IsIdentifierStart(char c) => char.IsLetter(c) || c == '_';

    private static bool IsIdentifierPart(char c) => char.IsLetterOrDigit(c) || c == '_';

    private Token LexIdentifier(List<Token> tokens)
    {
        var start = _pos;
        if (_text[_pos] == '$')
        {
            _pos++;
        }

        while (_pos < _text.Length && IsIdentifierPart(_text[_pos]))
        {
            _pos++;
        }

        // `x.empty?` is one member name.
        if (_pos < _text.Length && _text[_pos] == '?' && _pos - start == 5 && string.CompareOrdinal(_text, start, "empty", 0, 5) == 0
            && tokens.Count > 0 && tokens[tokens.Count - 1].Text == "." && tokens[tokens.Count - 1].Kind == TokenKind.Operator
            && (_pos + 1 >= _text.Length || (_text[_pos + 1] != '.' && _text[_pos + 1] != '?')))
        {
            _pos++;
        }

        return new Token(TokenKind.Identifier, _text.Substring(start, _pos - start), start, _pos);
    }

    private Token LexOperator()
    {
        foreach (var op in Operators)
        {
            if (At(op))
            {
                var start = _pos;
                _pos += op.Length;
                return new Token(TokenKind.Operator, op, start, _pos);
            }
        }

        throw new TemplateSyntaxException($"Unexpected character `{_text[_pos]}`", _pos, _pos + 1);
    }

    private Token LexString(char quote)
    {
        var start = _pos++;
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length)
            {
                throw new TemplateSyntaxException($"Unexpected end of file while parsing a string not terminated by a {quote}", start, _pos);
            }

            var c = _text[_pos++];
            if (c == quote)
            {
                break;
            }

            if (c == '\\')
            {
                ReadEscape(sb, start);
            }
            else
            {
                sb.Append(c);
            }
        }

        return new Token(TokenKind.String, sb.ToString(), start, _pos);
    }

    private void ReadEscape(StringBuilder sb, int start)
    {
        if (_pos >= _text.Length)
        {
            throw new TemplateSyntaxException("Unexpected end of file in an escape sequence", start, _pos);
        }

        var e = _text[_pos++];
        switch (e)
        {
            case 'n': sb.Append('\n'); break;
            case 'r': sb.Append('\r'); break;
            case 't': sb.Append('\t'); break;
            case 'b': sb.Append('\b'); break;
            case 'f': sb.Append('\f'); break;
            case '0': sb.Append('\0'); break;
            case 'u':
                sb.Append((char)ReadHex(4, start));
                break;
            case 'x':
                sb.Append((char)ReadHex(2, start));
                break;
            default:
                sb.Append(e);
                break;
        }
    }

    private int ReadHex(int digits, int start)
    {
        if (_pos + digits > _text.Length
            || !int.TryParse(_text.Substring(_pos, digits), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value))
        {
            throw new TemplateSyntaxException("Invalid escape sequence in a string", start, _pos);
        }

        _pos += digits;
        return value;
    }

    private Token LexVerbatim()
    {
        var start = _pos++;
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length)
            {
                throw new TemplateSyntaxException("Unexpected end of file while parsing a verbatim string not terminated by a `", start, _pos);
            }

            var c = _text[_pos++];
            if (c == '`')
            {
                if (_pos < _text.Length && _text[_pos] == '`')
                {
                    sb.Append('`');
                    _pos++;
                    continue;
                }

                break;
            }

            sb.Append(c);
        }

        return new Token(TokenKind.String, sb.ToString(), start, _pos);
    }

    private Token LexInterpolated()
    {
        var start = _pos;
        var quote = _text[_pos + 1];
        _pos += 2;
        var parts = new List<object>();
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length)
            {
                throw new TemplateSyntaxException($"Unexpected end of file while parsing a string not terminated by a {quote}", start, _pos);
            }

            var c = _text[_pos++];
            if (c == quote)
            {
                break;
            }

            if (c == '\\')
            {
                if (_pos < _text.Length && (_text[_pos] == '{' || _text[_pos] == '}'))
                {
                    sb.Append(_text[_pos++]);
                }
                else
                {
                    ReadEscape(sb, start);
                }
            }
            else if (c == '{')
            {
                if (sb.Length > 0)
                {
                    parts.Add(sb.ToString());
                    sb.Clear();
                }

                var inner = new List<Token>();
                var exprStart = _pos;
                LexCode(inner, inInterpolation: true);
                inner.Add(new Token(TokenKind.EndOfFile, "}", _pos - 1, _pos));
                if (inner.Count == 1)
                {
                    throw new TemplateSyntaxException("Expecting an expression in the interpolated string", exprStart, _pos);
                }

                parts.Add(inner);
            }
            else
            {
                sb.Append(c);
            }
        }

        if (sb.Length > 0)
        {
            parts.Add(sb.ToString());
        }

        return new Token(TokenKind.Interpolated, _text.Substring(start, _pos - start), start, _pos) { Parts = parts };
    }

    private Token LexNumber()
    {
        var start = _pos;
        if (_text[_pos] == '0' && _pos + 1 < _text.Length && (_text[_pos + 1] is 'x' or 'X' or 'b' or 'B'))
        {
            var hex = _text[_pos + 1] is 'x' or 'X';
            _pos += 2;
            BigInteger value = 0;
            var any = false;
            while (_pos < _text.Length && (_text[_pos] == '_' || (hex ? Uri.IsHexDigit(_text[_pos]) : _text[_pos] is '0' or '1')))
            {
                if (_text[_pos] != '_')
                {
                    value = (value * (hex ? 16 : 2)) + int.Parse(_text[_pos].ToString(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                    any = true;
                }

                _pos++;
            }

            if (!any)
            {
                throw new TemplateSyntaxException("Invalid number literal", start, _pos);
            }

            return IntegerToken(value, start);
        }

        var digits = new StringBuilder();
        ReadDigits(digits);
        var isReal = false;
        if (_pos + 1 < _text.Length && _text[_pos] == '.' && char.IsDigit(_text[_pos + 1]))
        {
            isReal = true;
            digits.Append('.');
            _pos++;
            ReadDigits(digits);
        }

        var exponent = 0;
        var hasExponent = false;
        if (_pos < _text.Length && (_text[_pos] == 'e' || _text[_pos] == 'E'))
        {
            var save = _pos;
            _pos++;
            var sign = 1;
            if (_pos < _text.Length && (_text[_pos] == '+' || _text[_pos] == '-'))
            {
                sign = _text[_pos] == '-' ? -1 : 1;
                _pos++;
            }

            if (_pos < _text.Length && char.IsDigit(_text[_pos]))
            {
                var exp = new StringBuilder();
                ReadDigits(exp);
                exponent = sign * int.Parse(exp.ToString(), CultureInfo.InvariantCulture);
                hasExponent = true;
            }
            else
            {
                _pos = save;
            }
        }

        var suffix = _pos < _text.Length ? char.ToLowerInvariant(_text[_pos]) : '\0';
        if (suffix is 'f' or 'd' or 'm')
        {
            _pos++;
            var text = digits + (hasExponent ? "E" + exponent.ToString(CultureInfo.InvariantCulture) : "");
            return suffix switch
            {
                'f' => new Token(TokenKind.Number, float.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture), start, _pos) { NumberKind = NumberKind.Single },
                'm' => new Token(TokenKind.Number, decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture), start, _pos) { NumberKind = NumberKind.Decimal },
                _ => new Token(TokenKind.Number, double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture), start, _pos) { NumberKind = NumberKind.Double },
            };
        }

        if (!isReal && exponent < 0)
        {
            // Scriban reads `1e-3` as an integer and fails; `1.0e-3` is the double.
            throw new TemplateSyntaxException($"Unable to parse the integer {_text.Substring(start, _pos - start)}", start, _pos);
        }

        if (isReal)
        {
            var text = digits + (hasExponent ? "E" + exponent.ToString(CultureInfo.InvariantCulture) : "");
            return new Token(TokenKind.Number, double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture), start, _pos) { NumberKind = NumberKind.Double };
        }

        var integer = BigInteger.Parse(digits.ToString(), CultureInfo.InvariantCulture) * BigInteger.Pow(10, exponent);
        return IntegerToken(integer, start);
    }

    private Token IntegerToken(BigInteger value, int start)
    {
        var unsigned = false;
        if (_pos < _text.Length && (_text[_pos] == 'u' || _text[_pos] == 'U'))
        {
            unsigned = true;
            _pos++;
        }

        if (_pos < _text.Length && (_text[_pos] == 'l' || _text[_pos] == 'L'))
        {
            _pos++;
        }

        if (_pos < _text.Length && IsIdentifierPart(_text[_pos]))
        {
            throw new TemplateSyntaxException($"Invalid number literal `{_text.Substring(start, _pos - start + 1)}`", start, _pos + 1);
        }

        NumberKind kind;
        if (unsigned)
        {
            kind = value <= uint.MaxValue ? NumberKind.UInt32 : value <= ulong.MaxValue ? NumberKind.UInt64 : NumberKind.BigInteger;
        }
        else
        {
            kind = value <= int.MaxValue ? NumberKind.Int32 : value <= long.MaxValue ? NumberKind.Int64 : NumberKind.BigInteger;
        }

        return new Token(TokenKind.Number, value.ToString(CultureInfo.InvariantCulture), start, _pos) { NumberKind = kind };
    }

    private void ReadDigits(StringBuilder sb)
    {
        while (_pos < _text.Length && (char.IsDigit(_text[_pos]) || (_text[_pos] == '_' && sb.Length > 0)))
        {
            if (_text[_pos] != '_')
            {
                sb.Append(_text[_pos]);
            }

            _pos++;
        }
    }

    /// <summary>Trims text next to <c>{{-</c>, <c>-}}</c>, <c>{{~</c>, <c>~}}</c> and computes auto-indentation.</summary>
    private static void ApplyWhitespaceControl(List<Token> tokens)
    {
        // Text whose line break was taken by a `~}}` before it: a {{ after it still starts its line in the source.
        var lineTrimmed = new HashSet<Token>();
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (token.Kind != TokenKind.Text || token.IsEscape)
            {
                continue;
            }

            var text = token.Text;
            if (i > 0 && tokens[i - 1].Kind == TokenKind.CodeExit)
            {
                text = tokens[i - 1].Marker switch
                {
                    '-' => text.TrimStart(),
                    '~' => TrimLineStart(text),
                    _ => text,
                };
                if (tokens[i - 1].Marker == '~' && text.Length < token.Text.Length && token.Text.Substring(0, token.Text.Length - text.Length).IndexOf('\n') >= 0)
                {
                    lineTrimmed.Add(token);
                }
            }

            if (i + 1 < tokens.Count && tokens[i + 1].Kind == TokenKind.CodeEnter)
            {
                text = tokens[i + 1].Marker switch
                {
                    '-' => text.TrimEnd(),
                    '~' => TrimLineEnd(text),
                    _ => text,
                };
            }

            // Keep the span on what is left, so positions point at the text that is written.
            if (text.Length > 0)
            {
                var at = token.Text.IndexOf(text, StringComparison.Ordinal);
                token.Start += at;
                token.End = token.Start + text.Length;
            }

            token.Text = text;
        }

        // A {{ preceded on its line only by whitespace takes that whitespace as its indent. Any other code block has the
        // empty indent: in Scriban every code block sets the indentation of what it writes (none, unless it starts a line).
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (token.Kind != TokenKind.CodeEnter || token.IsEscape)
            {
                continue;
            }

            token.Indent = "";
            if (token.Marker != '\0')
            {
                continue;
            }

            if (i > 0 && tokens[i - 1].Kind == TokenKind.Text && !tokens[i - 1].IsEscape)
            {
                var text = tokens[i - 1].Text;
                var lineStart = text.LastIndexOf('\n') + 1;
                if (lineStart > 0 || i == 1 || lineTrimmed.Contains(tokens[i - 1]))
                {
                    // At the start of a line the indent may be empty: it still replaces an enclosing block's indent.
                    var tail = text.Substring(lineStart);
                    if ((tail.Length > 0 || lineStart > 0 || lineTrimmed.Contains(tokens[i - 1])) && IsBlank(tail))
                    {
                        token.Indent = tail;
                    }
                }
            }
        }
    }

    private static bool IsBlank(string s)
    {
        foreach (var c in s)
        {
            if (!char.IsWhiteSpace(c) || c == '\n')
            {
                return false;
            }
        }

        return true;
    }

    private static string TrimLineStart(string text)
    {
        var i = 0;
        while (i < text.Length && text[i] != '\n' && char.IsWhiteSpace(text[i]) && text[i] != '\r')
        {
            i++;
        }

        if (i < text.Length && text[i] == '\n')
        {
            i++;
        }
        else if (i + 1 < text.Length && text[i] == '\r' && text[i + 1] == '\n')
        {
            i += 2;
        }

        return text.Substring(i);
    }

    private static string TrimLineEnd(string text)
    {
        var i = text.Length;
        while (i > 0 && text[i - 1] != '\n' && char.IsWhiteSpace(text[i - 1]))
        {
            i--;
        }

        return text.Substring(0, i);
    }

    /// <summary>The line/column span of a character span.</summary>
    public static TemplateSpan SpanOf(SourceText text, int start, int end)
    {
        var span = TextSpan.FromBounds(Math.Min(start, text.Length), Math.Min(Math.Max(start, end), text.Length));
        return new TemplateSpan(span, text.Lines.GetLinePositionSpan(span));
    }
}
