using System;
using System.Collections;
using System.Collections.Generic;
using System.ComponentModel;
using System.Text;

namespace TypedMail.Rendering;

/// <summary>
/// A template object literal (<c>{ title: "x" }</c>): members by their raw names, in insertion order.
/// Used by generated code only.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class ScriptObject : IEnumerable<KeyValuePair<string, object?>>
{
    private readonly Dictionary<string, object?> _members = new(StringComparer.Ordinal);

    /// <summary>The number of members.</summary>
    public int Count => _members.Count;

    /// <summary>Reads a member; a missing one is <see langword="null"/>.</summary>
    /// <param name="name">The member name.</param>
    /// <returns>The value, or <see langword="null"/>.</returns>
    public object? Get(string name) => _members.TryGetValue(name, out var value) ? value : null;

    /// <summary>Whether a member exists.</summary>
    /// <param name="name">The member name.</param>
    /// <returns><see langword="true"/> when it exists.</returns>
    public bool Has(string name) => _members.ContainsKey(name);

    /// <summary>Sets a member.</summary>
    /// <param name="name">The member name.</param>
    /// <param name="value">The value.</param>
    /// <returns>This object, so literals can be built in one expression.</returns>
    public ScriptObject Set(string name, object? value)
    {
        _members[name] = value;
        return this;
    }

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => _members.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Scriban's text for an object: <c>{a: 1, b: "x"}</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var sb = new StringBuilder("{");
        var first = true;
        foreach (var member in _members)
        {
            if (!first)
            {
                sb.Append(", ");
            }

            first = false;
            sb.Append(member.Key).Append(": ").Append(ScriptValue.ToNestedText(member.Value));
        }

        return sb.Append('}').ToString();
    }
}

/// <summary>An integer range <c>a..b</c> or <c>a..&lt;b</c>, counting up or down. Used by generated code only.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class ScriptRange : IReadOnlyList<int>
{
    private readonly int _start;
    private readonly int _step;

    /// <summary>Creates a range.</summary>
    /// <param name="from">The first value.</param>
    /// <param name="to">The last value (or the bound when <paramref name="exclusive"/>).</param>
    /// <param name="exclusive">Whether <paramref name="to"/> itself is left out (<c>..&lt;</c>).</param>
    public ScriptRange(int from, int to, bool exclusive)
    {
        _start = from;
        _step = to >= from ? 1 : -1;
        var count = Math.Abs((long)to - from) + (exclusive ? 0 : 1);
        Count = (int)Math.Min(count, int.MaxValue);
    }

    /// <inheritdoc/>
    public int Count { get; }

    /// <inheritdoc/>
    public int this[int index] => index >= 0 && index < Count ? _start + (index * _step) : throw new ArgumentOutOfRangeException(nameof(index));

    /// <inheritdoc/>
    public IEnumerator<int> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return _start + (i * _step);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Scriban's text for a list: <c>[1, 2, 3]</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => ScriptValue.ToText(this);
}
