using TypedMail.Generator.Helpers;

namespace TypedMail.Generator.Model;

/// <summary>The deliverability settings of an <c>[Email]</c> attribute, read and checked at build time (only valid values).</summary>
/// <param name="Category">The category, or <see langword="null"/> for transactional mail.</param>
/// <param name="OneClickUnsubscribe">Whether messages carry one-click unsubscribe.</param>
/// <param name="Headers">The header fields of every message, split into name and value.</param>
/// <param name="Tags">The tags of every message, each once.</param>
internal sealed record EmailSettingsSpec(string? Category, bool OneClickUnsubscribe, EquatableArray<HeaderSpec> Headers, EquatableArray<string> Tags)
{
    public static readonly EmailSettingsSpec None = new(null, false, EquatableArray<HeaderSpec>.Empty, EquatableArray<string>.Empty);

    /// <summary>Whether the type sets nothing (the generated Enqueue then passes no settings).</summary>
    public bool IsEmpty => Category is null && !OneClickUnsubscribe && Headers.Count == 0 && Tags.Count == 0;
}

/// <summary>A header field from <c>[Email(Headers = ...)]</c>.</summary>
internal sealed record HeaderSpec(string Name, string Value);
