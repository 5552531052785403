using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis.CSharp;
using TypedMail.Generator.Helpers;
using TypedMail.Generator.Model;

namespace TypedMail.Generator.Templates;

/// <summary>
/// Binds a parsed template to an email's types and produces its bound tree (<see cref="BoundTemplate"/>): names resolve
/// to the record's members, template variables, loop variables and builtins (<see cref="BuiltinCatalog"/>); every
/// expression becomes a typed node (<see cref="BoundExpression"/>) and every statement a bound node; the binder writes no
/// C#, the emitter does. What Scriban would only find out at run time but the types tell now (unknown names, loops over
/// non-lists, wrong arguments) becomes a TM2xxx diagnostic. Template variable types are inferred by running the binder
/// until they stop changing.
/// </summary>
internal sealed partial class TemplateBinder
{
    private const int MaxPasses = 6;


    private readonly EmailSpec _email;
    private readonly Dictionary<string, TypeSpec> _types = new(StringComparer.Ordinal);
    private readonly IReadOnlyDictionary<string, TemplateFileSpec> _partials;
    private readonly TemplateFileSpec _file;
    private readonly TemplateFileSpec? _layout;
    private readonly bool _html;

    // Inference state, carried from one pass to the next.
    private Dictionary<string, BoundType> _known = new(StringComparer.Ordinal);
    private HashSet<string> _readKnown = new(StringComparer.Ordinal);

    // The writer's auto-indentation where the statement being bound is written, known at build time: the indent of the
    // innermost partial (what its blocks indent relative to) and the current indent, as TemplateWriter holds them.
    private string _indentBase = "";
    private string _indent = "";

    // Per-pass state.
    private Dictionary<string, BoundType> _assigned = new(StringComparer.Ordinal);
    private HashSet<string> _read = new(StringComparer.Ordinal);
    private HashSet<string> _conflicts = new(StringComparer.Ordinal);
    private List<DiagnosticInfo> _diagnostics = [];
    private HashSet<string> _usedNames = new(StringComparer.Ordinal);
    private Dictionary<string, string> _globalNames = new(StringComparer.Ordinal);
    private List<LoopFrame> _loops = [];
    private List<Page> _pages = [];
    private List<string> _includeStack = [];
    private List<BoundStatement> _pending = [];
    private TemplateFileSpec _current;
    private int _includeCount;
    private int _contentWrites;

    private TemplateBinder(TemplateFileSpec file, TemplateFileSpec? layout, EmailSpec email, IReadOnlyDictionary<string, TemplateFileSpec> partials)
    {
        _file = file;
        _current = file;
        _layout = layout;
        _email = email;
        _partials = partials;
        _html = file.Kind == TemplateKind.Html;
        foreach (var type in email.Types)
        {
            _types[type.Id] = type;
        }
    }

    /// <summary>Compiles a template (and its layout and partials) against an email.</summary>
    /// <returns>The compiled template, or <see langword="null"/> when an error stops code generation.</returns>
    public static BoundTemplate? Bind(
        TemplateFileSpec file,
        TemplateFileSpec? layout,
        EmailSpec email,
        IReadOnlyDictionary<string, TemplateFileSpec> partials,
        List<DiagnosticInfo> diagnostics)
    {
        var binder = new TemplateBinder(file, layout, email, partials);
        return binder.Run(diagnostics);
    }

    private BoundTemplate? Run(List<DiagnosticInfo> diagnostics)
    {
        if (_file.Template.Error is { } error)
        {
            diagnostics.Add(SyntaxError(_file, error));
            return null;
        }

        if (_layout?.Template.Error is { } layoutError)
        {
            diagnostics.Add(SyntaxError(_layout, layoutError));
            return null;
        }

        List<BoundStatement> statements = [];
        for (var pass = 0; pass < MaxPasses; pass++)
        {
            ResetPass();
            statements = BindRoot();
            var stable = SameTypes(_assigned, _known) && _read.SetEquals(_readKnown);
            _known = Widen(_known, _assigned, pass == MaxPasses - 2);
            _readKnown = _read;
            if (stable)
            {
                break;
            }
        }

        diagnostics.AddRange(_diagnostics);
        if (_file.Kind == TemplateKind.Subject)
        {
            foreach (var lineBreak in _file.Template.LineBreaks)
            {
                diagnostics.Add(Diagnostic(DiagnosticDescriptors.SubjectNotOneLine, _file, lineBreak, _file.FileName));
            }
        }

        foreach (var d in _diagnostics)
        {
            if (d.Descriptor.DefaultSeverity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error && d.Descriptor.Id != DiagnosticDescriptors.UnknownTemplateMember.Id)
            {
                return null;
            }
        }

        var variables = new List<BoundVariable>();
        foreach (var pair in _globalNames)
        {
            if (_known.TryGetValue(pair.Key, out var type) && _read.Contains(pair.Key))
            {
                variables.Add(new BoundVariable(pair.Value, type.AsNullable()));
            }
        }

        statements = Inline(statements, midLine: false);

        // A template of text only (no code ran) is its text.
        if (statements.All(s => s is BoundText or BoundComment))
        {
            var text = string.Concat(statements.OfType<BoundText>().Select(s => s.Text));
            return new BoundTemplate(EquatableArray<BoundVariable>.Empty, EquatableArray<BoundStatement>.Empty, text, text.Length);
        }

        return new BoundTemplate(variables.ToEquatableArray(), statements.ToEquatableArray(), null, EstimateCapacity());
    }

    private int _literalLength;
    private int _dynamicWrites;

    private int EstimateCapacity()
    {
        var estimate = _literalLength + (_dynamicWrites * 24);
        var capacity = 64;
        while (capacity < estimate && capacity < 1 << 20)
        {
            capacity <<= 1;
        }

        return capacity;
    }

    private void ResetPass()
    {
        _assigned = new Dictionary<string, BoundType>(StringComparer.Ordinal);
        _read = new HashSet<string>(StringComparer.Ordinal);
        _conflicts = new HashSet<string>(StringComparer.Ordinal);
        _diagnostics = [];
        _usedNames = new HashSet<string>(StringComparer.Ordinal) { "output", "model" };
        _globalNames = new Dictionary<string, string>(StringComparer.Ordinal);
        _loops = [];
        _pages = [new Page("")];
        _includeStack = [_file.BaseName];
        _pending = [];
        _current = _file;
        _includeCount = 0;
        _contentWrites = 0;
        _literalLength = 0;
        _dynamicWrites = 0;
        _indentBase = "";
        _indent = "";

        // Globals get their C# names first, in a stable order, so the generated code reads well.
        foreach (var name in _known.Keys.OrderBy(k => k, StringComparer.Ordinal))
        {
            _globalNames[name] = Unique(name);
        }
    }

    private List<BoundStatement> BindRoot()
    {
        var output = new List<BoundStatement>();
        if (_layout is not null)
        {
            _current = _layout;
            BindBlock(_layout.Template.Body, output);
            _current = _file;
            if (_contentWrites != 1)
            {
                _diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.LayoutContent,
                    new LocationInfo(_layout.Path, default, default),
                    _layout.BaseName,
                    _contentWrites.ToString(CultureInfo.InvariantCulture)));
            }
        }
        else
        {
            BindBlock(_file.Template.Body, output);
        }

        return output;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Statements
    // ------------------------------------------------------------------------------------------------------------

    private void BindBlock(BlockStatement block, List<BoundStatement> output)
    {
        foreach (var statement in block.Statements)
        {
            BindStatement(statement, output);
        }
    }

    private void BindStatement(Statement statement, List<BoundStatement> output)
    {
        var sink = new List<BoundStatement>();
        switch (statement)
        {
            case TextStatement text:
                WriteLiteral(text.Text, text.IsEscape, sink);
                break;
            case BlockStatement block:
                BindBlock(block, sink);
                break;
            case IndentStatement indent:
                BindIndent(indent, sink);
                break;
            case ExpressionStatement expression:
                BindExpressionStatement(expression, sink);
                break;
            case AssignStatement assign:
                BindAssign(assign, sink);
                break;
            case IfStatement @if:
                BindIf(@if, sink, isElseIf: false);
                break;
            case ForStatement @for:
                BindFor(@for, sink);
                break;
            case WhileStatement @while:
                BindWhile(@while, sink);
                break;
            case CaseStatement @case:
                BindCase(@case, sink);
                break;
            case CaptureStatement capture:
                BindCapture(capture, sink);
                break;
            case LoopControlStatement control:
                if (_loops.Count == 0)
                {
                    Report(DiagnosticDescriptors.LoopControlOutsideLoop, control.Span, control.IsBreak ? "break" : "continue", "for or while");
                }
                else
                {
                    sink.Add(new BoundLoopControl(control.IsBreak));
                }

                break;
        }

        if (_pending.Count > 0)
        {
            output.AddRange(_pending);
            _pending = [];
        }

        output.AddRange(sink);
    }

    private void WriteLiteral(string text, bool verbatim, List<BoundStatement> sink)
    {
        if (text.Length == 0)
        {
            return;
        }

        _literalLength += text.Length;
        sink.Add(new BoundText(text, verbatim));
    }

    private void BindIndent(IndentStatement indent, List<BoundStatement> sink)
        => BindIndented(indent.Indent, indent.Body, sink, body => BindBlock(indent.Body, body));

    /// <summary>
    /// Binds statements written with an indent (<paramref name="indent"/>, which replaces the enclosing block's within the
    /// partial) or, when <paramref name="indent"/> is <see langword="null"/>, the body of a partial or layout (whose blocks
    /// indent relative to where it is written): as a <see cref="BoundIndent"/>, or in place when that would leave the
    /// writer's indentation as it is (most code blocks: an empty indent where no other is active).
    /// </summary>
    private void BindIndented(string? indent, Statement source, List<BoundStatement> sink, Action<List<BoundStatement>> bind)
    {
        var (outerBase, outerIndent) = (_indentBase, _indent);
        if (indent is null)
        {
            _indentBase = _indent;
        }
        else
        {
            _indent = _indentBase + indent;
        }

        if (_indentBase == outerBase && _indent == outerIndent)
        {
            bind(sink);
            return;
        }

        var body = new List<BoundStatement>();
        bind(body);
        (_indentBase, _indent) = (outerBase, outerIndent);
        if (body.Count > 0)
        {
            sink.Add(new BoundIndent(indent, body.ToEquatableArray(), LeavesEarly(source)));
        }
    }

    /// <summary>Whether a <c>break</c> or <c>continue</c> can leave the statement's region (so its indentation must be undone in a <c>finally</c>).</summary>
    private bool LeavesEarly(Statement statement) => _loops.Count > 0 && ContainsLoopControl(statement);

    private static bool ContainsLoopControl(Statement statement) => statement switch
    {
        LoopControlStatement => true,
        BlockStatement b => b.Statements.Any(ContainsLoopControl),
        IndentStatement i => ContainsLoopControl(i.Body),
        IfStatement i => ContainsLoopControl(i.Then) || (i.Else is not null && ContainsLoopControl(i.Else)),
        CaseStatement c => c.Whens.Any(w => ContainsLoopControl(w.Body)) || (c.Else is not null && ContainsLoopControl(c.Else)),
        CaptureStatement c => ContainsLoopControl(c.Body),
        _ => false,
    };

    private void BindExpressionStatement(ExpressionStatement statement, List<BoundStatement> sink)
    {
        // {{ include "name" }} renders the partial in place; {{ content }} in a layout renders the body.
        if (IncludeCall(statement.Expression) is { } include)
        {
            sink.Add(new BoundComment("{{ " + statement.Source + " }}"));
            BindInclude(include, sink);
            return;
        }

        if (_current.Kind == TemplateKind.Layout && statement.Expression is VariableExpression { Name: "content", IsLocal: false })
        {
            _contentWrites++;
            sink.Add(new BoundComment("{{ content }}: " + _file.FileName));
            var saved = _current;
            _current = _file;

            // Like a partial: the body's own indented blocks indent relative to the layout's `{{ content }}`.
            BindIndented(null, _file.Template.Body, sink, body => BindBlock(_file.Template.Body, body));
            _current = saved;
            return;
        }

        var value = BindExpression(statement.Expression);
        sink.Add(new BoundComment("{{ " + statement.Source + " }}"));
        if (Write(value, statement.Expression) is { } write)
        {
            _dynamicWrites++;
            sink.Add(write);
        }
    }

    /// <summary>How a value is written, with Scriban's conversion to text (HTML-encoded in HTML templates); nothing for a value that prints nothing.</summary>
    private BoundWrite? Write(BoundExpression value, Expression source)
    {
        var type = value.Type;
        switch (type.Kind)
        {
            case BoundKind.Null:
                // Nothing is written, but what the expression reads is still evaluated (a null target still fails).
                return value.IsNothing ? null : new BoundWrite(value, BoundWriteKind.Evaluate, _html);
            case BoundKind.Empty:
            case BoundKind.Function:
                return null;
            case BoundKind.String:
                return new BoundWrite(value, _html ? BoundWriteKind.EncodedText : BoundWriteKind.Text, _html);
            case BoundKind.Html:
            case BoundKind.Boolean:
            case BoundKind.Int32:
            case BoundKind.Int64:
            case BoundKind.Double:
            case BoundKind.Decimal:
            case BoundKind.Single when !type.Nullable:
                return new BoundWrite(value, BoundWriteKind.Text, _html);
            case BoundKind.DateTime:
                return new BoundWrite(value, BoundWriteKind.Date, _html);
            case BoundKind.Char:
                return new BoundWrite(value, type.Nullable ? BoundWriteKind.Value : BoundWriteKind.Char, _html);
            case BoundKind.Model:
            case BoundKind.List:
            case BoundKind.Dictionary:
            case BoundKind.ScriptObject:
                Report(DiagnosticDescriptors.PrintsObject, source.Span, SourceText(source), type.Kind == BoundKind.Model ? "record" : type.Kind == BoundKind.Dictionary ? "dictionary" : type.Kind == BoundKind.ScriptObject ? "object" : "list",
                    type.Kind == BoundKind.Model ? "its ToString()" : "[item, item, ...]");
                return new BoundWrite(value, BoundWriteKind.Value, _html);
            default:
                return new BoundWrite(Box(value), BoundWriteKind.Value, _html);
        }
    }

    private void BindAssign(AssignStatement assign, List<BoundStatement> sink)
    {
        sink.Add(new BoundComment("{{ " + assign.Source + " }}"));
        BoundExpression value;
        if (assign.Operator == "=")
        {
            value = IncludeCall(assign.Value) is { } include ? IncludeAsValue(include) : BindExpression(assign.Value);
        }
        else
        {
            var op = assign.Operator.Substring(0, assign.Operator.Length - 1);
            value = BindBinary(op, assign.Target, assign.Value, assign.Span);
        }

        Assign(assign.Target, value, sink, assign.Span);
    }

    private void Assign(Expression target, BoundExpression value, List<BoundStatement> sink, TemplateSpan span)
    {
        switch (target)
        {
            case VariableExpression { IsLocal: false, Name: var name } when !IsLoopVariableName(name):
                if (FindMember(_types[_email.Root.Id], name) is not null)
                {
                    Report(DiagnosticDescriptors.InvalidAssignment, target.Span, name, $"it is a member of '{_email.TypeName}'; template variables need other names");
                    return;
                }

                if (BuiltinCatalog.IsGlobalName(name))
                {
                    Report(DiagnosticDescriptors.InvalidAssignment, target.Span, name, "it is a builtin");
                    return;
                }

                AssignType(name, value.Type, target.Span);
                if (!_globalNames.TryGetValue(name, out var csharp))
                {
                    csharp = _globalNames[name] = Unique(name);
                }

                // A variable that is never read is not declared; its value is still computed (a null literal has nothing to compute).
                if (_readKnown.Contains(name) && _known.ContainsKey(name))
                {
                    sink.Add(new BoundAssign(csharp, Convert(value, _known[name].AsNullable())));
                }
                else if (!value.IsNothing)
                {
                    sink.Add(new BoundAssign(null, value));
                }

                return;
            case VariableExpression { IsLocal: true, Name: var local }:
                var page = _pages[_pages.Count - 1];
                var key = page.Id + "$" + local;
                AssignType(key, value.Type, target.Span);
                if (!page.Locals.TryGetValue(local, out var localName))
                {
                    localName = page.Locals[local] = Unique("local_" + SafeName(local));
                    _globalNames[key] = localName;
                }

                if (_readKnown.Contains(key) && _known.ContainsKey(key))
                {
                    sink.Add(new BoundAssign(localName, Convert(value, _known[key].AsNullable())));
                }
                else if (!value.IsNothing)
                {
                    sink.Add(new BoundAssign(null, value));
                }

                return;
            case VariableExpression loopVariable:
                Report(DiagnosticDescriptors.InvalidAssignment, target.Span, loopVariable.Name, "it is a loop variable");
                return;
            case MemberExpression { Target: VariableExpression { Name: "date", IsLocal: false }, Name: "format" } when !IsModelMember("date"):
                sink.Add(new BoundSetDateFormat(ToText(value)));
                return;
            case MemberExpression member:
                var owner = BindExpression(member.Target);
                if (owner.Type.Kind is BoundKind.ScriptObject or BoundKind.Dynamic)
                {
                    sink.Add(new BoundEvaluate(Runtime(RuntimeOperation.SetMember, BoundType.Dynamic, Box(owner), BoundLiteral.String(member.Name), Box(value), BoundLiteral.String(SourceText(member)), Where(member.Span))));
                    return;
                }

                Report(DiagnosticDescriptors.InvalidAssignment, target.Span, SourceText(member), $"a {owner.Type.Display} cannot be changed by a template");
                return;
            default:
                Report(DiagnosticDescriptors.InvalidAssignment, target.Span, SourceText(target), "only template variables and members of template objects can be assigned");
                return;
        }
    }

    private void AssignType(string key, BoundType type, TemplateSpan span)
    {
        if (type.Kind == BoundKind.Function)
        {
            return;
        }

        var joined = _assigned.TryGetValue(key, out var existing) ? Join(existing, type) : type;
        if (existing is not null && joined.Kind == BoundKind.Dynamic && (HoldsModel(existing) || HoldsModel(type)) && _conflicts.Add(key))
        {
            Report(DiagnosticDescriptors.VariableTypeConflict, span, key.Contains('$') ? "$" + key.Substring(key.IndexOf('$') + 1) : key, existing.Display, type.Display);
        }

        _assigned[key] = joined;
    }

    private static bool HoldsModel(BoundType type) => type.Kind == BoundKind.Model || (type.Element is { } e && HoldsModel(e));

    private void BindIf(IfStatement @if, List<BoundStatement> sink, bool isElseIf)
    {
        if (!isElseIf)
        {
            sink.Add(new BoundComment("{{ " + @if.Source + " }}"));
        }

        var condition = Condition(BindExpression(@if.Condition));
        var then = new List<BoundStatement>();
        BindBlock(@if.Then, then);
        var otherwise = new List<BoundStatement>();
        if (@if.Else is IfStatement elseIf)
        {
            BindIf(elseIf, otherwise, isElseIf: true);
        }
        else if (@if.Else is BlockStatement block)
        {
            BindBlock(block, otherwise);
        }

        sink.Add(new BoundIf(condition, then.ToEquatableArray(), otherwise.ToEquatableArray()));
    }

    private void BindWhile(WhileStatement @while, List<BoundStatement> sink)
    {
        sink.Add(new BoundComment("{{ " + @while.Source + " }}"));
        var index = Unique("whileIndex");
        var frame = new LoopFrame("while", null, BoundType.Dynamic, index, null);
        _loops.Add(frame);
        var condition = Condition(BindExpression(@while.Condition));
        var body = new List<BoundStatement>();
        BindBlock(@while.Body, body);
        _loops.RemoveAt(_loops.Count - 1);
        sink.Add(new BoundWhile(index, condition, Position(@while.Span), body.ToEquatableArray()));
    }

    private void BindFor(ForStatement @for, List<BoundStatement> sink)
    {
        sink.Add(new BoundComment("{{ " + @for.Source + " }}"));
        var iterable = BindExpression(@for.Iterable);
        var type = iterable.Type;
        if (type.Kind == BoundKind.Null)
        {
            // `for x in null` runs neither the body nor `else`.
            return;
        }

        BoundExpression source;
        BoundType? copied = null;
        BoundType element;
        var shape = ListShape.Indexed;
        var items = Unique(SafeName(@for.Variable) + "Items");
        switch (type.Kind)
        {
            case BoundKind.List when type.Shape == ListShape.Enumerable:
                element = copied = type.Element!;
                source = iterable;
                break;
            case BoundKind.List:
                element = type.Element!;
                shape = type.Shape;
                source = iterable;
                break;
            case BoundKind.Dynamic:
            case BoundKind.String:
            case BoundKind.Html:
            case BoundKind.Dictionary:
            case BoundKind.ScriptObject:
                element = BoundType.Dynamic;
                source = Runtime(RuntimeOperation.Enumerate, BoundType.DynamicList, Box(iterable), Where(@for.Iterable.Span));
                break;
            default:
                Report(DiagnosticDescriptors.NotEnumerable, @for.Iterable.Span, SourceText(@for.Iterable), type.Display);
                return;
        }

        var count = Unique(SafeName(@for.Variable) + "Count");
        var start = Unique(SafeName(@for.Variable) + "Start");
        var length = Unique(SafeName(@for.Variable) + "Length");
        var index = Unique(SafeName(@for.Variable) + "Index");
        var variable = Unique(SafeName(@for.Variable));
        var previous = Unique(SafeName(@for.Variable) + "Previous");
        var frame = new LoopFrame("for", @for.Variable, element, index, length) { IsLocal = @for.IsLocal, CSharpName = variable, Previous = previous };

        var offset = @for.Offset is null ? null : ToInt(BindExpression(@for.Offset), @for.Offset.Span);
        var limit = @for.Limit is null ? null : ToInt(BindExpression(@for.Limit), @for.Limit.Span);

        _loops.Add(frame);
        var body = new List<BoundStatement>();
        BindBlock(@for.Body, body);
        _loops.RemoveAt(_loops.Count - 1);

        var otherwise = new List<BoundStatement>();
        if (@for.Else is not null)
        {
            BindBlock(@for.Else, otherwise);
        }

        sink.Add(new BoundFor(
            source,
            copied,
            type.Nullable || type.Kind != BoundKind.List,
            items,
            shape == ListShape.Array,
            count,
            offset is null ? null : new BoundLoopBound(start, offset),
            limit is null ? null : new BoundLoopBound(Unique(SafeName(@for.Variable) + "Limit"), limit),
            @for.Reversed,
            index,
            length,
            variable,
            frame.UsesChanged ? new BoundLoopBound(previous, Box(new BoundLocalReference(variable, element))) : null,
            Position(@for.Span),
            body.ToEquatableArray(),
            otherwise.ToEquatableArray()));
    }

    /// <summary>A <c>when</c> or <c>else</c> body of a <c>case</c>: Scriban writes it without the indentation around the <c>case</c>.</summary>
    private void BindCaseBody(BlockStatement block, List<BoundStatement> sink)
        => BindIndented("", block, sink, body => BindBlock(block, body));

    private void BindCase(CaseStatement @case, List<BoundStatement> sink)
    {
        sink.Add(new BoundComment("{{ " + @case.Source + " }}"));
        var value = BindExpression(@case.Value);
        var temp = Unique("caseValue");
        sink.Add(new BoundLocal(temp, value));
        var subject = new BoundLocalReference(temp, value.Type);
        var branches = new List<(BoundExpression Test, List<BoundStatement> Body)>();
        foreach (var when in @case.Whens)
        {
            BoundExpression? test = null;
            foreach (var candidate in when.Values)
            {
                var matches = Condition(Equality(subject, BindExpression(candidate), negate: false));
                test = test is null ? matches : new BoundBinary(BinaryOperator.Or, test, matches, BoundType.Boolean);
            }

            var body = new List<BoundStatement> { new BoundComment("{{ " + when.Source + " }}") };
            BindCaseBody(when.Body, body);
            branches.Add((test!, body));
        }

        var chain = new List<BoundStatement>();
        if (@case.Else is not null)
        {
            BindCaseBody(@case.Else, chain);
        }

        // when … when … else: an if / else if chain, built from the last branch.
        for (var i = branches.Count - 1; i >= 0; i--)
        {
            chain = [new BoundIf(branches[i].Test, branches[i].Body.ToEquatableArray(), chain.ToEquatableArray())];
        }

        sink.AddRange(chain);
    }

    private void BindCapture(CaptureStatement capture, List<BoundStatement> sink)
    {
        sink.Add(new BoundComment("{{ " + capture.Source + " }}"));
        var mark = Unique("captureStart");
        sink.Add(new BoundCaptureStart(mark));
        BindBlock(capture.Body, sink);
        Assign(capture.Target, new BoundCaptured(mark, _html ? BoundType.Html : BoundType.String), sink, capture.Span);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Includes
    // ------------------------------------------------------------------------------------------------------------

    private static CallExpression? IncludeCall(Expression expression)
        => expression is CallExpression { Callee: VariableExpression { Name: "include", IsLocal: false } } call ? call : null;

    private BoundExpression IncludeAsValue(CallExpression include)
    {
        var mark = Unique("includeStart");
        var statements = new List<BoundStatement> { new BoundCaptureStart(mark) };
        BindInclude(include, statements);
        var result = Unique("included");
        statements.Add(new BoundCaptureEnd(result, mark));
        _pending.AddRange(statements);
        return new BoundLocalReference(result, _html ? BoundType.Html : BoundType.String);
    }

    private void BindInclude(CallExpression include, List<BoundStatement> sink)
    {
        if (include.Arguments.Count == 0 || include.Arguments[0] is not StringLiteral name)
        {
            Report(DiagnosticDescriptors.IncludeNameNotConstant, include.Span, SourceText(include));
            return;
        }

        if (!_partials.TryGetValue(name.Value, out var partial))
        {
            Report(DiagnosticDescriptors.PartialNotFound, name.Span, name.Value);
            return;
        }

        if (_includeStack.Contains(name.Value))
        {
            Report(DiagnosticDescriptors.RecursiveInclude, include.Span, name.Value, string.Join(" -> ", _includeStack.Concat([name.Value])));
            return;
        }

        if (partial.Template.Error is { } error)
        {
            _diagnostics.Add(SyntaxError(partial, error));
            return;
        }

        var page = new Page("include" + (++_includeCount).ToString(CultureInfo.InvariantCulture));
        var arguments = new List<BoundStatement>();
        page.Arguments["0"] = BoundLiteral.String(name.Value);
        var all = new List<BoundExpression>();
        for (var i = 1; i < include.Arguments.Count; i++)
        {
            var value = BindExpression(include.Arguments[i]);
            var local = Unique("arg" + i.ToString(CultureInfo.InvariantCulture));
            arguments.Add(new BoundLocal(local, value));
            var argument = new BoundLocalReference(local, value.Type);
            page.Arguments[i.ToString(CultureInfo.InvariantCulture)] = argument;
            all.Add(Box(argument));
        }

        foreach (var named in include.NamedArguments)
        {
            var value = BindExpression(named.Value);
            var local = Unique("arg_" + SafeName(named.Name));
            arguments.Add(new BoundLocal(local, value));
            page.Arguments[named.Name] = new BoundLocalReference(local, value.Type);
        }

        page.Arguments[""] = new BoundListLiteral(all.ToEquatableArray());
        var saved = _current;
        _current = partial;
        _pages.Add(page);
        _includeStack.Add(name.Value);
        var body = new List<BoundStatement>(arguments);

        // The partial's own indented blocks indent relative to where it is included (Scriban renders it apart).
        BindIndented(null, partial.Template.Body, body, inner => BindBlock(partial.Template.Body, inner));
        _includeStack.RemoveAt(_includeStack.Count - 1);
        _pages.RemoveAt(_pages.Count - 1);
        _current = saved;
        sink.Add(new BoundScope(body.ToEquatableArray()));
    }

    // ------------------------------------------------------------------------------------------------------------
    // Helpers shared by statements and expressions
    // ------------------------------------------------------------------------------------------------------------

    private sealed class Page(string id)
    {
        public string Id { get; } = id;

        public Dictionary<string, string> Locals { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, BoundExpression> Arguments { get; } = new(StringComparer.Ordinal);
    }

    private sealed class LoopFrame(string kind, string? variable, BoundType element, string index, string? length)
    {
        public string Kind { get; } = kind;

        public string? Variable { get; } = variable;

        public BoundType Element { get; } = element;

        public string Index { get; } = index;

        public string? Length { get; } = length;

        public bool IsLocal { get; init; }

        public string CSharpName { get; init; } = "";

        public string Previous { get; init; } = "";

        public bool UsesChanged { get; set; }
    }

    private bool IsLoopVariableName(string name)
    {
        foreach (var loop in _loops)
        {
            if (loop.Variable == name && !loop.IsLocal)
            {
                return true;
            }
        }

        return false;
    }

    private bool IsModelMember(string name) => FindMember(_types[_email.Root.Id], name) is not null;

    private string Unique(string hint)
    {
        var name = SafeName(hint);
        if (SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) != SyntaxKind.None)
        {
            name = "@" + name;
        }

        var candidate = name;
        for (var i = 2; !_usedNames.Add(candidate); i++)
        {
            candidate = name + "_" + i.ToString(CultureInfo.InvariantCulture);
        }

        return candidate;
    }

    private static string SafeName(string name)
    {
        var chars = name.Where(c => char.IsLetterOrDigit(c) || c == '_').ToArray();
        var result = new string(chars);
        return result.Length == 0 || char.IsDigit(result[0]) ? "v" + result : result;
    }

    private static bool SameTypes(Dictionary<string, BoundType> a, Dictionary<string, BoundType> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        foreach (var pair in a)
        {
            if (!b.TryGetValue(pair.Key, out var other) || !Equals(other.AsNullable(), pair.Value.AsNullable()))
            {
                return false;
            }
        }

        return true;
    }

    private static Dictionary<string, BoundType> Widen(Dictionary<string, BoundType> known, Dictionary<string, BoundType> assigned, bool force)
    {
        var result = new Dictionary<string, BoundType>(StringComparer.Ordinal);
        foreach (var pair in assigned)
        {
            var type = known.TryGetValue(pair.Key, out var previous) ? Join(previous, pair.Value) : pair.Value;
            if (force && previous is not null && !Equals(previous.AsNullable(), type.AsNullable()))
            {
                type = BoundType.Dynamic;
            }

            result[pair.Key] = type;
        }

        return result;
    }

    /// <summary>The type of a variable given values of both types.</summary>
    private static BoundType Join(BoundType a, BoundType b)
    {
        if (Equals(a, b))
        {
            return a;
        }

        if (a.Kind == BoundKind.Null)
        {
            return b.AsNullable();
        }

        if (b.Kind == BoundKind.Null)
        {
            return a.AsNullable();
        }

        if (Equals(a.AsNullable(), b.AsNullable()))
        {
            return a.AsNullable();
        }

        if (a.IsText && b.IsText)
        {
            return a.Nullable || b.Nullable ? BoundType.String.AsNullable() : BoundType.String;
        }

        if (a.Kind is BoundKind.Int32 or BoundKind.Int64 && b.Kind is BoundKind.Int32 or BoundKind.Int64)
        {
            return a.Nullable || b.Nullable ? BoundType.Int64.AsNullable() : BoundType.Int64;
        }

        return BoundType.Dynamic;
    }

    private DiagnosticInfo SyntaxError(TemplateFileSpec file, TemplateError error)
        => error.Unsupported
            ? DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedFeature, new LocationInfo(file.Path, error.Span.Span, error.Span.Lines), error.Message)
            : DiagnosticInfo.Create(DiagnosticDescriptors.TemplateSyntaxError, new LocationInfo(file.Path, error.Span.Span, error.Span.Lines), error.Message);

    private static DiagnosticInfo Diagnostic(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, TemplateFileSpec file, TemplateSpan span, params string[] arguments)
        => DiagnosticInfo.Create(descriptor, new LocationInfo(file.Path, span.Span, span.Lines), arguments);

    private void Report(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, TemplateSpan span, params string[] arguments)
        => _diagnostics.Add(Diagnostic(descriptor, _current, span, arguments));

    /// <summary>The template file and position, for run-time errors: <c>Welcome.html.scriban(3,12)</c>.</summary>
    private string Position(TemplateSpan span) => _current.FileName + span.Position;

    /// <summary><see cref="Position"/> as a string literal, an argument of run-time operations.</summary>
    private BoundLiteral Where(TemplateSpan span) => BoundLiteral.String(Position(span));

    private string SourceText(Expression expression) => SourceOf(_current, expression.Span);

    private static string SourceOf(TemplateFileSpec file, TemplateSpan span) => file.Template.Source.Substring(span.Span.Start, span.Span.Length);

}
