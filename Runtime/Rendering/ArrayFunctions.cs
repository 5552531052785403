using System;
using System.Collections;
using System.Collections.Generic;
using System.ComponentModel;
using System.Text;

namespace TypedMail.Rendering;

/// <summary>Scriban's <c>array.*</c> builtins over typed lists. Used by generated code only.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ArrayFunctions
{
    /// <summary>Turns a value known only at run time into a list for the <c>array.*</c> builtins.</summary>
    /// <param name="value">The value.</param>
    /// <param name="location">Where the value is used, for errors.</param>
    /// <returns>The items; <see langword="null"/> for <see langword="null"/>.</returns>
    /// <exception cref="TemplateRuntimeException">The value is not a list.</exception>
    public static List<object?>? ToList(object? value, string location)
        => value is string ? throw new TemplateRuntimeException(location, "Expecting a list, not a string") : ScriptValue.Enumerate(value, location);

    /// <summary><c>array.size</c>.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="list">The list.</param>
    /// <returns>The count; 0 for <see langword="null"/>.</returns>
    public static int Size<T>(IEnumerable<T>? list) => list switch
    {
        null => 0,
        IReadOnlyCollection<T> c => c.Count,
        ICollection<T> c => c.Count,
        _ => Count(list),
    };

    /// <summary><c>array.join</c>: the items as text, separated by <paramref name="delimiter"/>.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="list">The list.</param>
    /// <param name="delimiter">The separator.</param>
    /// <returns>The text; empty for <see langword="null"/>.</returns>
    public static string Join<T>(IEnumerable<T>? list, string? delimiter)
    {
        if (list is null)
        {
            return "";
        }

        var sb = new StringBuilder();
        var first = true;
        foreach (var item in list)
        {
            if (!first)
            {
                sb.Append(delimiter);
            }

            first = false;
            sb.Append(ScriptValue.ToText(item));
        }

        return sb.ToString();
    }

    /// <summary><c>array.first</c>.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="list">The list.</param>
    /// <returns>The first item, or <see langword="default"/>.</returns>
    public static T? First<T>(IEnumerable<T>? list)
    {
        if (list is null)
        {
            return default;
        }

        foreach (var item in list)
        {
            return item;
        }

        return default;
    }

    /// <summary><c>array.last</c>.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="list">The list.</param>
    /// <returns>The last item, or <see langword="default"/>.</returns>
    public static T? Last<T>(IEnumerable<T>? list)
    {
        if (list is IReadOnlyList<T> indexed)
        {
            return indexed.Count == 0 ? default : indexed[indexed.Count - 1];
        }

        var last = default(T);
        if (list is not null)
        {
            foreach (var item in list)
            {
                last = item;
            }
        }

        return last;
    }

    /// <summary><c>array.limit</c>: the first <paramref name="count"/> items.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="list">The list.</param>
    /// <param name="count">How many to keep.</param>
    /// <returns>A new list, or <see langword="null"/> for <see langword="null"/>.</returns>
    public static List<T>? Limit<T>(IEnumerable<T>? list, int count)
    {
        if (list is null)
        {
            return null;
        }

        var result = new List<T>();
        foreach (var item in list)
        {
            if (result.Count >= count)
            {
                break;
            }

            result.Add(item);
        }

        return result;
    }

    /// <summary><c>array.offset</c>: the items after the first <paramref name="count"/>.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="list">The list.</param>
    /// <param name="count">How many to skip.</param>
    /// <returns>A new list, or <see langword="null"/> for <see langword="null"/>.</returns>
    public static List<T>? Offset<T>(IEnumerable<T>? list, int count)
    {
        if (list is null)
        {
            return null;
        }

        var result = new List<T>();
        var index = 0;
        foreach (var item in list)
        {
            if (index++ >= count)
            {
                result.Add(item);
            }
        }

        return result;
    }

    /// <summary><c>array.reverse</c>.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="list">The list.</param>
    /// <returns>A new list; empty for <see langword="null"/>.</returns>
    public static List<T> Reverse<T>(IEnumerable<T>? list)
    {
        var result = list is null ? [] : new List<T>(list);
        result.Reverse();
        return result;
    }

    /// <summary><c>array.sort</c> by value, with Scriban's ordering.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="list">The list.</param>
    /// <returns>A new sorted list; empty for <see langword="null"/>.</returns>
    public static List<T> Sort<T>(IEnumerable<T>? list) => SortBy(list, static item => item);

    /// <summary><c>array.sort "member"</c>, with the member read by compiled code.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <typeparam name="TKey">The member type.</typeparam>
    /// <param name="list">The list.</param>
    /// <param name="key">Reads the member.</param>
    /// <returns>A new sorted list (stable); empty for <see langword="null"/>.</returns>
    /// <exception cref="TemplateRuntimeException">The keys are of different types, or cannot be ordered.</exception>
    public static List<T> SortBy<T, TKey>(IEnumerable<T>? list, Func<T, TKey> key)
    {
        var result = list is null ? [] : new List<T>(list);
        var keys = new object?[result.Count];
        var order = new int[result.Count];
        object? first = null;
        for (var i = 0; i < result.Count; i++)
        {
            var value = keys[i] = key(result[i]);
            order[i] = i;
            if (value is not null)
            {
                // Values of one type are ordered by their own comparison; any other mix fails, as in Scriban.
                first ??= value;
                if (first.GetType() != value.GetType() || value is not IComparable)
                {
                    throw new TemplateRuntimeException("array.sort", $"Cannot order `{ScriptValue.TypeName(first)}` and `{ScriptValue.TypeName(value)}`");
                }
            }
        }

        Array.Sort(order, (a, b) =>
        {
            var c = SortOrder(keys[a], keys[b]);
            return c != 0 ? c : a.CompareTo(b);
        });
        var sorted = new List<T>(result.Count);
        foreach (var i in order)
        {
            sorted.Add(result[i]);
        }

        return sorted;
    }

    /// <summary>
    /// The order of <c>array.sort</c>, Scriban's default comparer over values of one type: null first, then each
    /// type's own comparison, text by the invariant culture's rules (not ordinally, unlike the <c>&lt;</c> operator).
    /// </summary>
    private static int SortOrder(object? left, object? right)
    {
        if (left is null || right is null)
        {
            return left is null ? (right is null ? 0 : -1) : 1;
        }

        return left is string a ? string.Compare(a, (string)right, StringComparison.InvariantCulture) : ((IComparable)left).CompareTo(right);
    }

    /// <summary><c>array.sort "member"</c> over template objects, by the member's raw name.</summary>
    /// <param name="list">The list.</param>
    /// <param name="member">The member name.</param>
    /// <param name="location">Where the call is, for errors.</param>
    /// <returns>A new sorted list; empty for <see langword="null"/>.</returns>
    public static List<object?> SortBy(IEnumerable<object?>? list, string member, string location)
        => SortBy(list, item => ScriptValue.GetMember(item, member, member, location));

    /// <summary><c>array.map "member"</c>, with the member read by compiled code.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <typeparam name="TResult">The member type.</typeparam>
    /// <param name="list">The list.</param>
    /// <param name="selector">Reads the member.</param>
    /// <returns>The members' values; empty for <see langword="null"/>.</returns>
    public static List<TResult> Map<T, TResult>(IEnumerable<T>? list, Func<T, TResult> selector)
    {
        var result = new List<TResult>();
        if (list is not null)
        {
            foreach (var item in list)
            {
                result.Add(selector(item));
            }
        }

        return result;
    }

    /// <summary><c>array.map "member"</c> over template objects, by the member's raw name.</summary>
    /// <param name="list">The list.</param>
    /// <param name="member">The member name.</param>
    /// <param name="location">Where the call is, for errors.</param>
    /// <returns>The members' values; empty for <see langword="null"/>.</returns>
    public static List<object?> Map(IEnumerable<object?>? list, string member, string location)
        => Map(list, item => ScriptValue.GetMember(item, member, member, location));

    /// <summary><c>array.uniq</c>: the distinct items, in order.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="list">The list.</param>
    /// <returns>A new list, or <see langword="null"/> for <see langword="null"/>.</returns>
    public static List<T>? Uniq<T>(IEnumerable<T>? list)
    {
        if (list is null)
        {
            return null;
        }

        var result = new List<T>();
        foreach (var item in list)
        {
            if (!result.Exists(existing => ScriptValue.AreEqual(existing, item)))
            {
                result.Add(item);
            }
        }

        return result;
    }

    /// <summary><c>array.compact</c>: the items that are not <see langword="null"/>.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="list">The list.</param>
    /// <returns>A new list, or <see langword="null"/> for <see langword="null"/>.</returns>
    public static List<T>? Compact<T>(IEnumerable<T>? list)
    {
        if (list is null)
        {
            return null;
        }

        var result = new List<T>();
        foreach (var item in list)
        {
            if (item is not null)
            {
                result.Add(item);
            }
        }

        return result;
    }

    /// <summary><c>array.concat</c>.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="list">The first list.</param>
    /// <param name="other">The second list.</param>
    /// <returns>A new list, or <see langword="null"/> when both are <see langword="null"/>.</returns>
    public static List<T>? Concat<T>(IEnumerable<T>? list, IEnumerable<T>? other)
    {
        if (list is null && other is null)
        {
            return null;
        }

        var result = new List<T>();
        if (list is not null)
        {
            result.AddRange(list);
        }

        if (other is not null)
        {
            result.AddRange(other);
        }

        return result;
    }

    /// <summary><c>array.contains</c>, with Scriban's equality.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="list">The list.</param>
    /// <param name="item">The item to find.</param>
    /// <returns>Whether the list holds it.</returns>
    public static bool Contains<T>(IEnumerable<T>? list, object? item)
    {
        if (list is not null)
        {
            foreach (var existing in list)
            {
                if (ScriptValue.AreEqual(existing, item))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary><c>array.cycle</c>: the next item on each call, per group (or per list when there is no group).</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="output">The render, which keeps the counters.</param>
    /// <param name="list">The list.</param>
    /// <param name="group">The group name.</param>
    /// <returns>The item, or <see langword="default"/> for an empty or <see langword="null"/> list.</returns>
    public static T? Cycle<T>(TemplateWriter output, IEnumerable<T>? list, string? group = null)
    {
        if (list is null)
        {
            return default;
        }

        var items = list as IReadOnlyList<T> ?? new List<T>(list);
        if (items.Count == 0)
        {
            return default;
        }

        var index = output.NextCycle(group ?? ScriptValue.ListToText(items));
        return items[index % items.Count];
    }

    private static int Count(IEnumerable items)
    {
        var n = 0;
        foreach (var _ in items)
        {
            n++;
        }

        return n;
    }
}
