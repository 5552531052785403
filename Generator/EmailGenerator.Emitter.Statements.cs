using System;
using System.Text;
using TypedMail.Generator.Helpers;
using TypedMail.Generator.Templates;

namespace TypedMail.Generator;

public sealed partial class EmailGenerator
{
    /// <summary>The statements of a compiled template, as the body of its render method.</summary>
    internal static partial class Emitter
    {
        private static void EmitStatement(SourceWriter w, BoundStatement statement)
        {
            switch (statement)
            {
                case BoundText text:
                    w.WriteLine($"output.{(text.Verbatim ? "WriteVerbatim" : "WriteString")}({Literal(text.Text)});");
                    break;
                case BoundWrite write:
                    w.WriteLine(WriteCall(write, "") ?? $"_ = {Expression(write.Value)};");
                    break;
                case BoundComment comment:
                    w.WriteComment(comment.Text);
                    break;
                case BoundLocal local:
                    w.WriteLine($"var {local.Name} = {Expression(local.Value)};");
                    break;
                case BoundAssign assign:
                    // `x = x` changes nothing: it only reads x (as `x = x` it would be warning CS1717, and without the
                    // read a variable given only constants would be warning CS0219).
                    var self = assign.Value is BoundLocalReference { Name: var name } && name == assign.Variable;
                    w.WriteLine($"{(self ? "_" : assign.Variable ?? "_")} = {Expression(assign.Value)};");

                    break;
                case BoundEvaluate evaluate:
                    w.WriteLine(Expression(evaluate.Call) + ";");
                    break;
                case BoundSetDateFormat format:
                    w.WriteLine($"output.DateFormat = {Expression(format.Value)};");
                    break;
                case BoundCaptureStart capture:
                    w.WriteLine($"var {capture.Mark} = output.BeginCapture();");
                    break;
                case BoundCaptureEnd captured:
                    w.WriteLine($"var {captured.Name} = output.EndCapture({captured.Mark});");
                    break;
                case BoundLoopControl control:
                    w.WriteLine(control.IsBreak ? "break;" : "continue;");
                    break;
                case BoundIf @if:
                    EmitBlock(w, $"if ({Expression(@if.Condition)})", @if.Then);
                    if (@if.Else.Count > 0)
                    {
                        EmitBlock(w, "else", @if.Else);
                    }

                    break;
                case BoundWhile @while:
                    // The loop limit (LoopLimit) and the loop variables: each iteration is counted by the writer.
                    w.WriteLine("output.EnterLoop();");
                    w.WriteLine($"for (var {@while.Index} = 0; {Expression(@while.Condition)}; {@while.Index}++)");
                    w.OpenBrace();
                    w.WriteLine($"output.StepLoop({Literal(@while.Location)});");
                    EmitStatements(w, @while.Body);
                    w.CloseBrace();
                    w.WriteLine("output.ExitLoop();");
                    break;
                case BoundIndent indent:
                    w.WriteLine(indent.Indent is null ? "output.EnterPartial();" : $"output.PushIndent({Literal(indent.Indent)});");
                    if (indent.LeavesEarly)
                    {
                        EmitBlock(w, "try", indent.Body);
                        w.WriteLine("finally");
                        w.OpenBrace();
                        w.WriteLine("output.PopIndent();");
                        w.CloseBrace();
                    }
                    else
                    {
                        EmitStatements(w, indent.Body);
                        w.WriteLine("output.PopIndent();");
                    }

                    break;
                case BoundScope scope:
                    w.OpenBrace();
                    EmitStatements(w, scope.Body);
                    w.CloseBrace();
                    break;
                case BoundFor @for:
                    EmitFor(w, @for);
                    break;
            }
        }

        /// <summary>A <c>for</c> loop: the list read by index between its offset and limit; the writer counts iterations.</summary>
        private static void EmitFor(SourceWriter w, BoundFor loop)
        {
            w.WriteLine("output.EnterLoop();");
            var source = Expression(loop.Source);
            if (loop.CopiedElement is { } element)
            {
                // Only enumerable: copied to a list, to be read by index.
                var list = $"new global::System.Collections.Generic.List<{element.Declaration}>";
                source = loop.Source.Type.Nullable ? $"{source} is {{ }} {loop.Items}Source ? {list}({loop.Items}Source) : null" : $"{list}({source})";
            }

            if (loop.SourceMayBeNull)
            {
                w.WriteLine($"if ({source} is {{ }} {loop.Items})");
                w.OpenBrace();
            }
            else
            {
                w.WriteLine($"var {loop.Items} = {source};");
            }

            var count = loop.Count;
            w.WriteLine($"var {count} = {loop.Items}.{(loop.IsArray ? "Length" : "Count")};");
            var length = count;
            if (loop.Offset is { } offset)
            {
                w.WriteLine($"var {offset.Name} = global::System.Math.Min(global::System.Math.Max({Expression(offset.Value)}, 0), {count});");
                length = $"{count} - {offset.Name}";
            }

            if (loop.Limit is { } limit)
            {
                // Scriban applies `limit:` only when it is positive: `limit:0` iterates everything.
                w.WriteLine($"var {limit.Name} = {Expression(limit.Value)};");
                length = $"{limit.Name} > 0 ? global::System.Math.Min({length}, {limit.Name}) : {length}";
            }

            w.WriteLine($"var {loop.Length} = {length};");
            if (loop.Changed is { } changed)
            {
                w.WriteLine($"object? {changed.Name} = null;");
            }

            var item = loop.Reversed ? $"{count} - 1 - {loop.Index}" : loop.Offset is { } start ? $"{start.Name} + {loop.Index}" : loop.Index;
            w.WriteLine($"for (var {loop.Index} = 0; {loop.Index} < {loop.Length}; {loop.Index}++)");
            w.OpenBrace();
            w.WriteLine($"output.StepLoop({Literal(loop.Location)});");
            w.WriteLine($"var {loop.Variable} = {loop.Items}[{item}];");
            if (loop.Changed is { } previous)
            {
                var current = Expression(previous.Value);
                w.WriteLine($"var {loop.Variable}Changed = {loop.Index} == 0 || !{Rendering}ScriptValue.AreEqual({previous.Name}, {current});");
                w.WriteLine($"{previous.Name} = {current};");
            }

            EmitStatements(w, loop.Body);
            w.CloseBrace();
            if (loop.Else.Count > 0)
            {
                EmitBlock(w, $"if ({loop.Length} == 0)", loop.Else);
            }

            if (loop.SourceMayBeNull)
            {
                w.CloseBrace();
            }

            w.WriteLine("output.ExitLoop();");
        }

        private static void EmitBlock(SourceWriter w, string header, EquatableArray<BoundStatement> statements)
        {
            w.WriteLine(header);
            w.OpenBrace();
            EmitStatements(w, statements);
            w.CloseBrace();
        }

        private static void EmitStatements(SourceWriter w, EquatableArray<BoundStatement> statements)
        {
            for (var i = 0; i < statements.Count; i++)
            {
                var statement = statements[i];
                if (statement is BoundText text)
                {
                    // Texts that meet (where the layout's content or a partial starts or ends) are written by one call,
                    // under the comments that stood between them: the writer indents text the same whether it comes in
                    // one piece or in several.
                    text = new BoundText(MergeTexts(w, statements, i, out i), text.Verbatim);
                    statement = text;

                    // A text and the value written after it (past the value's comment) are written by one call.
                    var value = i + 1;
                    while (value < statements.Count && statements[value] is BoundComment)
                    {
                        value++;
                    }

                    if (!text.Verbatim && value < statements.Count && statements[value] is BoundWrite write && WriteCall(write, Literal(text.Text) + ", ") is { } fused)
                    {
                        for (var k = i + 1; k < value; k++)
                        {
                            EmitStatement(w, statements[k]);
                        }

                        w.WriteLine(fused);
                        i = value;
                        continue;
                    }
                }

                EmitStatement(w, statement);
            }
        }

        /// <summary>
        /// The texts from <paramref name="first"/> on (a text) with only comments between them, as one text; the comments
        /// are written first. <paramref name="last"/> is the index of the last text.
        /// </summary>
        private static string MergeTexts(SourceWriter w, EquatableArray<BoundStatement> statements, int first, out int last)
        {
            var verbatim = ((BoundText)statements[first]).Verbatim;
            last = first;
            for (var k = first + 1; k < statements.Count; k++)
            {
                if (statements[k] is BoundComment)
                {
                    continue;
                }

                if (statements[k] is not BoundText following || following.Verbatim != verbatim)
                {
                    break;
                }

                last = k;
            }

            if (last == first)
            {
                return ((BoundText)statements[first]).Text;
            }

            var merged = new StringBuilder();
            for (var k = first; k <= last; k++)
            {
                if (statements[k] is BoundText part)
                {
                    merged.Append(part.Text);
                }
                else
                {
                    EmitStatement(w, statements[k]);
                }
            }

            return merged.ToString();
        }

        /// <summary>
        /// The <c>TemplateWriter</c> method that writes a value of this kind as text. Each type has its own name (its
        /// nullable form aside), so the compiler resolves each of the many write calls against one or two candidates.
        /// </summary>
        private static string TextWriteMethod(BoundKind kind) => kind switch
        {
            BoundKind.String or BoundKind.Html => "WriteString",
            BoundKind.Boolean => "WriteBoolean",
            BoundKind.Int32 => "WriteInt32",
            BoundKind.Int64 => "WriteInt64",
            BoundKind.Double => "WriteDouble",
            BoundKind.Decimal => "WriteDecimal",
            BoundKind.Single => "WriteSingle",
            _ => throw new InvalidOperationException($"A {kind} value is not written as text."),
        };

        /// <summary>
        /// The call that writes a value, after <paramref name="text"/> (<c>"template text", </c>: the writer's methods take the
        /// template text before the value too); <see langword="null"/> for a value that is evaluated and not written, and for a
        /// <c>char</c> after a text (rare: written by its own call).
        /// </summary>
        private static string? WriteCall(BoundWrite write, string text)
        {
            var code = Expression(write.Value);
            var html = write.Html ? "true" : "false";
            return write.Kind switch
            {
                BoundWriteKind.Text => $"output.{TextWriteMethod(write.Value.Type.Kind)}({text}{code});",
                BoundWriteKind.EncodedText => $"output.WriteHtml({text}{code});",
                BoundWriteKind.Date => $"output.WriteDate({text}{code}, {html});",
                BoundWriteKind.Char when text.Length == 0 => $"output.WriteText({code}.ToString(), {html});",
                BoundWriteKind.Value => $"output.WriteValue({text}{code}, {html});",
                _ => null,
            };
        }
    }
}
