using System.Collections.Generic;
using TypedMail.Generator.Helpers;

namespace TypedMail.Generator.Templates;

internal sealed partial class TemplateBinder
{
    /// <summary>
    /// Writes included partials and indented regions in place where their own C# scope or their indentation would change
    /// nothing, so that the texts on either side meet and the emitter writes them with one call (the compiler's time on
    /// the generated code is per statement). A partial keeps its scope when it declares a local; an indented region keeps
    /// its indentation unless it writes only text without a line break, starting in the middle of a line (where the
    /// writer indents nothing).
    /// </summary>
    /// <param name="statements">The bound statements.</param>
    /// <param name="midLine">Whether the output is known to be in the middle of a line where the statements start.</param>
    /// <returns>The same statements, with those regions written in place.</returns>
    private static List<BoundStatement> Inline(IEnumerable<BoundStatement> statements, bool midLine)
    {
        var result = new List<BoundStatement>();
        var entry = midLine;
        foreach (var statement in statements)
        {
            midLine = MidLine(result, entry);
            switch (statement)
            {
                case BoundScope scope:
                    var body = Inline(scope.Body, midLine);
                    if (DeclaresNothing(body))
                    {
                        result.AddRange(body);
                    }
                    else
                    {
                        result.Add(new BoundScope(body.ToEquatableArray()));
                    }

                    break;
                case BoundIndent indent:
                    var indented = Inline(indent.Body, midLine);
                    if (midLine && IsTextWithoutLineBreak(indented))
                    {
                        result.AddRange(indented);
                    }
                    else
                    {
                        result.Add(indent with { Body = indented.ToEquatableArray() });
                    }

                    break;
                case BoundIf @if:
                    result.Add(@if with { Then = Inline(@if.Then, midLine).ToEquatableArray(), Else = Inline(@if.Else, midLine).ToEquatableArray() });
                    break;
                case BoundFor loop:
                    // Each iteration starts where the previous one ended: nothing is known there.
                    result.Add(loop with { Body = Inline(loop.Body, false).ToEquatableArray(), Else = Inline(loop.Else, midLine).ToEquatableArray() });
                    break;
                case BoundWhile loop:
                    result.Add(loop with { Body = Inline(loop.Body, false).ToEquatableArray() });
                    break;
                default:
                    result.Add(statement);
                    break;
            }
        }

        return result;
    }

    /// <summary>Whether the output is in the middle of a line after <paramref name="written"/>: known only after a text (comments write nothing).</summary>
    private static bool MidLine(List<BoundStatement> written, bool entry)
    {
        for (var i = written.Count - 1; i >= 0; i--)
        {
            switch (written[i])
            {
                case BoundComment:
                case BoundText { Text.Length: 0 }:
                    continue;
                case BoundText text:
                    return text.Text[text.Text.Length - 1] != '\n';
                default:
                    return false;
            }
        }

        return entry;
    }

    private static bool IsTextWithoutLineBreak(List<BoundStatement> statements)
    {
        foreach (var statement in statements)
        {
            if (statement is not BoundComment && (statement is not BoundText text || text.Text.IndexOf('\n') >= 0))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether statements written in the enclosing C# block would declare no local there.</summary>
    private static bool DeclaresNothing(IEnumerable<BoundStatement> statements)
    {
        foreach (var statement in statements)
        {
            switch (statement)
            {
                case BoundLocal or BoundCaptureStart or BoundCaptureEnd or BoundFor:
                    return false;
                case BoundIndent { LeavesEarly: false } indent when !DeclaresNothing(indent.Body):
                    // Written without braces of its own.
                    return false;
            }
        }

        return true;
    }
}
