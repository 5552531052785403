using System;
using System.Collections;
using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace TypedMail.Rendering;

/// <summary>
/// Scriban's value semantics for values whose type is only known at run time: conversion to text, truthiness,
/// arithmetic, comparison, member and index access. Generated code uses it where a template variable holds
/// values of different types; statically typed expressions compile to plain C#. Used by generated code only.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ScriptValue
{
    /// <summary>The value of Scriban's <c>empty</c> keyword.</summary>
    public static readonly object Empty = new EmptyValue();

    /// <summary>Converts a value to text as Scriban prints it (<c>TemplateContext.ObjectToString</c>).</summary>
    /// <param name="value">The value.</param>
    /// <returns>The text; empty for <see langword="null"/>.</returns>
    public static string ToText(object? value) => value switch
    {
        null => "",
        string s => s,
        bool b => b ? "true" : "false",
        char c => c.ToString(),
        DateTime d => DateFunctions.ToString(d, TemplateWriter.DefaultDateFormat, null) ?? "",
        EmptyValue => "",
        ScriptObject o => o.ToString(),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable e => ListToText(e),
        _ => value.ToString() ?? "",
    };

    /// <summary>Converts an <see cref="int"/> to text.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The text.</returns>
    public static string ToText(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Converts a <see cref="long"/> to text.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The text.</returns>
    public static string ToText(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Converts a <see cref="decimal"/> to text, keeping its scale.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The text.</returns>
    public static string ToText(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Converts a <see cref="double"/> to text.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The text.</returns>
    public static string ToText(double value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Converts a <see cref="bool"/> to text.</summary>
    /// <param name="value">The value.</param>
    /// <returns><c>true</c> or <c>false</c>.</returns>
    public static string ToText(bool value) => value ? "true" : "false";

    /// <summary>Returns the string, or empty for <see langword="null"/>.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The text.</returns>
    public static string ToText(string? value) => value ?? "";

    /// <summary>Text of a value nested in a list or object: strings are quoted and escaped.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The text.</returns>
    public static string ToNestedText(object? value) => value switch
    {
        null => "null",
        string s => "\"" + StringFunctions.Escape(s) + "\"",
        _ => ToText(value),
    };

    /// <summary>Scriban's truthiness: only <see langword="null"/> and <see langword="false"/> are falsy.</summary>
    /// <param name="value">The value.</param>
    /// <returns>Whether the value counts as true.</returns>
    public static bool IsTruthy(object? value) => value is not null && value is not EmptyValue && (value is not bool b || b);

    /// <summary>Whether a value is empty: <see langword="null"/>, an empty string, list or object.</summary>
    /// <param name="value">The value.</param>
    /// <returns>Whether it is empty.</returns>
    public static bool IsEmpty(object? value) => value switch
    {
        null => true,
        EmptyValue => true,
        string s => s.Length == 0,
        ScriptObject o => o.Count == 0,
        ICollection c => c.Count == 0,
        IEnumerable e => !e.GetEnumerator().MoveNext(),
        _ => false,
    };

    /// <summary><c>a + b</c>.</summary>
    /// <param name="left">The left operand.</param>
    /// <param name="right">The right operand.</param>
    /// <param name="location">Where the operator is, for errors.</param>
    /// <returns>The result.</returns>
    /// <exception cref="TemplateRuntimeException">The operands do not support the operator.</exception>
    public static object? Add(object? left, object? right, string location)
    {
        if (left is string or char || right is string or char)
        {
            return ToText(left) + ToText(right);
        }

        if (left is null || right is null)
        {
            return null;
        }

        if (left is DateTime date)
        {
            return right switch
            {
                TimeSpan span => date + span,
                _ when IsNumber(right) => date.AddDays(Convert.ToDouble(right, CultureInfo.InvariantCulture)),
                _ => throw Unsupported("+", left, right, location),
            };
        }

        if (left is TimeSpan a && right is TimeSpan b)
        {
            return a + b;
        }

        return Arithmetic(BinaryOperator.Add, left, right, location);
    }

    /// <summary><c>a - b</c>.</summary>
    /// <param name="left">The left operand.</param>
    /// <param name="right">The right operand.</param>
    /// <param name="location">Where the operator is, for errors.</param>
    /// <returns>The result.</returns>
    /// <exception cref="TemplateRuntimeException">The operands do not support the operator.</exception>
    public static object? Subtract(object? left, object? right, string location)
    {
        if (left is DateTime d1 && right is DateTime d2)
        {
            return d1 - d2;
        }

        if (left is DateTime d && right is TimeSpan s)
        {
            return d - s;
        }

        if (left is TimeSpan a && right is TimeSpan b)
        {
            return a - b;
        }

        return Arithmetic(BinaryOperator.Subtract, left, right, location);
    }

    /// <summary><c>a * b</c>; a string times an integer repeats the string.</summary>
    /// <param name="left">The left operand.</param>
    /// <param name="right">The right operand.</param>
    /// <param name="location">Where the operator is, for errors.</param>
    /// <returns>The result.</returns>
    /// <exception cref="TemplateRuntimeException">The operands do not support the operator.</exception>
    public static object? Multiply(object? left, object? right, string location)
    {
        if (left is string text || right is string)
        {
            var (s, n) = left is string ls ? (ls, right) : ((string)right!, left);
            if (n is null)
            {
                return null;
            }

            if (!IsInteger(n))
            {
                throw new TemplateRuntimeException(location, "Expecting an integer. The operator `*` is not supported for the expression. Only working on string x int or int x string");
            }

            return StringFunctions.Repeat(s, Convert.ToInt32(n, CultureInfo.InvariantCulture));
        }

        return Arithmetic(BinaryOperator.Multiply, left, right, location);
    }

    /// <summary><c>a / b</c>: integers divide as doubles.</summary>
    /// <param name="left">The left operand.</param>
    /// <param name="right">The right operand.</param>
    /// <param name="location">Where the operator is, for errors.</param>
    /// <returns>The result.</returns>
    /// <exception cref="TemplateRuntimeException">The operands do not support the operator.</exception>
    public static object? Divide(object? left, object? right, string location) => Arithmetic(BinaryOperator.Divide, left, right, location);

    /// <summary><c>a // b</c>: integer division (banker's rounding for non-integers).</summary>
    /// <param name="left">The left operand.</param>
    /// <param name="right">The right operand.</param>
    /// <param name="location">Where the operator is, for errors.</param>
    /// <returns>The result.</returns>
    /// <exception cref="TemplateRuntimeException">The operands do not support the operator.</exception>
    public static object? FloorDivide(object? left, object? right, string location) => Arithmetic(BinaryOperator.FloorDivide, left, right, location);

    /// <summary><c>a % b</c>.</summary>
    /// <param name="left">The left operand.</param>
    /// <param name="right">The right operand.</param>
    /// <param name="location">Where the operator is, for errors.</param>
    /// <returns>The result.</returns>
    /// <exception cref="TemplateRuntimeException">The operands do not support the operator.</exception>
    public static object? Modulo(object? left, object? right, string location) => Arithmetic(BinaryOperator.Modulo, left, right, location);

    /// <summary><c>a ?! b</c>: <paramref name="right"/> when <paramref name="left"/> is not null; both are evaluated, as in Scriban.</summary>
    /// <param name="left">The left operand.</param>
    /// <param name="right">The right operand.</param>
    /// <returns><paramref name="right"/>, or <see langword="null"/>.</returns>
    public static object? IfNotNull(object? left, object? right) => left is null ? null : right;

    /// <summary><c>a ?? b</c> where <c>a</c> is never null: <paramref name="left"/>, once <paramref name="right"/> is evaluated (as Scriban evaluates both).</summary>
    /// <typeparam name="T">The left operand's type.</typeparam>
    /// <param name="left">The left operand.</param>
    /// <param name="right">The right operand, evaluated for its failures only.</param>
    /// <returns><paramref name="left"/>.</returns>
    public static T Left<T>(T left, object? right) => left;

    /// <summary><c>a + b</c> of integers, in 64 bits.</summary>
    /// <param name="left">The left operand.</param>
    /// <param name="right">The right operand.</param>
    /// <param name="location">Where the operator is, for errors.</param>
    /// <returns>The sum.</returns>
    /// <exception cref="TemplateRuntimeException">The sum does not fit in 64 bits.</exception>
    public static long CheckedAdd(long left, long right, string location) => Checked(left, right, location, "+", static (a, b) => checked(a + b));

    /// <inheritdoc cref="CheckedAdd(long, long, string)"/>
    public static long? CheckedAdd(long? left, long? right, string location) => left is null || right is null ? null : CheckedAdd(left.Value, right.Value, location);

    /// <summary><c>a - b</c> of integers, in 64 bits.</summary>
    /// <param name="left">The left operand.</param>
    /// <param name="right">The right operand.</param>
    /// <param name="location">Where the operator is, for errors.</param>
    /// <returns>The difference.</returns>
    /// <exception cref="TemplateRuntimeException">The difference does not fit in 64 bits.</exception>
    public static long CheckedSubtract(long left, long right, string location) => Checked(left, right, location, "-", static (a, b) => checked(a - b));

    /// <inheritdoc cref="CheckedSubtract(long, long, string)"/>
    public static long? CheckedSubtract(long? left, long? right, string location) => left is null || right is null ? null : CheckedSubtract(left.Value, right.Value, location);

    /// <summary><c>a * b</c> of integers, in 64 bits.</summary>
    /// <param name="left">The left operand.</param>
    /// <param name="right">The right operand.</param>
    /// <param name="location">Where the operator is, for errors.</param>
    /// <returns>The product.</returns>
    /// <exception cref="TemplateRuntimeException">The product does not fit in 64 bits.</exception>
    public static long CheckedMultiply(long left, long right, string location) => Checked(left, right, location, "*", static (a, b) => checked(a * b));

    /// <inheritdoc cref="CheckedMultiply(long, long, string)"/>
    public static long? CheckedMultiply(long? left, long? right, string location) => left is null || right is null ? null : CheckedMultiply(left.Value, right.Value, location);

    private static long Checked(long left, long right, string location, string op, Func<long, long, long> operation)
    {
        try
        {
            return operation(left, right);
        }
        catch (OverflowException e)
        {
            throw new TemplateRuntimeException(location, $"`{left.ToString(CultureInfo.InvariantCulture)} {op} {right.ToString(CultureInfo.InvariantCulture)}` does not fit in a 64-bit integer", e);
        }
    }

    /// <summary><c>a ?? b</c>: both operands are evaluated, as in Scriban (a failing right operand fails even when the left is not null).</summary>
    /// <typeparam name="T">The operands' type.</typeparam>
    /// <param name="left">The left operand.</param>
    /// <param name="right">The right operand.</param>
    /// <returns><paramref name="left"/>, or <paramref name="right"/> when it is <see langword="null"/>.</returns>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(right))]
    public static T? Coalesce<T>(T? left, T? right)
        where T : class
        => left ?? right;

    /// <summary><c>a ?? b</c> of nullable values: both operands are evaluated, as in Scriban.</summary>
    /// <typeparam name="T">The operands' type.</typeparam>
    /// <param name="left">The left operand.</param>
    /// <param name="right">The right operand.</param>
    /// <returns><paramref name="left"/>, or <paramref name="right"/> when it is <see langword="null"/>.</returns>
    public static T? Coalesce<T>(T? left, T? right)
        where T : struct
        => left ?? right;

    /// <summary><c>a ?? b</c> of a nullable value and a value: both operands are evaluated, as in Scriban.</summary>
    /// <typeparam name="T">The operands' type.</typeparam>
    /// <param name="left">The left operand.</param>
    /// <param name="right">The right operand.</param>
    /// <returns><paramref name="left"/>, or <paramref name="right"/> when it is <see langword="null"/>.</returns>
    public static T Coalesce<T>(T? left, T right)
        where T : struct
        => left ?? right;

    /// <summary><c>a + b</c> of two strings that may be <see langword="null"/>: null when both are, as in Scriban.</summary>
    /// <param name="left">The left string.</param>
    /// <param name="right">The right string.</param>
    /// <returns>The concatenation, or <see langword="null"/>.</returns>
    public static string? Concat(string? left, string? right) => left is null && right is null ? null : string.Concat(left, right);

    /// <summary><c>a + b</c> of a string that may be <see langword="null"/> and another value (as text): null when the string is.</summary>
    /// <param name="text">The string side.</param>
    /// <param name="other">The other side, as text.</param>
    /// <param name="textFirst">Whether the string is the left operand.</param>
    /// <returns>The concatenation, or <see langword="null"/>.</returns>
    public static string? Concat(string? text, string other, bool textFirst) => text is null ? null : textFirst ? text + other : other + text;

    /// <summary>Unary <c>-a</c>.</summary>
    /// <param name="value">The operand.</param>
    /// <param name="location">Where the operator is, for errors.</param>
    /// <returns>The result.</returns>
    /// <exception cref="TemplateRuntimeException">The operand is null or not a number.</exception>
    public static object? Negate(object? value, string location) => value switch
    {
        null => throw new TemplateRuntimeException(location, "Operator `-` is not supported"),
        int i => i == int.MinValue ? -(long)i : -i,
        long l => l == long.MinValue ? -(BigInteger)l : -l,
        double d => -d,
        float f => -f,
        decimal m => -m,
        BigInteger b => -b,
        TimeSpan t => -t,
        _ when IsNumber(value) => Arithmetic(BinaryOperator.Subtract, 0, value, location),
        _ => throw new TemplateRuntimeException(location, $"Operator `-` is not supported on `{TypeName(value)}`"),
    };

    /// <summary>The operand of a unary <c>-</c> or <c>+</c> of a nullable number: Scriban fails on <see langword="null"/>.</summary>
    /// <typeparam name="T">The number type.</typeparam>
    /// <param name="value">The operand.</param>
    /// <param name="op">The operator, for the error.</param>
    /// <param name="location">Where the operator is, for errors.</param>
    /// <returns>The value.</returns>
    /// <exception cref="TemplateRuntimeException">The operand is <see langword="null"/>.</exception>
    public static T Operand<T>(T? value, string op, string location)
        where T : struct
        => value ?? throw new TemplateRuntimeException(location, $"Operator `{op}` is not supported");

    /// <summary>Unary <c>+a</c>.</summary>
    /// <param name="value">The operand.</param>
    /// <param name="location">Where the operator is, for errors.</param>
    /// <returns>The operand.</returns>
    /// <exception cref="TemplateRuntimeException">The operand is not a number.</exception>
    public static object? Plus(object? value, string location)
        => value is null ? throw new TemplateRuntimeException(location, "Operator `+` is not supported")
            : IsNumber(value) || value is TimeSpan ? value : throw new TemplateRuntimeException(location, $"Operator `+` is not supported on `{TypeName(value)}`");

    /// <summary><c>a == b</c> with Scriban's rules (strings compare as text, numbers after promotion).</summary>
    /// <param name="left">The left operand.</param>
    /// <param name="right">The right operand.</param>
    /// <returns>Whether they are equal.</returns>
    public static bool AreEqual(object? left, object? right)
    {
        if (left is EmptyValue || right is EmptyValue)
        {
            return IsEmpty(left is EmptyValue ? right : left);
        }

        if (left is null || right is null)
        {
            return left is null && right is null;
        }

        if (left is string or char || right is string or char)
        {
            return string.Equals(ToText(left), ToText(right), StringComparison.Ordinal);
        }

        if (left is bool lb && right is bool rb)
        {
            return lb == rb;
        }

        if ((IsNumber(left) || left is bool) && (IsNumber(right) || right is bool))
        {
            return CompareNumbers(NumberOf(left), NumberOf(right)) == 0;
        }

        return left.Equals(right);
    }

    /// <summary>Orders two values with Scriban's rules; <see langword="null"/> when they cannot be compared.</summary>
    /// <param name="left">The left operand.</param>
    /// <param name="right">The right operand.</param>
    /// <param name="location">Where the operator is, for errors.</param>
    /// <returns>
    /// Negative, zero or positive; <see langword="null"/> when either side is <see langword="null"/> and neither is a
    /// string (a string compares with <see langword="null"/> as with the empty string).
    /// </returns>
    /// <exception cref="TemplateRuntimeException">The values cannot be ordered.</exception>
    public static int? Compare(object? left, object? right, string location)
    {
        if (left is string or char || right is string or char)
        {
            return string.CompareOrdinal(ToText(left), ToText(right));
        }

        if (left is null || right is null)
        {
            return null;
        }

        if ((IsNumber(left) || left is bool) && (IsNumber(right) || right is bool))
        {
            return CompareNumbers(NumberOf(left), NumberOf(right));
        }

        if (left.GetType() == right.GetType() && left is IComparable comparable)
        {
            return comparable.CompareTo(right);
        }

        throw Unsupported("<", left, right, location);
    }

    /// <summary><c>a &lt; b</c>.</summary>
    /// <param name="left">The left operand.</param>
    /// <param name="right">The right operand.</param>
    /// <param name="location">Where the operator is, for errors.</param>
    /// <returns>The result; <see langword="false"/> when either side is <see langword="null"/> and neither is a string.</returns>
    public static bool Less(object? left, object? right, string location) => Compare(left, right, location) < 0;

    /// <summary><c>a &lt;= b</c>.</summary>
    /// <param name="left">The left operand.</param>
    /// <param name="right">The right operand.</param>
    /// <param name="location">Where the operator is, for errors.</param>
    /// <returns>The result; <see langword="false"/> when either side is <see langword="null"/> and neither is a string.</returns>
    public static bool LessOrEqual(object? left, object? right, string location) => Compare(left, right, location) <= 0;

    /// <summary><c>a &gt; b</c>.</summary>
    /// <param name="left">The left operand.</param>
    /// <param name="right">The right operand.</param>
    /// <param name="location">Where the operator is, for errors.</param>
    /// <returns>The result; <see langword="false"/> when either side is <see langword="null"/> and neither is a string.</returns>
    public static bool Greater(object? left, object? right, string location) => Compare(left, right, location) > 0;

    /// <summary><c>a &gt;= b</c>.</summary>
    /// <param name="left">The left operand.</param>
    /// <param name="right">The right operand.</param>
    /// <param name="location">Where the operator is, for errors.</param>
    /// <returns>The result; <see langword="false"/> when either side is <see langword="null"/> and neither is a string.</returns>
    public static bool GreaterOrEqual(object? left, object? right, string location) => Compare(left, right, location) >= 0;

    /// <summary>A range <c>a..b</c> or <c>a..&lt;b</c> over values known at run time.</summary>
    /// <param name="from">The start.</param>
    /// <param name="to">The end.</param>
    /// <param name="exclusive">Whether the end is left out.</param>
    /// <param name="location">Where the operator is, for errors.</param>
    /// <returns>The range, or <see langword="null"/> when a bound is <see langword="null"/>.</returns>
    /// <exception cref="TemplateRuntimeException">A bound is not an integer.</exception>
    public static ScriptRange? Range(object? from, object? to, bool exclusive, string location)
    {
        if (from is null || to is null)
        {
            return null;
        }

        if (!IsInteger(from) || !IsInteger(to))
        {
            var culprit = IsInteger(from) ? to : from;
            throw new TemplateRuntimeException(location, culprit is string
                ? $"Operator `{(exclusive ? "..<" : "..")}` is not supported on string objects"
                : $"Operator `{(exclusive ? "..<" : "..")}` expects integers, not `{TypeName(culprit)}`");
        }

        return new ScriptRange(ToInt(from, location), ToInt(to, location), exclusive);
    }

    /// <summary>Reads a member of a value known only at run time (an object literal, a string, a list or a date).</summary>
    /// <param name="target">The value.</param>
    /// <param name="name">The member name as written in the template.</param>
    /// <param name="path">The expression, for errors (<c>order.customer</c>).</param>
    /// <param name="location">Where the expression is, for errors.</param>
    /// <returns>The member's value; <see langword="null"/> when the value has no such member.</returns>
    /// <exception cref="TemplateRuntimeException">The value is <see langword="null"/>, or is a .NET object the template compiler could not see.</exception>
    public static object? GetMember(object? target, string name, string path, string location)
    {
        switch (target)
        {
            case null:
                throw new TemplateRuntimeException(location, $"Cannot get the member {path} for a null object.");
            case ScriptObject o:
                return name == "empty?" ? o.Count == 0 : o.Get(name);
            case string s:
                return name switch { "size" => s.Length, "empty?" => s.Length == 0, _ => null };
            case IDictionary d:
                return name == "empty?" ? d.Count == 0 : d.Contains(name) ? d[name] : null;
            case ICollection c:
                return name switch { "size" => c.Count, "empty?" => c.Count == 0, _ => null };
            case IReadOnlyCollection<int> r:
                return name switch { "size" => r.Count, "empty?" => r.Count == 0, _ => null };
            case DateTime d:
                return DateMember(d, name);
            case TimeSpan t:
                return TimeSpanMember(t, name);
            case KeyValuePair<string, object?> pair:
                return name switch { "key" => pair.Key, "value" => pair.Value, _ => null };
            case EmptyValue:
                return null;
            default:
                if (IsNumber(target) || target is bool || target is Enum)
                {
                    return null;
                }

                throw new TemplateRuntimeException(location, $"Cannot read `{name}` of a `{TypeName(target)}` whose type was not known when the template was compiled ({path}): assign values of one type to a template variable");
        }
    }

    /// <summary>
    /// A member the compiler did not find (TM2002 lowered to a warning): <see langword="null"/>, as in Scriban, but a
    /// <see langword="null"/> target still fails, as in Scriban.
    /// </summary>
    /// <param name="target">The value whose member is read.</param>
    /// <param name="path">The member expression, for errors.</param>
    /// <param name="location">Where the expression is, for errors.</param>
    /// <returns><see langword="null"/>.</returns>
    /// <exception cref="TemplateRuntimeException">The target is <see langword="null"/>.</exception>
    public static object? MissingMember(object? target, string path, string location)
        => target is null ? throw new TemplateRuntimeException(location, $"Cannot get the member {path} for a null object.") : null;

    /// <summary>Sets a member of an object literal.</summary>
    /// <param name="target">The object.</param>
    /// <param name="name">The member name.</param>
    /// <param name="value">The value.</param>
    /// <param name="path">The expression, for errors.</param>
    /// <param name="location">Where the expression is, for errors.</param>
    /// <exception cref="TemplateRuntimeException">The target is not an object literal.</exception>
    public static void SetMember(object? target, string name, object? value, string path, string location)
    {
        if (target is ScriptObject o)
        {
            o.Set(name, value);
            return;
        }

        throw new TemplateRuntimeException(location, target is null
            ? $"Cannot set the member {path} for a null object."
            : $"Cannot set the member {path} of a `{TypeName(target)}`: only template objects can be modified");
    }

    /// <summary>Reads <c>target[index]</c> with Scriban's rules (negative indexes count from the end).</summary>
    /// <param name="target">The list, string or object.</param>
    /// <param name="index">The index or key.</param>
    /// <param name="path">The expression, for errors.</param>
    /// <param name="location">Where the expression is, for errors.</param>
    /// <returns>The item; <see langword="null"/> when out of range (lists and strings).</returns>
    /// <exception cref="TemplateRuntimeException">The target or index is <see langword="null"/>, the target is not a list, or an index is out of an array's bounds.</exception>
    public static object? GetIndex(object? target, object? index, string path, string location)
    {
        if (target is null)
        {
            throw new TemplateRuntimeException(location, $"Object `{path}` is null. Cannot access indexer: {path}[{ToNestedText(index)}]");
        }

        if (index is null)
        {
            throw new TemplateRuntimeException(location, $"Cannot access target `{path}` with a null indexer: {path}[null]");
        }

        switch (target)
        {
            case ScriptObject o:
                return o.Get(ToText(index));
            case IDictionary d:
                var key = ToText(index);
                return d.Contains(key) ? d[key] : null;
            case string s:
                var si = Normalize(ToInt(index, location), s.Length);
                return si >= 0 && si < s.Length ? s[si].ToString() : null;
            case Array a:
                var ai = Normalize(ToInt(index, location), a.Length);
                if (ai < 0 || ai >= a.Length)
                {
                    throw new TemplateRuntimeException(location, "Index was outside the bounds of the array.");
                }

                return a.GetValue(ai);
            case IList l:
                var li = Normalize(ToInt(index, location), l.Count);
                return li >= 0 && li < l.Count ? l[li] : null;
            case IReadOnlyList<int> r:
                var ri = Normalize(ToInt(index, location), r.Count);
                return ri >= 0 && ri < r.Count ? r[ri] : null;
            default:
                throw new TemplateRuntimeException(location, $"Cannot use the {TypeName(target)} primitive `{ToText(target)}` as a list.");
        }
    }

    /// <summary>The items of a value a <c>for</c> loop iterates: a list, a string (by <see langword="char"/>) or a dictionary (by pair).</summary>
    /// <param name="value">The value.</param>
    /// <param name="location">Where the loop is, for errors.</param>
    /// <returns>The items; <see langword="null"/> for <see langword="null"/> (no iterations, no <c>else</c>).</returns>
    /// <exception cref="TemplateRuntimeException">The value cannot be iterated.</exception>
    public static List<object?>? Enumerate(object? value, string location)
    {
        switch (value)
        {
            case null:
                return null;
            case string s:
                // Each item is a char, as in Scriban: it prints as its text but is not a string (its size is 0).
                var chars = new List<object?>(s.Length);
                foreach (var c in s)
                {
                    chars.Add(c);
                }

                return chars;
            case ScriptObject o:
                var members = new List<object?>();
                foreach (var member in o)
                {
                    members.Add(member);
                }

                return members;
            case IDictionary d:
                var pairs = new List<object?>();
                foreach (DictionaryEntry entry in d)
                {
                    pairs.Add(new KeyValuePair<string, object?>(ToText(entry.Key), entry.Value));
                }

                return pairs;
            case IEnumerable e:
                var items = new List<object?>();
                foreach (var item in e)
                {
                    items.Add(item);
                }

                return items;
            default:
                throw new TemplateRuntimeException(location, $"Unexpected type `{TypeName(value)}` for iterator");
        }
    }

    /// <summary>Converts a value to an <see cref="int"/> as Scriban does for a builtin's <c>int</c> parameter.</summary>
    /// <param name="value">The value.</param>
    /// <param name="location">Where the value is used, for errors.</param>
    /// <returns>The integer; 0 for <see langword="null"/>.</returns>
    /// <exception cref="TemplateRuntimeException">The value is not a number.</exception>
    public static int ToInt(object? value, string location)
    {
        try
        {
            return value switch
            {
                null => 0,
                int i => i,
                bool b => b ? 1 : 0,
                string s => int.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture),
                BigInteger big => (int)big,
                _ => Convert.ToInt32(value, CultureInfo.InvariantCulture),
            };
        }
        catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException)
        {
            throw new TemplateRuntimeException(location, $"Unable to convert `{ToText(value)}` to an integer", e);
        }
    }

    /// <summary>Converts a <see cref="long"/> to an <see cref="int"/> as Scriban does for a builtin's <c>int</c> parameter: it must fit.</summary>
    /// <param name="value">The value.</param>
    /// <param name="location">Where the value is used, for errors.</param>
    /// <returns>The number.</returns>
    /// <exception cref="TemplateRuntimeException">The value is outside the range of <see cref="int"/>.</exception>
    public static int ToInt(long value, string location)
        => value is >= int.MinValue and <= int.MaxValue ? (int)value : throw new TemplateRuntimeException(location, "Unable to convert type `long` to int");

    /// <summary>Converts a value to a <see cref="double"/> as Scriban does for a builtin's <c>double</c> parameter.</summary>
    /// <param name="value">The value.</param>
    /// <param name="location">Where the value is used, for errors.</param>
    /// <returns>The number; 0 for <see langword="null"/>.</returns>
    /// <exception cref="TemplateRuntimeException">The value is not a number.</exception>
    public static double ToDouble(object? value, string location)
    {
        try
        {
            return value switch
            {
                null => 0,
                double d => d,
                string s => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture),
                BigInteger big => (double)big,
                _ => Convert.ToDouble(value, CultureInfo.InvariantCulture),
            };
        }
        catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException)
        {
            throw new TemplateRuntimeException(location, $"Unable to convert `{ToText(value)}` to a number", e);
        }
    }

    /// <summary>Converts a value to a date for a builtin's <c>DateTime</c> parameter.</summary>
    /// <param name="value">The value.</param>
    /// <param name="location">Where the value is used, for errors.</param>
    /// <returns>The date; <see langword="null"/> for <see langword="null"/>.</returns>
    /// <exception cref="TemplateRuntimeException">The value is not a date.</exception>
    public static DateTime? ToDateTime(object? value, string location) => value switch
    {
        null => null,
        DateTime d => d,
        DateTimeOffset o => o.DateTime,
        _ => throw new TemplateRuntimeException(location, $"Unable to convert type `{TypeName(value)}` to `DateTime`"),
    };

    /// <summary>Throws when a value is <see langword="null"/>, as Scriban does for a member read on <see langword="null"/>.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="value">The value.</param>
    /// <param name="path">The member expression (<c>order.customer.name</c>).</param>
    /// <param name="location">Where the expression is.</param>
    /// <returns>The value.</returns>
    /// <exception cref="TemplateRuntimeException">The value is <see langword="null"/>.</exception>
    public static T NotNull<T>(T? value, string path, string location)
        where T : class
        => value ?? throw new TemplateRuntimeException(location, $"Cannot get the member {path} for a null object.");

    /// <summary>Throws when a nullable value is <see langword="null"/>, as Scriban does for a member read on <see langword="null"/>.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="value">The value.</param>
    /// <param name="path">The member expression.</param>
    /// <param name="location">Where the expression is.</param>
    /// <returns>The value.</returns>
    /// <exception cref="TemplateRuntimeException">The value is <see langword="null"/>.</exception>
    public static T NotNull<T>(T? value, string path, string location)
        where T : struct
        => value ?? throw new TemplateRuntimeException(location, $"Cannot get the member {path} for a null object.");

    /// <summary>Reads an item of a typed list with Scriban's rules: negative indexes count from the end; out of range is <see langword="null"/>.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="list">The list.</param>
    /// <param name="index">The index.</param>
    /// <param name="path">The expression, for errors.</param>
    /// <param name="location">Where the expression is, for errors.</param>
    /// <returns>The item, or <see langword="default"/>.</returns>
    /// <exception cref="TemplateRuntimeException">The list is <see langword="null"/>.</exception>
    public static T? Item<T>(IReadOnlyList<T>? list, int index, string path, string location)
    {
        if (list is null)
        {
            throw new TemplateRuntimeException(location, $"Object `{path}` is null. Cannot access indexer: {path}[{index}]");
        }

        var i = Normalize(index, list.Count);
        return i >= 0 && i < list.Count ? list[i] : default;
    }

    /// <summary>Reads an item of a list of a value type: out of range is <see langword="null"/>, as in Scriban, not <see langword="default"/>.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="list">The list.</param>
    /// <param name="index">The index.</param>
    /// <param name="path">The expression, for errors.</param>
    /// <param name="location">Where the expression is, for errors.</param>
    /// <returns>The boxed item, or <see langword="null"/>.</returns>
    /// <exception cref="TemplateRuntimeException">The list is <see langword="null"/>.</exception>
    public static object? ValueItem<T>(IReadOnlyList<T>? list, int index, string path, string location)
        where T : struct
    {
        if (list is null)
        {
            throw new TemplateRuntimeException(location, $"Object `{path}` is null. Cannot access indexer: {path}[{index}]");
        }

        var i = Normalize(index, list.Count);
        return i >= 0 && i < list.Count ? list[i] : null;
    }

    /// <summary>Reads an item of an array of a value type with Scriban's rules: boxed, and <see langword="null"/> for an index before the start.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="array">The array.</param>
    /// <param name="index">The index.</param>
    /// <param name="path">The expression, for errors.</param>
    /// <param name="location">Where the expression is, for errors.</param>
    /// <returns>The boxed item, or <see langword="null"/>.</returns>
    /// <exception cref="TemplateRuntimeException">The array is <see langword="null"/> or the index is past its end.</exception>
    public static object? ValueItem<T>(T[]? array, int index, string path, string location)
        where T : struct
        => Normalize(index, array?.Length ?? 0) < 0 && array is not null ? null : Item(array, index, path, location);

    /// <summary>Reads an item of an array with Scriban's rules: negative indexes count from the end; an index still negative is <see langword="default"/>, one past the end fails.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="array">The array.</param>
    /// <param name="index">The index.</param>
    /// <param name="path">The expression, for errors.</param>
    /// <param name="location">Where the expression is, for errors.</param>
    /// <returns>The item, or <see langword="default"/>.</returns>
    /// <exception cref="TemplateRuntimeException">The array is <see langword="null"/> or the index is past its end.</exception>
    public static T? Item<T>(T[]? array, int index, string path, string location)
    {
        if (array is null)
        {
            throw new TemplateRuntimeException(location, $"Object `{path}` is null. Cannot access indexer: {path}[{index}]");
        }

        // As Scriban: an index still negative after counting from the end is null; one past the end fails.
        var i = Normalize(index, array.Length);
        return i < 0 ? default : i < array.Length ? array[i] : throw new TemplateRuntimeException(location, "Index was outside the bounds of the array.");
    }

    /// <summary>Reads a character of a string as a string: negative indexes count from the end; out of range is <see langword="null"/>.</summary>
    /// <param name="text">The string.</param>
    /// <param name="index">The index.</param>
    /// <param name="path">The expression, for errors.</param>
    /// <param name="location">Where the expression is, for errors.</param>
    /// <returns>The character, or <see langword="null"/>.</returns>
    /// <exception cref="TemplateRuntimeException">The string is <see langword="null"/>.</exception>
    public static string? Item(string? text, int index, string path, string location)
    {
        if (text is null)
        {
            throw new TemplateRuntimeException(location, $"Object `{path}` is null. Cannot access indexer: {path}[{index}]");
        }

        // As Scriban: an index still negative after counting from the end is null; one past the end fails.
        var i = Normalize(index, text.Length);
        return i < 0 ? null : i < text.Length ? text[i].ToString() : throw new TemplateRuntimeException(location, "Index was outside the bounds of the array.");
    }

    /// <summary>Reads a dictionary entry by its raw key; a missing key is <see langword="default"/>.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="dictionary">The dictionary.</param>
    /// <param name="key">The key.</param>
    /// <param name="path">The expression, for errors.</param>
    /// <param name="location">Where the expression is, for errors.</param>
    /// <returns>The value, or <see langword="default"/>.</returns>
    /// <exception cref="TemplateRuntimeException">The dictionary is <see langword="null"/>.</exception>
    public static T? Entry<T>(IReadOnlyDictionary<string, T>? dictionary, string? key, string path, string location)
    {
        if (dictionary is null)
        {
            throw new TemplateRuntimeException(location, $"Cannot get the member {path} for a null object.");
        }

        return key is not null && dictionary.TryGetValue(key, out var value) ? value : default;
    }

    /// <summary>The .NET-independent type name Scriban uses in messages.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The name.</returns>
    public static string TypeName(object? value) => value switch
    {
        null => "null",
        string => "string",
        bool => "bool",
        int => "int",
        long => "long",
        double => "double",
        float => "float",
        decimal => "decimal",
        _ => value.GetType().Name,
    };

    internal static string ListToText(IEnumerable items)
    {
        var sb = new StringBuilder("[");
        var first = true;
        foreach (var item in items)
        {
            if (!first)
            {
                sb.Append(", ");
            }

            first = false;
            sb.Append(ToNestedText(item));
        }

        return sb.Append(']').ToString();
    }

    internal static bool IsNumber(object? value) => value is int or long or double or float or decimal or BigInteger or byte or sbyte or short or ushort or uint or ulong || value is Enum;

    internal static bool IsInteger(object? value) => value is int or long or BigInteger or byte or sbyte or short or ushort or uint or ulong;

    private static int Normalize(int index, int count) => index < 0 ? count + index : index;

    private static object? DateMember(DateTime date, string name) => name switch
    {
        "year" => date.Year,
        "month" => date.Month,
        "day" => date.Day,
        "hour" => date.Hour,
        "minute" => date.Minute,
        "second" => date.Second,
        "millisecond" => date.Millisecond,
        "day_of_year" => date.DayOfYear,
        "day_of_week" => date.DayOfWeek,
        "date" => date.Date,
        "ticks" => date.Ticks,
        _ => null,
    };

    private static object? TimeSpanMember(TimeSpan span, string name) => name switch
    {
        "days" => span.Days,
        "hours" => span.Hours,
        "minutes" => span.Minutes,
        "seconds" => span.Seconds,
        "milliseconds" => span.Milliseconds,
        "ticks" => span.Ticks,
        "total_days" => span.TotalDays,
        "total_hours" => span.TotalHours,
        "total_minutes" => span.TotalMinutes,
        "total_seconds" => span.TotalSeconds,
        "total_milliseconds" => span.TotalMilliseconds,
        _ => null,
    };

    private enum BinaryOperator
    {
        Add,
        Subtract,
        Multiply,
        Divide,
        FloorDivide,
        Modulo,
    }

    private static string Symbol(BinaryOperator op) => op switch
    {
        BinaryOperator.Add => "+",
        BinaryOperator.Subtract => "-",
        BinaryOperator.Multiply => "*",
        BinaryOperator.Divide => "/",
        BinaryOperator.FloorDivide => "//",
        _ => "%",
    };

    private static object? Arithmetic(BinaryOperator op, object? left, object? right, string location)
    {
        if (left is string || right is string)
        {
            throw new TemplateRuntimeException(location, $"Operator `{Symbol(op)}` is not supported on string objects");
        }

        if (left is null || right is null)
        {
            return null;
        }

        if (!(IsNumber(left) || left is bool) || !(IsNumber(right) || right is bool))
        {
            throw Unsupported(Symbol(op), left, right, location);
        }

        var a = NumberOf(left);
        var b = NumberOf(right);
        try
        {
            if (a is decimal || b is decimal)
            {
                var x = Convert.ToDecimal(a, CultureInfo.InvariantCulture);
                var y = Convert.ToDecimal(b, CultureInfo.InvariantCulture);
                return op switch
                {
                    BinaryOperator.Add => x + y,
                    BinaryOperator.Subtract => x - y,
                    BinaryOperator.Multiply => x * y,
                    BinaryOperator.Divide => x / y,
                    BinaryOperator.FloorDivide => Math.Round(x / y),
                    _ => x % y,
                };
            }

            if (a is float && b is not double || b is float && a is not double)
            {
                var fx = Convert.ToSingle(a, CultureInfo.InvariantCulture);
                var fy = Convert.ToSingle(b, CultureInfo.InvariantCulture);
                return op switch
                {
                    BinaryOperator.Add => fx + fy,
                    BinaryOperator.Subtract => fx - fy,
                    BinaryOperator.Multiply => fx * fy,
                    BinaryOperator.Divide => fx / fy,
                    BinaryOperator.FloorDivide => (float)(int)(fx / fy), // Scriban truncates (it rounds doubles and decimals).
                    _ => fx % fy,
                };
            }

            if (a is double || b is double)
            {
                var x = ToDoubleNumber(a);
                var y = ToDoubleNumber(b);
                return op switch
                {
                    BinaryOperator.Add => x + y,
                    BinaryOperator.Subtract => x - y,
                    BinaryOperator.Multiply => x * y,
                    BinaryOperator.Divide => x / y,
                    BinaryOperator.FloorDivide => Math.Round(x / y),
                    _ => x % y,
                };
            }

            var bx = a is BigInteger ba ? ba : new BigInteger(Convert.ToInt64(a, CultureInfo.InvariantCulture));
            var by = b is BigInteger bb ? bb : new BigInteger(Convert.ToInt64(b, CultureInfo.InvariantCulture));
            BigInteger result;
            switch (op)
            {
                case BinaryOperator.Add:
                    result = bx + by;
                    break;
                case BinaryOperator.Subtract:
                    result = bx - by;
                    break;
                case BinaryOperator.Multiply:
                    result = bx * by;
                    break;
                case BinaryOperator.Divide:
                    return (double)bx / (double)by;
                case BinaryOperator.FloorDivide:
                    result = BigInteger.Divide(bx, by);
                    break;
                default:
                    result = BigInteger.Remainder(bx, by);
                    break;
            }

            return Narrow(result);
        }
        catch (DivideByZeroException e)
        {
            throw new TemplateRuntimeException(location, "Cannot divide by zero", e);
        }
    }

    private static object Narrow(BigInteger value)
    {
        if (value >= int.MinValue && value <= int.MaxValue)
        {
            return (int)value;
        }

        if (value >= long.MinValue && value <= long.MaxValue)
        {
            return (long)value;
        }

        return value;
    }

    private static object NumberOf(object value) => value switch
    {
        bool b => b ? 1 : 0,
        Enum e => Convert.ToInt64(e, CultureInfo.InvariantCulture),
        byte or sbyte or short or ushort => Convert.ToInt32(value, CultureInfo.InvariantCulture),
        uint u => (long)u,
        ulong ul => new BigInteger(ul),
        _ => value,
    };

    private static double ToDoubleNumber(object value) => value is BigInteger big ? (double)big : Convert.ToDouble(value, CultureInfo.InvariantCulture);

    private static int CompareNumbers(object a, object b)
    {
        if (a is decimal || b is decimal)
        {
            if (a is double or float || b is double or float)
            {
                return ToDoubleNumber(a).CompareTo(ToDoubleNumber(b));
            }

            return Convert.ToDecimal(a, CultureInfo.InvariantCulture).CompareTo(Convert.ToDecimal(b, CultureInfo.InvariantCulture));
        }

        if (a is double or float || b is double or float)
        {
            return ToDoubleNumber(a).CompareTo(ToDoubleNumber(b));
        }

        var x = a is BigInteger ba ? ba : new BigInteger(Convert.ToInt64(a, CultureInfo.InvariantCulture));
        var y = b is BigInteger bb ? bb : new BigInteger(Convert.ToInt64(b, CultureInfo.InvariantCulture));
        return x.CompareTo(y);
    }

    private static TemplateRuntimeException Unsupported(string op, object? left, object? right, string location)
        => new(location, $"Operator `{op}` is not supported between `{TypeName(left)}` and `{TypeName(right)}`");

    private sealed class EmptyValue
    {
        public override string ToString() => "";
    }
}
