using System;

namespace TypedMail.Mime;

/// <summary>
/// The bytes a part's encoder reads: a window of <see cref="Available"/> bytes that the encoder consumes with
/// <see cref="Advance"/>, refilled on demand, so a body is encoded in pieces and never copied whole.
/// </summary>
internal abstract class ContentSource
{
    /// <summary>The bytes not yet consumed.</summary>
    public abstract ReadOnlySpan<byte> Available { get; }

    /// <summary>Whether <see cref="Available"/> holds everything that is left (no more will come from <see cref="Fill"/>).</summary>
    public abstract bool IsComplete { get; }

    /// <summary>Marks bytes at the start of <see cref="Available"/> as consumed.</summary>
    public abstract void Advance(int count);

    /// <summary>Keeps the unconsumed bytes and adds more after them, using <paramref name="scratch"/> as the window.</summary>
    public abstract void Fill(byte[] scratch);

    /// <summary>Starts again from the first byte.</summary>
    public abstract void Reset();
}

/// <summary>Bytes already in memory, such as an attachment: the window is the whole rest of the content.</summary>
internal sealed class BinaryContent(ReadOnlyMemory<byte> content) : ContentSource
{
    private int _position;

    public override ReadOnlySpan<byte> Available => content.Span[_position..];

    public override bool IsComplete => true;

    public override void Advance(int count) => _position += count;

    public override void Fill(byte[] scratch)
    {
        // Everything is available from the start: an encoder never asks for more.
    }

    public override void Reset() => _position = 0;
}
