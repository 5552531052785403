using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis.Text;

namespace TypedMail.Generator.Tests.Analyzers.Infrastructure;

/// <summary>
/// Test source with the expected diagnostic spans marked <c>[|like this|]</c>. <see cref="Parse"/> returns the
/// source without the marks and the marked spans, in order.
/// </summary>
public static class Markup
{
    private const string Open = "[|";
    private const string Close = "|]";

    public static (string Code, ImmutableArray<TextSpan> Spans) Parse(string markup)
    {
        var code = new StringBuilder(markup.Length);
        var open = new Stack<int>();
        var spans = new List<TextSpan>();
        for (var i = 0; i < markup.Length; i++)
        {
            if (string.CompareOrdinal(markup, i, Open, 0, Open.Length) == 0)
            {
                open.Push(code.Length);
                i += Open.Length - 1;
            }
            else if (string.CompareOrdinal(markup, i, Close, 0, Close.Length) == 0)
            {
                if (open.Count == 0)
                {
                    throw new FormatException($"'{Close}' at offset {i} has no '{Open}' before it.");
                }

                var start = open.Pop();
                spans.Add(TextSpan.FromBounds(start, code.Length));
                i += Close.Length - 1;
            }
            else
            {
                code.Append(markup[i]);
            }
        }

        if (open.Count > 0)
        {
            throw new FormatException($"'{Open}' at output offset {open.Peek()} is never closed.");
        }

        return (code.ToString(), spans.OrderBy(s => s.Start).ThenBy(s => s.Length).ToImmutableArray());
    }
}
