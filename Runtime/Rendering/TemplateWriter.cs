using System;
using System.Buffers;
using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace TypedMail.Rendering;

/// <summary>
/// The output of one render of a compiled template: a pooled character buffer with Scriban's auto-indentation,
/// HTML encoding, the loop limit and the per-render state of a few builtins. Used by generated code only.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class TemplateWriter : IDisposable
{
    /// <summary>Scriban's default <c>LoopLimit</c>: iterations allowed per top-level loop, nested loops included.</summary>
    public const int LoopLimit = 1000;

    private const int MaxEntityLength = 12;

    /// <summary>Scriban's default <c>date.format</c>.</summary>
    public const string DefaultDateFormat = "%d %b %Y";

    /// <summary>The ASCII characters <see cref="System.Net.WebUtility.HtmlEncode(string)"/> encodes.</summary>
    private static readonly SearchValues<char> AsciiToEncode = SearchValues.Create("\"&'<>");

    /// <summary>What WebUtility writes for each character below U+0100: the character itself or its entity.</summary>
    private static readonly byte[] Latin1 = Latin1Encoding.CreateTable();

    /// <summary>The longest buffer a thread keeps with its writer between renders (8 KB); longer ones go back to the pool.</summary>
    private const int MaxKeptBuffer = 4096;

    /// <summary>The writer this thread used last, kept with its buffer for its next render.</summary>
    [ThreadStatic]
    private static TemplateWriter? t_cached;

    private bool _rented;
    private char[] _buffer = [];
    private int _length;
    private List<(string Base, string Indent)>? _indents;
    private string _base = "";
    private string _indent = "";
    private bool _atLineStart;
    private int _loopDepth;
    private int _loopSteps;
    private Dictionary<string, int>? _cycles;

    private TemplateWriter()
    {
        Culture = CultureInfo.InvariantCulture;
    }

    /// <summary>
    /// Starts an empty output, reusing the writer this thread disposed last when there is one. Dispose it when the
    /// render ends: that keeps the writer, with its buffer, for the thread's next render.
    /// </summary>
    /// <param name="capacity">The expected length of the output, in characters.</param>
    /// <param name="culture">The email's culture, for the localized formatting builtins (<see cref="LocalFormatting"/>).</param>
    /// <returns>The writer.</returns>
    public static TemplateWriter Rent(int capacity, CultureInfo culture)
    {
        ArgumentNullException.ThrowIfNull(culture);
        var writer = t_cached ?? new TemplateWriter();
        t_cached = null;
        writer._rented = true;
        capacity = Math.Max(capacity, 16);
        if (writer._buffer.Length < capacity)
        {
            if (writer._buffer.Length > 0)
            {
                ArrayPool<char>.Shared.Return(writer._buffer);
            }

            writer._buffer = ArrayPool<char>.Shared.Rent(capacity);
        }

        writer.Culture = culture;
        return writer;
    }

    /// <summary>The email's culture. Only the localized formatting builtins use it; everything else formats invariantly, as Scriban does.</summary>
    public CultureInfo Culture { get; private set; }

    /// <summary>The format used when a date is written without a pattern (<c>date.format</c>).</summary>
    public string DateFormat { get; set; } = DefaultDateFormat;

    /// <summary>The number of characters written so far.</summary>
    public int Length => _length;

    /// <summary>Writes text as is (after auto-indentation).</summary>
    /// <param name="text">The text; <see langword="null"/> writes nothing.</param>
    public void WriteString(string? text)
    {
        if (text is not null)
        {
            Put(text.AsSpan());
        }
    }

    /// <summary>Writes the content of an escape block (<c>{%{ … }%}</c>): as is, without the auto-indentation, as Scriban writes it.</summary>
    /// <param name="text">The text.</param>
    public void WriteVerbatim(string text)
    {
        Append(text.AsSpan());
        if (text.Length > 0)
        {
            _atLineStart = text[text.Length - 1] == '\n';
        }
    }

    /// <summary>Writes text HTML-encoded exactly as <see cref="System.Net.WebUtility.HtmlEncode(string)"/> does.</summary>
    /// <param name="text">The text; <see langword="null"/> writes nothing.</param>
    public void WriteHtml(string? text)
    {
        if (text is null)
        {
            return;
        }

        var span = text.AsSpan();
        var first = NextToEncode(span);
        if (first < 0)
        {
            // Most values need no encoding: one vectorized scan, one copy.
            Put(span);
            return;
        }

        if (_indent.Length > 0)
        {
            WriteHtmlIndented(span, first);
            return;
        }

        // An encoded character takes at most 6 characters (`&quot;`, `&#255;`; a surrogate pair 10 for 2), and the
        // loop stores a whole table entry (8 characters, for one character or a pair) before counting those that belong.
        var worst = first + ((span.Length - first) * 6) + Latin1Encoding.Width;
        if (_length + worst > _buffer.Length)
        {
            Grow(worst);
        }

        var buffer = _buffer;
        Copy(span.Slice(0, first), ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(buffer), _length));
        _length = Encode(span, first, buffer, _length + first);
        _atLineStart = span[span.Length - 1] == '\n';
    }

    /// <summary>
    /// Writes the encoding of <c>text[i..]</c> at <c>buffer[pos]</c> and returns the position after it. The buffer has
    /// room for the worst case plus <see cref="Latin1Encoding.Width"/>, so no bounds are checked.
    /// </summary>
    private static int Encode(ReadOnlySpan<char> text, int i, char[] buffer, int pos)
    {
        ref var source = ref MemoryMarshal.GetReference(text);
        ref var target = ref MemoryMarshal.GetArrayDataReference(buffer);
        ref var table = ref MemoryMarshal.GetArrayDataReference(Latin1);
        ref var pairs = ref MemoryMarshal.GetArrayDataReference(AsciiPairEncoding.Table);
        var at = (nuint)i;
        var end = (nuint)text.Length;
        var written = (nuint)pos;
        while (at < end)
        {
            // Eight characters at a time: two by two when all eight are ASCII, else one by one when all are below
            // U+0100. No branch depends on which of them are encoded.
            if (at + 8 <= end)
            {
                ref var block = ref Unsafe.As<char, byte>(ref Unsafe.Add(ref source, at));
                var low = Unsafe.ReadUnaligned<ulong>(ref block);
                var high = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref block, sizeof(ulong)));
                if (BitConverter.IsLittleEndian && ((low | high) & 0xFF80_FF80_FF80_FF80) == 0)
                {
                    written = AsciiPairEncoding.Store(ref pairs, ref table, (uint)low, ref target, written);
                    written = AsciiPairEncoding.Store(ref pairs, ref table, (uint)(low >> 32), ref target, written);
                    written = AsciiPairEncoding.Store(ref pairs, ref table, (uint)high, ref target, written);
                    written = AsciiPairEncoding.Store(ref pairs, ref table, (uint)(high >> 32), ref target, written);
                    at += 8;
                    continue;
                }

                if (((low | high) & 0xFF00_FF00_FF00_FF00) == 0)
                {
                    written = Latin1Encoding.Store(ref table, Unsafe.Add(ref source, at), ref target, written);
                    written = Latin1Encoding.Store(ref table, Unsafe.Add(ref source, at + 1), ref target, written);
                    written = Latin1Encoding.Store(ref table, Unsafe.Add(ref source, at + 2), ref target, written);
                    written = Latin1Encoding.Store(ref table, Unsafe.Add(ref source, at + 3), ref target, written);
                    written = Latin1Encoding.Store(ref table, Unsafe.Add(ref source, at + 4), ref target, written);
                    written = Latin1Encoding.Store(ref table, Unsafe.Add(ref source, at + 5), ref target, written);
                    written = Latin1Encoding.Store(ref table, Unsafe.Add(ref source, at + 6), ref target, written);
                    written = Latin1Encoding.Store(ref table, Unsafe.Add(ref source, at + 7), ref target, written);
                    at += 8;
                    continue;
                }
            }
            else if (at + 2 <= end)
            {
                // The last characters: two at a time while both are ASCII.
                var two = Unsafe.ReadUnaligned<uint>(ref Unsafe.As<char, byte>(ref Unsafe.Add(ref source, at)));
                if (BitConverter.IsLittleEndian && (two & 0xFF80_FF80) == 0)
                {
                    written = AsciiPairEncoding.Store(ref pairs, ref table, two, ref target, written);
                    at += 2;
                    continue;
                }
            }

            var c = Unsafe.Add(ref source, at);
            if (c < Latin1Encoding.Count)
            {
                written = Latin1Encoding.Store(ref table, c, ref target, written);
                at++;
            }
            else if (!char.IsSurrogate(c))
            {
                Unsafe.Add(ref target, written++) = c;
                at++;
            }
            else
            {
                written += (nuint)Entity(text, (int)at, buffer.AsSpan((int)written), out var consumed);
                at += (nuint)consumed;
            }
        }

        return (int)written;
    }

    /// <summary>HTML encoding through the auto-indentation (a value written inside an indented block).</summary>
    private void WriteHtmlIndented(ReadOnlySpan<char> span, int first)
    {
        Span<char> entity = stackalloc char[MaxEntityLength];
        Put(span.Slice(0, first));
        var run = first;
        for (var i = first; i < span.Length; i++)
        {
            var c = span[i];
            if (c < '\u00A0' ? c is not ('<' or '>' or '&' or '"' or '\'') : c > '\u00FF' && !char.IsSurrogate(c))
            {
                continue;
            }

            Put(span.Slice(run, i - run));
            var length = Entity(span, i, entity, out var consumed);
            Put(entity.Slice(0, length));
            i += consumed - 1;
            run = i + 1;
        }

        Put(span.Slice(run));
    }

    /// <summary>
    /// The encoding of <c>text[at]</c>, a character below U+0100 or a surrogate (a pair counts as one character), as
    /// WebUtility writes it. <paramref name="entity"/> is at least <see cref="MaxEntityLength"/> long.
    /// </summary>
    private static int Entity(ReadOnlySpan<char> text, int at, Span<char> entity, out int consumed)
    {
        consumed = 1;
        var c = text[at];
        if (c < Latin1Encoding.Count)
        {
            return Latin1Encoding.CopyTo(Latin1, c, entity);
        }

        // Otherwise a surrogate: a pair becomes one numeric entity.
        if (!char.IsHighSurrogate(c) || at + 1 >= text.Length || !char.IsLowSurrogate(text[at + 1]))
        {
            // A lone surrogate is written as U+FFFD, as WebUtility does.
            entity[0] = '\uFFFD';
            return 1;
        }

        var codePoint = char.ConvertToUtf32(c, text[at + 1]);
        consumed = 2;
        entity[0] = '&';
        entity[1] = '#';
        codePoint.TryFormat(entity.Slice(2), out var n, default, CultureInfo.InvariantCulture);
        entity[2 + n] = ';';
        return n + 3;
    }

    /// <summary>Writes an <see cref="int"/> with the invariant culture.</summary>
    /// <param name="value">The value.</param>
    public void WriteInt32(int value) => WriteFormattable(value);

    /// <summary>Writes a <see cref="long"/> with the invariant culture.</summary>
    /// <param name="value">The value.</param>
    public void WriteInt64(long value) => WriteFormattable(value);

    /// <summary>Writes a <see cref="decimal"/> with the invariant culture, keeping its scale (<c>49.00</c>).</summary>
    /// <param name="value">The value.</param>
    public void WriteDecimal(decimal value) => WriteFormattable(value);

    /// <summary>Writes a <see cref="double"/> in its shortest round-trip form with the invariant culture.</summary>
    /// <param name="value">The value.</param>
    public void WriteDouble(double value) => WriteFormattable(value);

    /// <summary>Writes a <see cref="float"/> in its shortest round-trip form with the invariant culture.</summary>
    /// <param name="value">The value.</param>
    public void WriteSingle(float value) => WriteFormattable(value);

    /// <summary>Writes <c>true</c> or <c>false</c>.</summary>
    /// <param name="value">The value.</param>
    public void WriteBoolean(bool value) => Put((value ? "true" : "false").AsSpan());

    /// <summary>Writes a nullable <see cref="int"/>; <see langword="null"/> writes nothing.</summary>
    /// <param name="value">The value.</param>
    public void WriteInt32(int? value)
    {
        if (value.HasValue)
        {
            WriteFormattable(value.GetValueOrDefault());
        }
    }

    /// <summary>Writes a nullable <see cref="long"/>; <see langword="null"/> writes nothing.</summary>
    /// <param name="value">The value.</param>
    public void WriteInt64(long? value)
    {
        if (value.HasValue)
        {
            WriteFormattable(value.GetValueOrDefault());
        }
    }

    /// <summary>Writes a nullable <see cref="decimal"/>; <see langword="null"/> writes nothing.</summary>
    /// <param name="value">The value.</param>
    public void WriteDecimal(decimal? value)
    {
        if (value.HasValue)
        {
            WriteFormattable(value.GetValueOrDefault());
        }
    }

    /// <summary>Writes a nullable <see cref="double"/>; <see langword="null"/> writes nothing.</summary>
    /// <param name="value">The value.</param>
    public void WriteDouble(double? value)
    {
        if (value.HasValue)
        {
            WriteFormattable(value.GetValueOrDefault());
        }
    }

    /// <summary>Writes a nullable <see cref="bool"/>; <see langword="null"/> writes nothing.</summary>
    /// <param name="value">The value.</param>
    public void WriteBoolean(bool? value)
    {
        if (value.HasValue)
        {
            WriteBoolean(value.GetValueOrDefault());
        }
    }

    /// <summary>Writes a date with <see cref="DateFormat"/>, as Scriban prints a <see cref="DateTime"/>.</summary>
    /// <param name="value">The date; <see langword="null"/> writes nothing.</param>
    /// <param name="html">Whether to HTML-encode the text.</param>
    public void WriteDate(DateTime? value, bool html)
    {
        if (value.HasValue)
        {
            WriteText(DateFunctions.ToString(value.GetValueOrDefault(), DateFormat, null), html);
        }
    }

    /// <summary>Writes any value with Scriban's conversion to text (<see cref="ToText(object?)"/>).</summary>
    /// <param name="value">The value; <see langword="null"/> writes nothing.</param>
    /// <param name="html">Whether to HTML-encode the text.</param>
    public void WriteValue(object? value, bool html)
    {
        if (value is not null)
        {
            WriteText(ToText(value), html);
        }
    }

    /// <summary>Converts a value to text as Scriban does, using this render's <see cref="DateFormat"/> for dates.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The text; empty for <see langword="null"/>.</returns>
    public string ToText(object? value) => value is DateTime date ? DateFunctions.ToString(date, DateFormat, null) ?? "" : ScriptValue.ToText(value);

    /// <summary>Writes text, HTML-encoded or not.</summary>
    /// <param name="text">The text.</param>
    /// <param name="html">Whether to HTML-encode it.</param>
    public void WriteText(string? text, bool html)
    {
        if (html)
        {
            WriteHtml(text);
        }
        else
        {
            WriteString(text);
        }
    }

    // A template's text and the value that follows it, written by one call: the same output as the two calls, for
    // about half as many statements in the generated code (the compiler's time on it is per statement). Inlined into
    // the renderer, as the one-argument WriteString is: as calls of their own they made a short render 1.4× slower.

    /// <summary>Writes template text, then text as is (<see cref="WriteString(string?)"/>).</summary>
    /// <param name="text">The template text before the value.</param>
    /// <param name="value">The value; <see langword="null"/> writes nothing.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteString(string text, string? value)
    {
        Put(text.AsSpan());
        WriteString(value);
    }

    /// <summary>Writes template text, then text HTML-encoded (<see cref="WriteHtml(string?)"/>).</summary>
    /// <param name="text">The template text before the value.</param>
    /// <param name="value">The value; <see langword="null"/> writes nothing.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteHtml(string text, string? value)
    {
        Put(text.AsSpan());
        WriteHtml(value);
    }

    /// <summary>Writes template text, then an <see cref="int"/> with the invariant culture.</summary>
    /// <param name="text">The template text before the value.</param>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteInt32(string text, int value)
    {
        Put(text.AsSpan());
        WriteFormattable(value);
    }

    /// <summary>Writes template text, then a nullable <see cref="int"/>; <see langword="null"/> writes no value.</summary>
    /// <param name="text">The template text before the value.</param>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteInt32(string text, int? value)
    {
        Put(text.AsSpan());
        WriteInt32(value);
    }

    /// <summary>Writes template text, then a <see cref="long"/> with the invariant culture.</summary>
    /// <param name="text">The template text before the value.</param>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteInt64(string text, long value)
    {
        Put(text.AsSpan());
        WriteFormattable(value);
    }

    /// <summary>Writes template text, then a nullable <see cref="long"/>; <see langword="null"/> writes no value.</summary>
    /// <param name="text">The template text before the value.</param>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteInt64(string text, long? value)
    {
        Put(text.AsSpan());
        WriteInt64(value);
    }

    /// <summary>Writes template text, then a <see cref="decimal"/> with the invariant culture, keeping its scale.</summary>
    /// <param name="text">The template text before the value.</param>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteDecimal(string text, decimal value)
    {
        Put(text.AsSpan());
        WriteFormattable(value);
    }

    /// <summary>Writes template text, then a nullable <see cref="decimal"/>; <see langword="null"/> writes no value.</summary>
    /// <param name="text">The template text before the value.</param>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteDecimal(string text, decimal? value)
    {
        Put(text.AsSpan());
        WriteDecimal(value);
    }

    /// <summary>Writes template text, then a <see cref="double"/> in its shortest round-trip form with the invariant culture.</summary>
    /// <param name="text">The template text before the value.</param>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteDouble(string text, double value)
    {
        Put(text.AsSpan());
        WriteFormattable(value);
    }

    /// <summary>Writes template text, then a nullable <see cref="double"/>; <see langword="null"/> writes no value.</summary>
    /// <param name="text">The template text before the value.</param>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteDouble(string text, double? value)
    {
        Put(text.AsSpan());
        WriteDouble(value);
    }

    /// <summary>Writes template text, then a <see cref="float"/> in its shortest round-trip form with the invariant culture.</summary>
    /// <param name="text">The template text before the value.</param>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteSingle(string text, float value)
    {
        Put(text.AsSpan());
        WriteFormattable(value);
    }

    /// <summary>Writes template text, then <c>true</c> or <c>false</c>.</summary>
    /// <param name="text">The template text before the value.</param>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteBoolean(string text, bool value)
    {
        Put(text.AsSpan());
        WriteBoolean(value);
    }

    /// <summary>Writes template text, then a nullable <see cref="bool"/>; <see langword="null"/> writes no value.</summary>
    /// <param name="text">The template text before the value.</param>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteBoolean(string text, bool? value)
    {
        Put(text.AsSpan());
        WriteBoolean(value);
    }

    /// <summary>Writes template text, then a date with <see cref="DateFormat"/> (<see cref="WriteDate(DateTime?, bool)"/>).</summary>
    /// <param name="text">The template text before the value.</param>
    /// <param name="value">The date; <see langword="null"/> writes no value.</param>
    /// <param name="html">Whether to HTML-encode the date's text.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteDate(string text, DateTime? value, bool html)
    {
        Put(text.AsSpan());
        WriteDate(value, html);
    }

    /// <summary>Writes template text, then any value with Scriban's conversion to text (<see cref="WriteValue(object?, bool)"/>).</summary>
    /// <param name="text">The template text before the value.</param>
    /// <param name="value">The value; <see langword="null"/> writes no value.</param>
    /// <param name="html">Whether to HTML-encode the value's text.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteValue(string text, object? value, bool html)
    {
        Put(text.AsSpan());
        WriteValue(value, html);
    }

    /// <summary>
    /// Starts an auto-indented region: every line that starts inside it begins with <paramref name="indent"/>. As in
    /// Scriban, the indent of a code block replaces that of the block around it (within one template or partial), and a
    /// block that does not start its line has the empty indent; so do the bodies of <c>case</c>.
    /// </summary>
    /// <param name="indent">The whitespace in front of the <c>{{</c> that started the region.</param>
    public void PushIndent(string indent)
    {
        (_indents ??= []).Add((_base, _indent));
        _indent = _base + indent;
    }

    /// <summary>
    /// Starts the output of an included partial: Scriban renders it on its own and indents the result as a whole, so
    /// the blocks inside it indent relative to where it was included.
    /// </summary>
    public void EnterPartial()
    {
        (_indents ??= []).Add((_base, _indent));
        _base = _indent;
    }

    /// <summary>Ends the innermost auto-indented region or partial.</summary>
    public void PopIndent()
    {
        (_base, _indent) = _indents![_indents.Count - 1];
        _indents.RemoveAt(_indents.Count - 1);
    }

    /// <summary>Marks the start of a <c>capture</c>.</summary>
    /// <returns>The position to pass to <see cref="EndCapture"/>.</returns>
    public int BeginCapture() => _length;

    /// <summary>Takes back what was written since <see cref="BeginCapture"/>, as a string.</summary>
    /// <param name="start">The position returned by <see cref="BeginCapture"/>.</param>
    /// <returns>The captured text.</returns>
    public string EndCapture(int start)
    {
        var text = new string(_buffer, start, _length - start);
        _length = start;
        return text;
    }

    /// <summary>Enters a <c>for</c> or <c>while</c> loop; the first loop of a nest starts a new iteration count.</summary>
    public void EnterLoop()
    {
        if (_loopDepth++ == 0)
        {
            _loopSteps = 0;
        }
    }

    /// <summary>Leaves a loop.</summary>
    public void ExitLoop() => _loopDepth--;

    /// <summary>Counts one iteration and fails past <see cref="LoopLimit"/>, as Scriban does.</summary>
    /// <param name="location">The loop's place in its template, for the error message.</param>
    /// <exception cref="TemplateRuntimeException">More than <see cref="LoopLimit"/> iterations in one loop nest.</exception>
    public void StepLoop(string location)
    {
        if (++_loopSteps > LoopLimit)
        {
            throw new TemplateRuntimeException(location, $"Exceeding number of iteration limit `{LoopLimit}` for loop statement.");
        }
    }

    /// <summary>Advances the <c>array.cycle</c> counter of a key.</summary>
    /// <param name="key">The group name, or the list's text.</param>
    /// <returns>The counter value before the call.</returns>
    public int NextCycle(string key)
    {
        _cycles ??= new Dictionary<string, int>(StringComparer.Ordinal);
        _cycles.TryGetValue(key, out var index);
        _cycles[key] = index + 1;
        return index;
    }

    /// <summary>The output so far.</summary>
    /// <returns>The rendered text.</returns>
    public override string ToString() => new(_buffer, 0, _length);

    /// <summary>The output so far; raises <paramref name="capacity"/> to its length, so the next render starts with a buffer large enough.</summary>
    /// <param name="capacity">The template's capacity hint, kept by the generated renderer.</param>
    /// <returns>The rendered text.</returns>
    public string ToString(ref int capacity)
    {
        if (_length > capacity)
        {
            capacity = _length;
        }

        return ToString();
    }

    /// <summary>
    /// Ends the render: keeps the writer, cleared, for this thread's next <see cref="Rent"/>, with its buffer unless that
    /// is longer than <see cref="MaxKeptBuffer"/>. A writer disposed while the thread already keeps one (a render
    /// inside a render) returns its buffer to the pool.
    /// </summary>
    public void Dispose()
    {
        if (!_rented)
        {
            return;
        }

        _rented = false;
        var keep = t_cached is null;
        if (!keep || _buffer.Length > MaxKeptBuffer)
        {
            ArrayPool<char>.Shared.Return(_buffer);
            _buffer = [];
        }

        if (!keep)
        {
            return;
        }

        _length = 0;
        _indents?.Clear();
        _base = "";
        _indent = "";
        _atLineStart = false;
        _loopDepth = 0;
        _loopSteps = 0;
        _cycles?.Clear();
        DateFormat = DefaultDateFormat;
        Culture = CultureInfo.InvariantCulture;
        t_cached = this;
    }

    /// <summary>
    /// The index of the next character WebUtility encodes: <c>"&amp;'&lt;&gt;</c>, U+00A0 to U+00FF and surrogates.
    /// ASCII text, the common case, is searched with one vectorized scan.
    /// </summary>
    private static int NextToEncode(ReadOnlySpan<char> text)
    {
        var ascii = text.IndexOfAny(AsciiToEncode);
        var end = ascii < 0 ? text.Length : ascii;
        var high = text.Slice(0, end).IndexOfAnyInRange('\u00A0', '\uFFFF');
        if (high >= 0)
        {
            for (var i = high; i < end; i++)
            {
                var c = text[i];
                if (c <= '\u00FF' || char.IsSurrogate(c))
                {
                    return i;
                }
            }
        }

        return ascii;
    }

    private void WriteFormattable<T>(T value)
        where T : ISpanFormattable
    {
        if (_indent.Length > 0 && _atLineStart)
        {
            Append(_indent.AsSpan());
            _atLineStart = false;
        }

        int written;
        while (!value.TryFormat(_buffer.AsSpan(_length), out written, default, CultureInfo.InvariantCulture))
        {
            Grow(64);
        }

        _length += written;
        _atLineStart = false;
    }

    private void Put(ReadOnlySpan<char> text)
    {
        if (_indent.Length == 0)
        {
            // No indent now, but one may be back (after a block with an empty indent) before the next write.
            Append(text);
            if (text.Length > 0)
            {
                _atLineStart = text[text.Length - 1] == '\n';
            }

            return;
        }

        while (text.Length > 0)
        {
            if (_atLineStart)
            {
                Append(_indent.AsSpan());
                _atLineStart = false;
            }

            var newLine = text.IndexOf('\n');
            if (newLine < 0)
            {
                Append(text);
                return;
            }

            Append(text.Slice(0, newLine + 1));
            text = text.Slice(newLine + 1);
            _atLineStart = true;
        }
    }

    private void Append(ReadOnlySpan<char> text)
    {
        if (_length + text.Length > _buffer.Length)
        {
            Grow(text.Length);
        }

        Copy(text, ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_buffer), _length));
        _length += text.Length;
    }

    /// <summary>
    /// Copies <paramref name="text"/> to <paramref name="target"/>, which has room for it. Most template texts and
    /// unencoded runs are 8 to 16 characters long: those are copied with two overlapping 16-byte stores, inline, without
    /// a call to <c>Memmove</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy(ReadOnlySpan<char> text, ref char target)
    {
        if ((uint)(text.Length - 8) <= 8)
        {
            ref var source = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(text));
            ref var destination = ref Unsafe.As<char, ushort>(ref target);
            var last = (nuint)(uint)(text.Length - 8);
            var head = Vector128.LoadUnsafe(ref source);
            var tail = Vector128.LoadUnsafe(ref source, last);
            head.StoreUnsafe(ref destination);
            tail.StoreUnsafe(ref destination, last);
            return;
        }

        text.CopyTo(MemoryMarshal.CreateSpan(ref target, text.Length));
    }

    private void Grow(int needed)
    {
        var next = ArrayPool<char>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + needed));
        _buffer.AsSpan(0, _length).CopyTo(next);
        if (_buffer.Length > 0)
        {
            ArrayPool<char>.Shared.Return(_buffer);
        }

        _buffer = next;
    }

    /// <summary>
    /// The encoding of each character below U+0100, for the encoding loop: <see cref="Width"/> bytes per entry, the
    /// encoding's characters as bytes (the character itself, <c>&amp;lt;</c>, <c>&amp;#160;</c>…, padded), the last of
    /// which holds how many count.
    /// </summary>
    private static class Latin1Encoding
    {
        /// <summary>The characters the table covers: U+0000 to U+00FF.</summary>
        public const int Count = 256;

        /// <summary>The bytes of an entry, and the characters the encoding loop stores for each character.</summary>
        public const int Width = 8;

        /// <summary>The entry's byte that holds its length (entities are at most 6 characters long).</summary>
        public const int LengthByte = Width - 1;

        /// <summary>WebUtility's encoding of U+0000 to U+00FF: five named or numeric ASCII entities, numeric entities from U+00A0.</summary>
        /// <returns>The table, with <see cref="Width"/> bytes of padding so that the last entry can be read as a 16-byte vector.</returns>
        public static byte[] CreateTable()
        {
            var table = new byte[(Count + 1) * Width];
            for (var c = 0; c < Count; c++)
            {
                var text = c switch
                {
                    '<' => "&lt;",
                    '>' => "&gt;",
                    '"' => "&quot;",
                    '\'' => "&#39;",
                    '&' => "&amp;",
                    >= 0xA0 => string.Create(CultureInfo.InvariantCulture, $"&#{c};"),
                    _ => ((char)c).ToString(),
                };
                for (var k = 0; k < text.Length; k++)
                {
                    table[(c * Width) + k] = (byte)text[k];
                }

                table[(c * Width) + LengthByte] = (byte)text.Length;
            }

            return table;
        }

        /// <summary>
        /// Stores the entry of <paramref name="c"/> (below <see cref="Count"/>) widened to <see cref="Width"/> characters at
        /// <c>target[at]</c>, one 16-byte store, and returns the position after the characters that count. The target
        /// has room for <see cref="Width"/>.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static nuint Store(ref byte table, char c, ref char target, nuint at)
        {
            var entry = (nuint)c * Width;
            Vector128.WidenLower(Vector128.LoadUnsafe(ref table, entry)).StoreUnsafe(ref Unsafe.As<char, ushort>(ref target), at);
            return at + Unsafe.Add(ref table, entry + LengthByte);
        }

        /// <summary>Writes the encoding of <paramref name="c"/> (below <see cref="Count"/>) into <paramref name="target"/>.</summary>
        public static int CopyTo(byte[] table, char c, Span<char> target)
        {
            var entry = c * Width;
            var length = table[entry + LengthByte];
            for (var k = 0; k < length; k++)
            {
                target[k] = (char)table[entry + k];
            }

            return length;
        }
    }

    /// <summary>
    /// The encoding of each pair of ASCII characters, for the encoding loop: <see cref="Width"/> bytes per entry, the
    /// encodings of both characters one after the other as bytes (<c>ab</c>, <c>a&amp;lt;</c>, <c>&amp;quot;b</c>,
    /// padded), the last of which holds how many count, or <see cref="Split"/> for two entities (<c>&amp;lt;&amp;gt;</c>),
    /// which do not fit. The pair <c>a</c>, <c>b</c> has entry <c>a + 128 b</c>, so the two characters read from memory as
    /// one <see cref="uint"/> (<c>a | b &lt;&lt; 16</c> on a little-endian machine) give it with a mask, a shift and an or.
    /// The table takes 128 KB, made when the first value is encoded.
    /// </summary>
    private static class AsciiPairEncoding
    {
        /// <summary>The characters the table covers in each position of a pair: U+0000 to U+007F.</summary>
        public const int Count = 128;

        /// <summary>The bytes of an entry, and the characters the encoding loop stores for each pair.</summary>
        public const int Width = 8;

        /// <summary>The entry's byte that holds its length.</summary>
        public const int LengthByte = Width - 1;

        /// <summary>The length byte of a pair whose encoding is longer than <see cref="LengthByte"/> characters: two entities.</summary>
        public const byte Split = 0xFF;

        /// <summary>
        /// The table: the <see cref="Latin1Encoding"/> entries of both characters of each pair, concatenated; and
        /// <see cref="Width"/> bytes of padding, so that the last entry can be read as a 16-byte vector.
        /// </summary>
        public static readonly byte[] Table = CreateTable();

        private static byte[] CreateTable()
        {
            var table = new byte[((Count * Count) + 1) * Width];
            for (var second = 0; second < Count; second++)
            {
                var secondLength = Latin1[(second * Latin1Encoding.Width) + Latin1Encoding.LengthByte];
                for (var first = 0; first < Count; first++)
                {
                    var firstLength = Latin1[(first * Latin1Encoding.Width) + Latin1Encoding.LengthByte];
                    var entry = (first + (second * Count)) * Width;
                    if (firstLength + secondLength > LengthByte)
                    {
                        table[entry + LengthByte] = Split;
                        continue;
                    }

                    Array.Copy(Latin1, first * Latin1Encoding.Width, table, entry, firstLength);
                    Array.Copy(Latin1, second * Latin1Encoding.Width, table, entry + firstLength, secondLength);
                    table[entry + LengthByte] = (byte)(firstLength + secondLength);
                }
            }

            return table;
        }

        /// <summary>
        /// Stores the entry of two ASCII characters, read from memory as one <see cref="uint"/>, widened to
        /// <see cref="Width"/> characters at <c>target[at]</c> (one 16-byte store), and returns the position after the
        /// characters that count; two entities are stored one after the other from <paramref name="latin1"/>. The
        /// target has room for <see cref="Width"/> characters past the encoding of the first character and past the pair.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static nuint Store(ref byte table, ref byte latin1, uint pair, ref char target, nuint at)
        {
            // The first character is the low 7 bits; the second, from bit 16, shifted by 9 lands on bits 7 to 13.
            var entry = (nuint)((pair & 0x7F) | (pair >> 9)) * Width;
            Vector128.WidenLower(Vector128.LoadUnsafe(ref table, entry)).StoreUnsafe(ref Unsafe.As<char, ushort>(ref target), at);
            var length = Unsafe.Add(ref table, entry + LengthByte);
            if (length != Split)
            {
                return at + length;
            }

            at = Latin1Encoding.Store(ref latin1, (char)(pair & 0x7F), ref target, at);
            return Latin1Encoding.Store(ref latin1, (char)(pair >> 16), ref target, at);
        }
    }
}
