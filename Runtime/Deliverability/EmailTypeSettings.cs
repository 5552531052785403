using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Reflection;
using TypedMail.Mime;

namespace TypedMail.Deliverability;

/// <summary>What an email type's <see cref="EmailAttribute"/> asks of every message: category, headers, tags, unsubscribe. Read once per type.</summary>
internal sealed record EmailTypeSettings(string? Category, bool OneClickUnsubscribe, IReadOnlyList<KeyValuePair<string, string>> Headers, IReadOnlyList<string> Tags)
{
    private static readonly EmailTypeSettings None = new(null, false, [], []);
    private static readonly ConcurrentDictionary<Type, EmailTypeSettings> Cache = new();

    /// <summary>The settings of <paramref name="type"/>, or none when the type is not given (an <see cref="EmailOutbox.EnqueueRendered"/> call by hand).</summary>
    /// <exception cref="InvalidOperationException">The attribute's settings are wrong; the message names the type, the setting and the value.</exception>
    public static EmailTypeSettings For(string emailType, Type? type)
        => type is null ? None : Cache.GetOrAdd(type, static (t, name) => Read(name, t.GetCustomAttribute<EmailAttribute>()), emailType);

    private static EmailTypeSettings Read(string emailType, EmailAttribute? attribute)
    {
        if (attribute is null)
        {
            return None;
        }

        var category = attribute.Category;
        if (category is not null && !IsCategory(category))
        {
            throw Problem(emailType, "Category", category,
                $"it must have 1 to {EmailAttribute.MaxCategoryLength} ASCII letters, digits, '.', '-' or '_'");
        }

        if (attribute.OneClickUnsubscribe && category is null)
        {
            throw Problem(emailType, "OneClickUnsubscribe", "true", "one-click unsubscribe needs a Category to unsubscribe from");
        }

        var headers = new List<KeyValuePair<string, string>>();
        foreach (var entry in attribute.Headers ?? [])
        {
            var colon = entry?.IndexOf(':') ?? -1;
            if (colon <= 0)
            {
                throw Problem(emailType, "Headers", entry ?? "(null)", "write each header as \"Name: value\"");
            }

            var name = entry![..colon].Trim();
            var value = entry[(colon + 1)..].Trim();
            try
            {
                MimeMessageBuilder.ValidateApplicationHeader(name, value);
            }
            catch (MessageFormatException e)
            {
                throw Problem(emailType, "Headers", entry, e.Message);
            }

            headers.Add(new(name, value));
        }

        IReadOnlyList<string> tags;
        try
        {
            tags = MessageHeaders.Tags(attribute.Tags, null);
        }
        catch (ArgumentException e)
        {
            throw Problem(emailType, "Tags", string.Join(",", attribute.Tags ?? []), e.Message);
        }

        return new EmailTypeSettings(category, attribute.OneClickUnsubscribe, headers, tags);
    }

    internal static bool IsCategory(string category)
    {
        if (category.Length is 0 or > EmailAttribute.MaxCategoryLength)
        {
            return false;
        }

        foreach (var c in category)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }

    private static InvalidOperationException Problem(string emailType, string setting, string value, string reason)
        => new($"[Email({setting} = ...)] on {emailType}: '{value}' is not valid: {reason}.");
}
