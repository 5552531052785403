using TypedMail.Generator.Helpers;

namespace TypedMail.Generator.Templates;

/// <summary>
/// An expression of a compiled template: what it computes and its compile-time <see cref="Type"/>. The binder builds
/// these; only the emitter turns them into C#.
/// </summary>
internal abstract record BoundExpression(BoundType Type)
{
    /// <summary>No value: what a name that is not known, or an expression in error, compiles to.</summary>
    public static readonly BoundExpression Nothing = new BoundNothing();

    /// <summary>The <c>null</c> literal.</summary>
    public static readonly BoundExpression NullLiteral = new BoundLiteral(BoundType.Null, "null");

    /// <summary>Whether it only involves literals, so C# would fold it (a condition on it would be constant).</summary>
    public virtual bool IsConstant => false;

    /// <summary>Whether this is <see cref="Nothing"/> or <see cref="NullLiteral"/>: nothing to compute.</summary>
    public bool IsNothing => this is BoundNothing || Equals(NullLiteral);
}

/// <summary>No value (<see cref="BoundExpression.Nothing"/>).</summary>
internal sealed record BoundNothing() : BoundExpression(BoundType.Null);

/// <summary>
/// A literal. <paramref name="Value"/> is the string for <see cref="BoundKind.String"/>, <c>true</c> / <c>false</c>,
/// the number as written in the template for the numeric kinds (<c>Infinity</c> for a double out of range), and
/// <c>null</c>.
/// </summary>
internal sealed record BoundLiteral(BoundType Type, string Value) : BoundExpression(Type)
{
    /// <summary>A big integer is parsed at run time; every other literal is a C# constant.</summary>
    public override bool IsConstant => Type.Kind != BoundKind.BigInteger;

    public static BoundLiteral String(string value) => new(BoundType.String, value);

    public static BoundLiteral Boolean(bool value) => new(BoundType.Boolean, value ? "true" : "false");

    public static BoundLiteral Int32(int value) => new(BoundType.Int32, value.ToString(System.Globalization.CultureInfo.InvariantCulture));
}

/// <summary>The <c>empty</c> keyword's value.</summary>
internal sealed record BoundEmpty() : BoundExpression(BoundType.Empty);

/// <summary>The email's record, the root of every member path.</summary>
internal sealed record BoundModel(BoundType Type) : BoundExpression(Type);

/// <summary>The template writer (for builtins that keep state per render, like <c>array.cycle</c>).</summary>
internal sealed record BoundWriter() : BoundExpression(BoundType.Dynamic);

/// <summary>The current default date pattern (<c>date.format</c>).</summary>
internal sealed record BoundDateFormat() : BoundExpression(BoundType.String);

/// <summary>A local of the render method: a template variable, a loop item, an include argument or a captured text.</summary>
internal sealed record BoundLocalReference(string Name, BoundType Type) : BoundExpression(Type);

/// <summary>The output written since the capture started at <paramref name="Mark"/>, taken out of the writer.</summary>
internal sealed record BoundCaptured(string Mark, BoundType Type) : BoundExpression(Type);

/// <summary>A builtin object (<c>string</c>) or function (<c>string.upcase</c>) named without being called.</summary>
internal sealed record BoundBuiltin(string Name) : BoundExpression(new BoundType(BoundKind.Function, Name, false, false))
{
    /// <summary>Whether this is a function (<c>date.now</c>), not an object.</summary>
    public bool IsFunction => Name.IndexOf('.') >= 0;
}

/// <summary>A variable of a loop (<c>for.index</c>, <c>for.last</c>…).</summary>
/// <param name="Variable">Which one.</param>
/// <param name="Index">The local counting iterations.</param>
/// <param name="Length">The local holding the number of iterations (<see langword="null"/> in <c>while</c>).</param>
/// <param name="Item">The loop item's local (for <c>for.changed</c>).</param>
internal sealed record BoundLoopVariable(LoopVariable Variable, string Index, string? Length, string Item, BoundType Type) : BoundExpression(Type);

/// <summary>The loop variables Scriban defines.</summary>
internal enum LoopVariable
{
    Index,
    ReverseIndex,
    First,
    Last,
    Even,
    Odd,
    Length,
    Changed,
}

/// <summary>A member of a typed value: a record property, or <c>Length</c>, <c>Year</c>… of strings, lists and dates.</summary>
/// <param name="Target">The value.</param>
/// <param name="Member">The .NET member name.</param>
/// <param name="NullConditional">Whether a null target gives null (<c>?.</c>) instead of failing.</param>
internal sealed record BoundMember(BoundExpression Target, string Member, bool NullConditional, BoundType Type) : BoundExpression(Type);

/// <summary>How a value is converted for its use.</summary>
internal enum ConversionKind
{
    /// <summary>To <c>object?</c>.</summary>
    Box,

    /// <summary>To an explicit type (<see cref="BoundExpression.Type"/>): numeric widening, a conditional's common type.</summary>
    Cast,

    /// <summary>To text with Scriban's conversion, never null.</summary>
    Text,

    /// <summary>To text for a builtin's string parameter: null stays null.</summary>
    TextArgument,

    /// <summary>To <c>int</c>, failing at run time as Scriban does.</summary>
    Integer,

    /// <summary>To <c>double</c>, failing at run time as Scriban does.</summary>
    Number,

    /// <summary>To <c>DateTime?</c>, failing at run time as Scriban does.</summary>
    DateTime,

    /// <summary>To a condition, with Scriban's truthiness: only null and false are false.</summary>
    Truthy,
}

/// <summary>A value converted: <paramref name="Location"/> is the template position for run-time conversion errors.</summary>
internal sealed record BoundConversion(BoundExpression Operand, ConversionKind Kind, BoundType Type, string? Location = null) : BoundExpression(Type)
{
    public override bool IsConstant => (Kind is ConversionKind.Cast or ConversionKind.Truthy) && Operand.IsConstant;
}

/// <summary>An operator of C# applied to typed operands (already converted to a common type).</summary>
internal enum BinaryOperator
{
    Add,
    Subtract,
    Multiply,
    Divide,
    Modulo,

    /// <summary>Equality; ordinal for text.</summary>
    Equal,

    /// <summary>Inequality; ordinal for text.</summary>
    NotEqual,

    /// <summary>Ordering; ordinal for text.</summary>
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    And,
    Or,

}

/// <summary>A binary operation on typed operands.</summary>
internal sealed record BoundBinary(BinaryOperator Operator, BoundExpression Left, BoundExpression Right, BoundType Type) : BoundExpression(Type)
{
    /// <summary>Text comparisons are calls (ordinal), which C# does not fold.</summary>
    public override bool IsConstant => Left.IsConstant && Right.IsConstant && !(Left.Type.IsText && Right.Type.IsText);
}

/// <summary>The arithmetic negation of a typed number or time span.</summary>
internal sealed record BoundNegation(BoundExpression Operand) : BoundExpression(Operand.Type)
{
    public override bool IsConstant => Operand.IsConstant;
}

/// <summary>The logical negation of a condition.</summary>
internal sealed record BoundNot(BoundExpression Operand) : BoundExpression(BoundType.Boolean);

/// <summary>Whether a value is (or, <paramref name="Negated"/>, is not) null.</summary>
internal sealed record BoundIsNull(BoundExpression Operand, bool Negated) : BoundExpression(BoundType.Boolean);

/// <summary><c>condition ? whenTrue : whenFalse</c>.</summary>
internal sealed record BoundConditional(BoundExpression Condition, BoundExpression WhenTrue, BoundExpression WhenFalse, BoundType Type) : BoundExpression(Type);

/// <summary>Null when <paramref name="Guard"/> is null, else <paramref name="Value"/> (which reads the guard again).</summary>
internal sealed record BoundNullGuard(BoundExpression Guard, BoundExpression Value, BoundType Type) : BoundExpression(Type);

/// <summary>A list literal: its items are boxed.</summary>
internal sealed record BoundListLiteral(EquatableArray<BoundExpression> Items) : BoundExpression(BoundType.DynamicList);

/// <summary>A member of an object literal.</summary>
internal sealed record BoundObjectMember(string Name, BoundExpression Value);

/// <summary>An object literal (<c>{a: 1}</c>): its values are boxed.</summary>
internal sealed record BoundObjectLiteral(EquatableArray<BoundObjectMember> Members) : BoundExpression(BoundType.ScriptObject);

/// <summary>An argument given to a builtin: the index of its parameter in the catalog, and its value, already converted.</summary>
internal sealed record BoundArgument(int Parameter, BoundExpression Value);

/// <summary>
/// A call of a builtin function of <see cref="BuiltinCatalog"/>, run by its helper, with the arguments given (in
/// parameter order); <paramref name="Location"/>, when given, is passed after the required arguments for the
/// helper's run-time errors.
/// </summary>
internal sealed record BoundBuiltinCall(string Function, EquatableArray<BoundArgument> Arguments, BoundType Type, BoundType? TypeArgument = null, string? Location = null) : BoundExpression(Type);

/// <summary>The run-time operations the compiled code calls besides the builtins: Scriban's semantics where types do not settle them.</summary>
internal enum RuntimeOperation
{
    /// <summary>A member of a value known only at run time.</summary>
    GetMember,

    /// <summary>Sets a member of a template object.</summary>
    SetMember,

    /// <summary>A dictionary entry.</summary>
    Entry,

    /// <summary>The value, failing when it is null.</summary>
    NotNull,

    /// <summary>Fails: a member that does not exist on a typed value.</summary>
    MissingMember,

    /// <summary>A list item (null out of range), or a character of a string.</summary>
    Item,

    /// <summary>A list item of a value type (null out of range, so boxed).</summary>
    ValueItem,

    /// <summary>An item of a value known only at run time.</summary>
    GetIndex,

    /// <summary>Unary minus on a value known only at run time.</summary>
    Negate,

    /// <summary>Unary plus on a value known only at run time.</summary>
    Plus,

    /// <summary>A nullable number as an operand of a unary operator: fails when null.</summary>
    Operand,
    Add,
    Subtract,
    Multiply,
    Divide,
    FloorDivide,
    Modulo,

    /// <summary>64-bit integer addition that fails on overflow.</summary>
    CheckedAdd,

    /// <summary>64-bit integer subtraction that fails on overflow.</summary>
    CheckedSubtract,

    /// <summary>64-bit integer multiplication that fails on overflow.</summary>
    CheckedMultiply,

    /// <summary>The left value, or the right one when it is null; both are evaluated.</summary>
    Coalesce,

    /// <summary>The right value when the left one is not null (<c>?!</c>); both are evaluated.</summary>
    IfNotNull,

    /// <summary>The left value, once the right one is evaluated too (<c>a ?? b</c> where <c>a</c> is never null).</summary>
    Left,

    /// <summary>Text concatenation where a side may be null.</summary>
    Concat,

    /// <summary>Text concatenation with a typed value on the right.</summary>
    ConcatTextFirst,

    /// <summary>Text concatenation with a typed value on the left.</summary>
    ConcatTextLast,

    /// <summary>Text concatenation of non-null parts.</summary>
    StringConcat,

    /// <summary>A string repeated.</summary>
    Repeat,

    /// <summary>The quotient of its two arguments, rounded (<c>//</c> on typed non-integers).</summary>
    Round,

    /// <summary>Scriban's equality of values known only at run time.</summary>
    AreEqual,

    /// <summary>Whether a value equals <c>empty</c>.</summary>
    IsEmpty,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,

    /// <summary>A range of integers (<c>1..3</c>) from typed integers.</summary>
    NewRange,

    /// <summary>A range from values known only at run time.</summary>
    Range,

    /// <summary>The items of a value known only at run time, for <c>for</c>.</summary>
    Enumerate,

    /// <summary>A value as a list of objects, for the <c>array.*</c> builtins.</summary>
    ToList,

    /// <summary><c>array.sort</c> by a member.</summary>
    SortBy,

    /// <summary><c>array.cycle</c>, whose position is kept by the writer.</summary>
    Cycle,
}

/// <summary>A run-time operation (<see cref="RuntimeOperation"/>) on already converted arguments.</summary>
internal sealed record BoundRuntimeCall(RuntimeOperation Operation, EquatableArray<BoundExpression> Arguments, BoundType Type, BoundType? TypeArgument = null) : BoundExpression(Type);

/// <summary>A lambda that reads a member of a list's item (<c>array.sort</c>, <c>array.map</c> by member name).</summary>
internal sealed record BoundMemberSelector(BoundType Item, string Member) : BoundExpression(BoundType.Dynamic);
