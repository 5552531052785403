using TypedMail.Generator.Helpers;
using TypedMail.Generator.Model;

namespace TypedMail.Generator.Templates;

/// <summary>What a value is at compile time, as the binder sees it.</summary>
internal enum BoundKind
{
    /// <summary>Known only at run time (<c>object?</c>): a template variable given values of different types, a list literal's item.</summary>
    Dynamic,

    /// <summary>The <c>null</c> literal, or a name that is not known (when TM2002 is lowered to a warning).</summary>
    Null,

    /// <summary>The <c>empty</c> keyword.</summary>
    Empty,
    String,

    /// <summary>A string that already is HTML (<c>html.escape</c>, <c>html.raw</c>, a capture or include in an HTML template): written as is.</summary>
    Html,
    Boolean,
    Char,
    Int32,
    UInt32,
    Int64,
    UInt64,
    BigInteger,
    Single,
    Double,
    Decimal,
    DateTime,
    DateTimeOffset,
    TimeSpan,
    Enum,
    Formattable,

    /// <summary>An object of the model with members (<see cref="BoundType.TypeId"/>).</summary>
    Model,
    List,
    Dictionary,

    /// <summary>An object literal (<c>{a: 1}</c>).</summary>
    ScriptObject,
    Other,

    /// <summary>A builtin object (<c>string</c>, <c>html</c>…) or function, usable only in calls.</summary>
    Function,
}

/// <summary>A compile-time type: its kind, its C# name (without <c>?</c>) and whether it may be <see langword="null"/>.</summary>
internal sealed record BoundType(
    BoundKind Kind,
    string CSharp,
    bool IsValueType,
    bool Nullable,
    string? TypeId = null,
    BoundType? Element = null,
    ListShape Shape = ListShape.None)
{
    public static readonly BoundType Dynamic = new(BoundKind.Dynamic, "object", false, true);
    public static readonly BoundType Null = new(BoundKind.Null, "object", false, true);
    public static readonly BoundType Empty = new(BoundKind.Empty, "object", false, false);
    public static readonly BoundType String = new(BoundKind.String, "string", false, false);
    public static readonly BoundType Html = new(BoundKind.Html, "string", false, false);
    public static readonly BoundType Boolean = new(BoundKind.Boolean, "bool", true, false);
    public static readonly BoundType Int32 = new(BoundKind.Int32, "int", true, false);
    public static readonly BoundType UInt32 = new(BoundKind.UInt32, "uint", true, false);
    public static readonly BoundType Int64 = new(BoundKind.Int64, "long", true, false);
    public static readonly BoundType UInt64 = new(BoundKind.UInt64, "ulong", true, false);
    public static readonly BoundType BigInteger = new(BoundKind.BigInteger, "global::System.Numerics.BigInteger", true, false);
    public static readonly BoundType Single = new(BoundKind.Single, "float", true, false);
    public static readonly BoundType Double = new(BoundKind.Double, "double", true, false);
    public static readonly BoundType Decimal = new(BoundKind.Decimal, "decimal", true, false);
    public static readonly BoundType DateTime = new(BoundKind.DateTime, "global::System.DateTime", true, false);
    public static readonly BoundType DateTimeOffset = new(BoundKind.DateTimeOffset, "global::System.DateTimeOffset", true, false);
    public static readonly BoundType TimeSpan = new(BoundKind.TimeSpan, "global::System.TimeSpan", true, false);
    public static readonly BoundType ScriptObject = new(BoundKind.ScriptObject, "global::TypedMail.Rendering.ScriptObject", false, false);
    public static readonly BoundType Range = new(BoundKind.List, "global::TypedMail.Rendering.ScriptRange", false, false, null, Int32, ListShape.Indexed);
    public static readonly BoundType DynamicList = new(BoundKind.List, "global::System.Collections.Generic.List<object?>", false, false, null, Dynamic, ListShape.Indexed);
    public static readonly BoundType StringList = new(BoundKind.List, "global::System.Collections.Generic.List<string>", false, false, null, String, ListShape.Indexed);

    /// <summary>The C# type to declare a variable or parameter of this type.</summary>
    public string Declaration => Kind is BoundKind.Dynamic or BoundKind.Null ? "object?" : Nullable ? CSharp + "?" : CSharp;

    public bool IsNumeric => Kind is BoundKind.Int32 or BoundKind.UInt32 or BoundKind.Int64 or BoundKind.UInt64 or BoundKind.BigInteger
        or BoundKind.Single or BoundKind.Double or BoundKind.Decimal;

    public bool IsText => Kind is BoundKind.String or BoundKind.Html;

    public BoundType AsNullable() => Nullable || Kind == BoundKind.Dynamic ? this : this with { Nullable = true };

    public BoundType AsNonNullable() => Nullable && Kind is not (BoundKind.Dynamic or BoundKind.Null) ? this with { Nullable = false } : this;

    /// <summary>A name for messages.</summary>
    public string Display => Kind switch
    {
        BoundKind.Dynamic => "value",
        BoundKind.Null => "null",
        BoundKind.Html => "string",
        BoundKind.List => "list",
        BoundKind.ScriptObject => "object",
        _ => System.Text.RegularExpressions.Regex.Replace(CSharp.Replace("global::", ""), @"(?:[A-Za-z_][A-Za-z0-9_]*\.)+", ""),
    };
}

/// <summary>A statement of a compiled template.</summary>
internal abstract record BoundStatement;

/// <summary>A template variable given a value (<c>x = …</c>), or, when <paramref name="Variable"/> is <see langword="null"/> (nobody reads it), the value only computed.</summary>
internal sealed record BoundAssign(string? Variable, BoundExpression Value) : BoundStatement;

/// <summary>A call made for its effect (setting a member of a template object).</summary>
internal sealed record BoundEvaluate(BoundExpression Call) : BoundStatement;

/// <summary><c>date.format = …</c>: the pattern dates are written with from here on.</summary>
internal sealed record BoundSetDateFormat(BoundExpression Value) : BoundStatement;

/// <summary>The start of output that is captured (<c>capture</c>, or an <c>include</c> used as a value); <paramref name="Mark"/> holds where it starts.</summary>
internal sealed record BoundCaptureStart(string Mark) : BoundStatement;

/// <summary>The end of a capture: the output since <paramref name="Mark"/>, taken out and held in the local <paramref name="Name"/>.</summary>
internal sealed record BoundCaptureEnd(string Name, string Mark) : BoundStatement;

/// <summary>Template text, written as is; <paramref name="Verbatim"/> (an escape block's content) is not auto-indented either, as in Scriban.</summary>
internal sealed record BoundText(string Text, bool Verbatim = false) : BoundStatement;

/// <summary>How a value is written.</summary>
internal enum BoundWriteKind
{
    /// <summary>Text that needs no conversion or encoding: a string of a text template, HTML, a number or a boolean.</summary>
    Text,

    /// <summary>A string in an HTML template: HTML-encoded.</summary>
    EncodedText,

    /// <summary>A <c>DateTime</c>: formatted with <c>date.format</c>.</summary>
    Date,

    /// <summary>A <c>char</c>: written as one-character text.</summary>
    Char,

    /// <summary>Any other value: converted as Scriban converts it at run time.</summary>
    Value,

    /// <summary>A value that prints nothing but must still be evaluated (it may fail).</summary>
    Evaluate,
}

/// <summary>A value written to the output (<c>{{ value }}</c>).</summary>
/// <param name="Value">The value.</param>
/// <param name="Kind">How it is converted to text.</param>
/// <param name="Html">Whether the template is HTML (values are encoded).</param>
internal sealed record BoundWrite(BoundExpression Value, BoundWriteKind Kind, bool Html) : BoundStatement;

/// <summary>A comment: the template fragment a block of code comes from.</summary>
internal sealed record BoundComment(string Text) : BoundStatement;

/// <summary><c>break</c> or <c>continue</c>.</summary>
internal sealed record BoundLoopControl(bool IsBreak) : BoundStatement;

/// <summary>
/// Statements whose output is indented after each line break: a <c>{{ }}</c> block that starts on an indented line
/// (its indent replaces the enclosing one, as in Scriban; <c>""</c> for the bodies of <c>case</c>), or an included
/// partial or layout body, whose own blocks indent relative to where it is written.
/// </summary>
/// <param name="Indent">The indentation, or <see langword="null"/> for a partial or a layout's body.</param>
/// <param name="Body">The statements.</param>
/// <param name="LeavesEarly">Whether a <c>break</c> or <c>continue</c> may leave the statements, so the indentation must be undone on the way out.</param>
internal sealed record BoundIndent(string? Indent, EquatableArray<BoundStatement> Body, bool LeavesEarly) : BoundStatement;

/// <summary><c>if</c> / <c>else</c>: <paramref name="Condition"/> is a <see cref="BoundKind.Boolean"/> expression; an empty <paramref name="Else"/> is none.</summary>
internal sealed record BoundIf(BoundExpression Condition, EquatableArray<BoundStatement> Then, EquatableArray<BoundStatement> Else) : BoundStatement;

/// <summary>A <c>while</c> loop: <paramref name="Index"/> counts iterations (<c>while.index</c>), <paramref name="Location"/> is the template position for the loop limit's error.</summary>
internal sealed record BoundWhile(string Index, BoundExpression Condition, string Location, EquatableArray<BoundStatement> Body) : BoundStatement;

/// <summary>A local of a <c>for</c> loop and the value it is given: the offset, the limit, or the previous item (for <c>for.changed</c>).</summary>
internal sealed record BoundLoopBound(string Name, BoundExpression Value);

/// <summary>
/// <c>for x in list offset:o limit:l reversed</c> … <c>else</c> … <c>end</c>: the list is read by index, between the
/// offset and the limit, forwards or backwards; the writer counts iterations (LoopLimit).
/// </summary>
/// <param name="Source">The list.</param>
/// <param name="CopiedElement">The item type, when the list is only enumerable and is copied to a list first.</param>
/// <param name="SourceMayBeNull">Whether the list may be <see langword="null"/> (then neither the body nor <c>else</c> runs).</param>
/// <param name="Items">The local holding the list.</param>
/// <param name="IsArray">Whether the list is an array (<c>Length</c>, not <c>Count</c>).</param>
/// <param name="Count">The local holding its count.</param>
/// <param name="Offset">The first index, when <c>offset:</c> is given.</param>
/// <param name="Limit">The most iterations, when <c>limit:</c> is given (applied only when positive, as Scriban does).</param>
/// <param name="Reversed">Whether the items are visited from the last.</param>
/// <param name="Index">The iteration counter (<c>for.index</c>).</param>
/// <param name="Length">The local holding the number of iterations (<c>for.length</c>).</param>
/// <param name="Variable">The loop variable.</param>
/// <param name="Changed">The previous item and the boxed current one, when <c>for.changed</c> is used.</param>
/// <param name="Location">The template position, for the loop limit's error.</param>
/// <param name="Body">The statements of each iteration.</param>
/// <param name="Else">The statements when there is no iteration.</param>
internal sealed record BoundFor(
    BoundExpression Source,
    BoundType? CopiedElement,
    bool SourceMayBeNull,
    string Items,
    bool IsArray,
    string Count,
    BoundLoopBound? Offset,
    BoundLoopBound? Limit,
    bool Reversed,
    string Index,
    string Length,
    string Variable,
    BoundLoopBound? Changed,
    string Location,
    EquatableArray<BoundStatement> Body,
    EquatableArray<BoundStatement> Else) : BoundStatement;

/// <summary>Statements in their own C# scope (an included partial, whose locals must not clash with the caller's).</summary>
internal sealed record BoundScope(EquatableArray<BoundStatement> Body) : BoundStatement;

/// <summary>A local that holds a value computed once: <c>var Name = Value;</c>.</summary>
internal sealed record BoundLocal(string Name, BoundExpression Value) : BoundStatement;

/// <summary>A template variable, declared at the top of the render method (<see langword="null"/> until assigned).</summary>
internal sealed record BoundVariable(string Name, BoundType Type);


/// <summary>A template compiled against an email: the body of its render method.</summary>
/// <param name="Variables">Template variables, declared first.</param>
/// <param name="Statements">The statements.</param>
/// <param name="ConstantText">The whole output, when the template has no code.</param>
/// <param name="Capacity">The expected output length, for the output buffer.</param>
internal sealed record BoundTemplate(
    EquatableArray<BoundVariable> Variables,
    EquatableArray<BoundStatement> Statements,
    string? ConstantText,
    int Capacity);
