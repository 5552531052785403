using System;
using System.Collections.Generic;
using System.ComponentModel;
using TypedMail.Mime;

namespace TypedMail.Deliverability;

/// <summary>
/// What an email type's <see cref="EmailAttribute"/> asks of every message: category, one-click unsubscribe, headers and
/// tags. The generator reads the attribute at build time (reporting bad values as TM12xx errors) and hands these
/// settings, as constants, from the generated <c>Enqueue</c> to <see cref="EmailOutbox.EnqueueTemplated"/>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class EmailTypeSettings
{
    /// <summary>No category, no unsubscribe, no headers or tags: transactional mail, and an <see cref="EmailOutbox.EnqueueRendered"/> call by hand.</summary>
    internal static readonly EmailTypeSettings None = new(null, false, null, null);

    /// <summary>Checks and keeps an email type's settings. Generated code calls this; the generator has checked the values.</summary>
    /// <param name="category">The category (<see cref="EmailAttribute.Category"/>), or <see langword="null"/> for transactional mail.</param>
    /// <param name="oneClickUnsubscribe">Whether messages carry one-click unsubscribe (<see cref="EmailAttribute.OneClickUnsubscribe"/>); needs a category.</param>
    /// <param name="headers">The header fields of every message of the type, or <see langword="null"/>.</param>
    /// <param name="tags">The tags of every message of the type, or <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">A setting is not valid; the message names the setting and the value.</exception>
    public EmailTypeSettings(string? category, bool oneClickUnsubscribe, IReadOnlyList<KeyValuePair<string, string>>? headers, IReadOnlyList<string>? tags)
    {
        if (category is not null && !DeliverabilityRules.IsCategory(category))
        {
            throw new ArgumentException($"Category '{category}' must be {DeliverabilityRules.CategoryRule}.", nameof(category));
        }

        if (oneClickUnsubscribe && category is null)
        {
            throw new ArgumentException("OneClickUnsubscribe needs a Category to unsubscribe from.", nameof(oneClickUnsubscribe));
        }

        foreach (var (name, value) in headers ?? [])
        {
            try
            {
                MimeMessageBuilder.ValidateApplicationHeader(name, value);
            }
            catch (MessageFormatException e)
            {
                throw new ArgumentException($"Header '{name}: {value}' cannot be set: {e.Message}", nameof(headers), e);
            }
        }

        var distinct = new List<string>();
        foreach (var tag in tags ?? [])
        {
            if (!DeliverabilityRules.IsTag(tag))
            {
                throw new ArgumentException($"Tag '{tag}' must be {DeliverabilityRules.TagRule}.", nameof(tags));
            }

            if (!distinct.Contains(tag))
            {
                distinct.Add(tag);
            }
        }

        if (distinct.Count > DeliverabilityRules.MaxTags)
        {
            throw new ArgumentException($"{distinct.Count} tags ({string.Join(",", distinct)}) are more than the {DeliverabilityRules.MaxTags} a message may carry.", nameof(tags));
        }

        Category = category;
        OneClickUnsubscribe = oneClickUnsubscribe;
        Headers = headers is null ? [] : [.. headers];
        Tags = distinct;
    }

    /// <summary>The category, or <see langword="null"/> for transactional mail.</summary>
    public string? Category { get; }

    /// <summary>Whether messages carry one-click unsubscribe.</summary>
    public bool OneClickUnsubscribe { get; }

    /// <summary>The header fields every message carries, before the ones given at enqueue.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }

    /// <summary>The tags every message carries, before the ones given at enqueue.</summary>
    public IReadOnlyList<string> Tags { get; }
}
