using TypedMail.Generator.Helpers;

namespace TypedMail.Generator.Model;

/// <summary>What a .NET type is to a template.</summary>
internal enum TypeKind
{
    /// <summary>A class, record or struct whose members templates can read.</summary>
    Object,
    String,
    Boolean,
    Char,

    /// <summary><c>int</c> and the smaller integers.</summary>
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

    /// <summary>A list: an array, an <c>IReadOnlyList&lt;T&gt;</c> or another <c>IEnumerable&lt;T&gt;</c>.</summary>
    List,

    /// <summary>An <c>IReadOnlyDictionary&lt;string, T&gt;</c>: members are its raw keys.</summary>
    Dictionary,

    /// <summary>Another <c>IFormattable</c> (<c>Guid</c>, <c>DateOnly</c>, …): printed with the invariant culture.</summary>
    Formattable,

    /// <summary>Anything else: printed with <c>ToString()</c>, no members.</summary>
    Other,
}

/// <summary>How a list is read.</summary>
internal enum ListShape
{
    None,

    /// <summary><c>T[]</c>: <c>Length</c>, an out-of-range index fails.</summary>
    Array,

    /// <summary>An <c>IReadOnlyList&lt;T&gt;</c> with a public <c>Count</c> and indexer.</summary>
    Indexed,

    /// <summary>Only enumerable: copied to a list when a loop needs its count.</summary>
    Enumerable,
}

/// <summary>A type a template can reach from an email record, as plain values (no symbols).</summary>
/// <param name="Id">Its fully qualified name, the key other specs use.</param>
/// <param name="Kind">What it is to a template.</param>
/// <param name="DisplayName">Its short name, for messages.</param>
/// <param name="CSharp">Its <c>global::</c> C# name, without nullable annotation.</param>
/// <param name="IsValueType">Whether it is a struct.</param>
/// <param name="ElementId">The item type of a list or the value type of a dictionary.</param>
/// <param name="Shape">How a list is read.</param>
/// <param name="Members">The members of an <see cref="TypeKind.Object"/>, in declaration order.</param>
internal sealed record TypeSpec(
    string Id,
    TypeKind Kind,
    string DisplayName,
    string CSharp,
    bool IsValueType,
    string? ElementId,
    ListShape Shape,
    EquatableArray<MemberSpec> Members);

/// <summary>A public property or field templates can read.</summary>
/// <param name="Name">The C# name.</param>
/// <param name="TemplateName">The snake_case name templates use.</param>
/// <param name="TypeId">Its type's <see cref="TypeSpec.Id"/>.</param>
/// <param name="IsNullable">Whether it may be <see langword="null"/> (a <c>Nullable&lt;T&gt;</c> or an annotated reference).</param>
internal sealed record MemberSpec(string Name, string TemplateName, string TypeId, bool IsNullable);
