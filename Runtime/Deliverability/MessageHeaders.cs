using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;
using TypedMail.Mime;
using TypedMail.Outbox;

namespace TypedMail.Deliverability;

/// <summary>
/// The extra headers, tags and metadata of a message at enqueue: checked, merged with the email type's, stamped with
/// TypedMail's own fields, and stored as JSON in the outbox row.
/// </summary>
internal static class MessageHeaders
{
    /// <summary>The message key, so a provider's events (which echo custom headers) can be joined back to the outbox row.</summary>
    public const string IdField = "X-TypedMail-Id";

    /// <summary>The tags, comma-separated.</summary>
    public const string TagsField = "X-TypedMail-Tags";

    /// <summary>The type's headers, then the caller's; a caller's header replaces the type's header of the same name.</summary>
    /// <exception cref="MessageFormatException">A caller's header cannot be written or may not be set; it names the header and the value.</exception>
    public static List<KeyValuePair<string, string>> Merge(IReadOnlyList<KeyValuePair<string, string>> type, IReadOnlyDictionary<string, string>? caller)
    {
        var headers = new List<KeyValuePair<string, string>>(type);
        foreach (var (name, value) in caller ?? new Dictionary<string, string>())
        {
            MimeMessageBuilder.ValidateApplicationHeader(name, value);
            headers.RemoveAll(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase));
            headers.Add(new(name, value));
        }

        return headers;
    }

    /// <summary>The type's tags, then the caller's, each once.</summary>
    /// <exception cref="ArgumentException">A tag is not valid, or there are too many; it names the tag.</exception>
    public static IReadOnlyList<string> Tags(IReadOnlyList<string>? type, IReadOnlyList<string>? caller)
    {
        var tags = new List<string>();
        foreach (var tag in (IEnumerable<string>?)type ?? [])
        {
            Add(tag);
        }

        foreach (var tag in (IEnumerable<string>?)caller ?? [])
        {
            Add(tag);
        }

        if (tags.Count > EnqueueOptions.MaxTags)
        {
            throw new ArgumentException($"EnqueueOptions.Tags: {tags.Count} tags ({string.Join(",", tags)}) are more than the {EnqueueOptions.MaxTags} a message may carry.", "options");
        }

        return tags;

        void Add(string tag)
        {
            if (!DeliverabilityRules.IsTag(tag))
            {
                throw new ArgumentException(
                    $"EnqueueOptions.Tags: '{tag}' must have 1 to {EnqueueOptions.MaxTagLength} ASCII letters, digits, '.', '-', '_' or ':'.", "options");
            }

            if (!tags.Contains(tag))
            {
                tags.Add(tag);
            }
        }
    }

    /// <summary>The caller's metadata as a JSON object, or <see langword="null"/> when there is none.</summary>
    /// <exception cref="ArgumentException">A key or value is not valid, or there are too many; it names the key and the value.</exception>
    public static string? Metadata(IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata is null || metadata.Count == 0)
        {
            return null;
        }

        if (metadata.Count > EnqueueOptions.MaxMetadataEntries)
        {
            throw new ArgumentException($"EnqueueOptions.Metadata: {metadata.Count} entries are more than the {EnqueueOptions.MaxMetadataEntries} a message may carry.", "options");
        }

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (var (key, value) in metadata)
            {
                if (!DeliverabilityRules.IsTag(key))
                {
                    throw new ArgumentException(
                        $"EnqueueOptions.Metadata: the key '{key}' must have 1 to {EnqueueOptions.MaxTagLength} ASCII letters, digits, '.', '-', '_' or ':'.", "options");
                }

                if (value is null || value.Length > EnqueueOptions.MaxMetadataValueLength)
                {
                    throw new ArgumentException(
                        $"EnqueueOptions.Metadata: the value of '{key}' ('{value}') must be 0 to {EnqueueOptions.MaxMetadataValueLength} characters, not null.", "options");
                }

                json.WriteString(key, value);
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Adds the message key and the tags.</summary>
    public static void Stamp(List<KeyValuePair<string, string>> headers, Guid id, IReadOnlyList<string> tags)
    {
        headers.Add(new(IdField, id.ToString("D")));
        if (tags.Count > 0)
        {
            headers.Add(new(TagsField, string.Join(", ", tags)));
        }
    }

    /// <summary>Adds RFC 8058 one-click unsubscribe: the signed HTTPS link and the <c>mailto:</c>, and <c>List-Unsubscribe-Post</c>.</summary>
    /// <exception cref="InvalidOperationException"><see cref="TypedMailDbContextOptions.Unsubscribe"/> is not configured right; it names the setting.</exception>
    public static void StampUnsubscribe(List<KeyValuePair<string, string>> headers, TypedMailDbContextOptions settings, string emailType, EmailAddress to, string category)
    {
        UnsubscribeTokens tokens;
        try
        {
            tokens = settings.UnsubscribeTokens;
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException(
                $"{emailType} has one-click unsubscribe, but TypedMailDbContextOptions.Unsubscribe is not configured right: {e.Message}", e);
        }

        var token = tokens.Create(to, category);
        var url = settings.Unsubscribe.Url + "?token=" + token;
        var mailto = "mailto:" + settings.Unsubscribe.Mailto + "?subject=unsubscribe%20" + token;
        headers.Add(new("List-Unsubscribe", "<" + url + ">, <" + mailto + ">"));
        headers.Add(new("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"));
    }

    /// <summary>The headers as a JSON array of <c>[name, value]</c> pairs (see <see cref="OutboxMessage.Headers"/>).</summary>
    public static string? Serialize(IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        if (headers.Count == 0)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var (name, value) in headers)
            {
                json.WriteStartArray();
                json.WriteStringValue(name);
                json.WriteStringValue(value);
                json.WriteEndArray();
            }

            json.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Reads what <see cref="Serialize"/> wrote.</summary>
    /// <exception cref="JsonException">The column does not hold such an array.</exception>
    public static IReadOnlyList<KeyValuePair<string, string>> Deserialize(string? stored)
    {
        if (stored is null)
        {
            return [];
        }

        using var document = JsonDocument.Parse(stored);
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var pair in document.RootElement.EnumerateArray())
        {
            headers.Add(new(pair[0].GetString()!, pair[1].GetString()!));
        }

        return headers;
    }
}
