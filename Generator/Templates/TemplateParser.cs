using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis.Text;
using TypedMail.Generator.Helpers;

namespace TypedMail.Generator.Templates;

/// <summary>Parses template text into nodes: literal text and <c>{{ variable }}</c> blocks.</summary>
internal static class TemplateParser
{
    public static ParsedTemplate Parse(SourceText text, CancellationToken cancellationToken)
    {
        var source = text.ToString();
        var nodes = new List<TemplateNode>();
        var errors = new List<TemplateError>();
        var position = 0;
        while (position < source.Length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var open = source.IndexOf("{{", position, System.StringComparison.Ordinal);
            if (open < 0)
            {
                nodes.Add(Text(text, source.Substring(position), position, source.Length));
                break;
            }

            if (open > position)
            {
                nodes.Add(Text(text, source.Substring(position, open - position), position, open));
            }

            var close = source.IndexOf("}}", open + 2, System.StringComparison.Ordinal);
            if (close < 0)
            {
                var span = new TextSpan(open, 2);
                errors.Add(new TemplateError("'{{' is not closed with '}}'", span, text.Lines.GetLinePositionSpan(span)));
                break;
            }

            var inner = source.Substring(open + 2, close - open - 2).Trim();
            var blockSpan = TextSpan.FromBounds(open, close + 2);
            if (IsIdentifier(inner))
            {
                nodes.Add(new VariableNode(inner, source.Substring(open, close + 2 - open), blockSpan, text.Lines.GetLinePositionSpan(blockSpan)));
            }
            else
            {
                errors.Add(new TemplateError($"'{inner}' is not a variable name", blockSpan, text.Lines.GetLinePositionSpan(blockSpan)));
            }

            position = close + 2;
        }

        return new ParsedTemplate(nodes.ToEquatableArray(), errors.ToEquatableArray());
    }

    private static TextNode Text(SourceText text, string value, int start, int end)
    {
        var span = TextSpan.FromBounds(start, end);
        return new TextNode(value, span, text.Lines.GetLinePositionSpan(span));
    }

    private static bool IsIdentifier(string value)
    {
        if (value.Length == 0 || !(char.IsLetter(value[0]) || value[0] == '_'))
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!(char.IsLetterOrDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }
}
