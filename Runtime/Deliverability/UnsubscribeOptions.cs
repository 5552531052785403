using System;
using System.Collections.Generic;

namespace TypedMail.Deliverability;

/// <summary>
/// One-click unsubscribe (RFC 8058) for email types with <see cref="EmailAttribute.OneClickUnsubscribe"/>: where the
/// link points, the <c>mailto:</c> alternative, and the keys that sign the tokens.
/// </summary>
/// <remarks>
/// Rotate keys by adding a new key, making it the <see cref="SigningKeyId"/>, and removing the old one once the
/// links it signed have expired (<see cref="TokenLifetime"/>): tokens name their key, so both verify meanwhile.
/// </remarks>
public sealed class UnsubscribeOptions
{
    /// <summary>The shortest signing key, in bytes.</summary>
    public const int MinKeyBytes = 32;

    /// <summary>
    /// The one-click endpoint's absolute URL, such as <c>https://shop.example.com/typedmail/unsubscribe</c> (mapped by
    /// <c>MapTypedMailUnsubscribe</c>); the token is added as the <c>token</c> query parameter. HTTPS, or HTTP on a
    /// loopback host only (for development).
    /// </summary>
    public string? Url { get; set; }

    /// <summary>
    /// The <c>mailto:</c> address of <c>List-Unsubscribe</c>, such as <c>unsubscribe@shop.example.com</c>; the token is
    /// its subject. Mail clients without one-click support send there; TypedMail does not read that mailbox.
    /// </summary>
    public string? Mailto { get; set; }

    /// <summary>Signing keys by key id (1 to 32 ASCII letters, digits, '-' or '_'), each base64, at least 32 bytes.</summary>
    public Dictionary<string, string> Keys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The id of the key in <see cref="Keys"/> that signs new tokens; the others only verify.</summary>
    public string? SigningKeyId { get; set; }

    /// <summary>How long a link works after the message is enqueued. Default 365 days.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromDays(365);

    /// <summary>Whether anything is configured; when not, one-click email types cannot be enqueued.</summary>
    internal bool IsConfigured => Url is not null || Mailto is not null || Keys.Count > 0 || SigningKeyId is not null;

    /// <summary>Every problem, as the setting (relative to these options) and what is wrong with its value.</summary>
    internal IEnumerable<(string Setting, string Problem)> Problems()
    {
        if (Url is null)
        {
            yield return ("Url", "is missing: set the one-click endpoint's absolute HTTPS URL");
        }
        else if (!Uri.TryCreate(Url, UriKind.Absolute, out var uri)
            || !(uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback))
            || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            yield return ("Url", $"'{Url}' must be an absolute https:// URL (http:// only on a loopback host) without a query or fragment");
        }

        if (Mailto is null)
        {
            yield return ("Mailto", "is missing: set the address that receives unsubscribe mail");
        }
        else if (!EmailAddress.TryParse(Mailto, out var mailto) || mailto!.DisplayName is not null || !System.Text.Ascii.IsValid(mailto.Address))
        {
            yield return ("Mailto", $"'{Mailto}' must be a plain ASCII address such as unsubscribe@example.com");
        }

        foreach (var (id, value) in Keys)
        {
            if (!UnsubscribeTokens.IsValidKeyId(id))
            {
                yield return ($"Keys:{id}", $"the key id '{id}' must have 1 to 32 ASCII letters, digits, '-' or '_'");
            }

            // The key itself is never shown.
            if (DecodeKey(value) is null)
            {
                yield return ($"Keys:{id}", $"must be base64 of at least {MinKeyBytes} bytes");
            }
        }

        if (SigningKeyId is null || !Keys.ContainsKey(SigningKeyId))
        {
            yield return ("SigningKeyId", $"'{SigningKeyId}' must name one of the keys in Keys ({string.Join(", ", Keys.Keys)})");
        }

        if (TokenLifetime <= TimeSpan.Zero)
        {
            yield return ("TokenLifetime", $"'{TokenLifetime}' must be positive");
        }
    }

    /// <summary>The key's bytes, or <see langword="null"/> when it is not base64 of at least <see cref="MinKeyBytes"/> bytes.</summary>
    internal static byte[]? DecodeKey(string? value)
    {
        if (value is null)
        {
            return null;
        }

        var bytes = new byte[value.Length];
        return Convert.TryFromBase64String(value, bytes, out var written) && written >= MinKeyBytes ? bytes[..written] : null;
    }
}
