using System;
using System.Buffers.Binary;
using System.Collections.Frozen;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using TypedMail.Outbox;

namespace TypedMail.Deliverability;

/// <summary>What a valid unsubscribe token says.</summary>
/// <param name="Address">The recipient's addr-spec, normalized (<see cref="OutboxSuppression.Normalize"/>).</param>
/// <param name="Category">The category of mail to unsubscribe from.</param>
/// <param name="KeyId">The id of the key that signed it.</param>
/// <param name="ExpiresAt">When it stops working.</param>
public sealed record UnsubscribeRequest(string Address, string Category, string KeyId, DateTimeOffset ExpiresAt);

/// <summary>Why a token was refused.</summary>
public enum UnsubscribeTokenError
{
    /// <summary>The token is valid.</summary>
    None = 0,

    /// <summary>Not a token TypedMail wrote: wrong shape, or not base64url.</summary>
    Malformed,

    /// <summary>Signed with a key id that is not (or no longer) configured.</summary>
    UnknownKey,

    /// <summary>The signature does not match: the token was forged or altered.</summary>
    BadSignature,

    /// <summary>The token is past its expiry.</summary>
    Expired,
}

/// <summary>
/// Creates and checks one-click unsubscribe tokens: <c>{key id}.{payload}.{signature}</c>, base64url, where the payload
/// holds the expiry, the category and the address, and the signature is HMAC-SHA256 over the key id and the payload.
/// A token cannot be forged without the key, nor changed to name another address or category. Thread-safe.
/// </summary>
public sealed class UnsubscribeTokens
{
    private const string Domain = "typedmail-unsubscribe-v1";
    private readonly FrozenDictionary<string, byte[]> _keys;
    private readonly string _signingKeyId;
    private readonly TimeSpan _lifetime;
    private readonly TimeProvider _time;

    /// <summary>Creates the service from validated options.</summary>
    /// <param name="options">The keys and the token lifetime.</param>
    /// <param name="time">The clock expiries are computed and checked with.</param>
    /// <exception cref="ArgumentException">A setting is wrong; the message names it and the value (never a key).</exception>
    public UnsubscribeTokens(UnsubscribeOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        var problems = options.Problems().Select(p => $"Unsubscribe:{p.Setting} {p.Problem}").ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, problems), nameof(options));
        }

        _keys = options.Keys.ToFrozenDictionary(k => k.Key, k => UnsubscribeOptions.DecodeKey(k.Value)!, StringComparer.Ordinal);
        _signingKeyId = options.SigningKeyId!;
        _lifetime = options.TokenLifetime;
        _time = time;
    }

    /// <summary>The token service configured on a context with <c>UseTypedMail(o =&gt; o.Unsubscribe ...)</c> (or the <c>TypedMail:Unsubscribe</c> section).</summary>
    /// <param name="context">A context configured with <c>UseTypedMail</c>.</param>
    /// <exception cref="InvalidOperationException">Unsubscribe is not configured on the context, or a setting is wrong; it names the setting.</exception>
    public static UnsubscribeTokens For(DbContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var settings = TypedMailOptionsExtension.Of(context)
            ?? throw new InvalidOperationException($"{context.GetType().Name} is not configured with UseTypedMail, so it has no unsubscribe keys.");
        try
        {
            return settings.UnsubscribeTokens;
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException($"{context.GetType().Name}: TypedMailDbContextOptions.Unsubscribe is not configured right: {e.Message}", e);
        }
    }

    /// <summary>A token that unsubscribes <paramref name="address"/> from <paramref name="category"/>, valid for the configured lifetime.</summary>
    /// <param name="address">The recipient.</param>
    /// <param name="category">The category of mail.</param>
    public string Create(EmailAddress address, string category)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(category);
        var expires = _time.GetUtcNow() + _lifetime;
        var addressBytes = Encoding.UTF8.GetBytes(OutboxSuppression.Normalize(address));
        var categoryBytes = Encoding.UTF8.GetBytes(category);
        var payload = new byte[8 + 1 + categoryBytes.Length + addressBytes.Length];
        BinaryPrimitives.WriteInt64BigEndian(payload, expires.ToUnixTimeSeconds());
        payload[8] = checked((byte)categoryBytes.Length);
        categoryBytes.CopyTo(payload, 9);
        addressBytes.CopyTo(payload, 9 + categoryBytes.Length);
        var signed = _signingKeyId + "." + Base64Url(payload);
        return signed + "." + Base64Url(Sign(_keys[_signingKeyId], signed));
    }

    /// <summary>Checks a token.</summary>
    /// <param name="token">The token from the link.</param>
    /// <param name="request">What it says, when the result is <see cref="UnsubscribeTokenError.None"/>.</param>
    /// <returns><see cref="UnsubscribeTokenError.None"/>, or why the token is refused.</returns>
    public UnsubscribeTokenError Validate(string? token, out UnsubscribeRequest? request)
    {
        request = null;
        if (token is null || token.Length > 2000)
        {
            return UnsubscribeTokenError.Malformed;
        }

        var parts = token.Split('.');
        if (parts.Length != 3 || !IsValidKeyId(parts[0]) || !TryBase64Url(parts[1], out var payload) || !TryBase64Url(parts[2], out var signature))
        {
            return UnsubscribeTokenError.Malformed;
        }

        if (!_keys.TryGetValue(parts[0], out var key))
        {
            return UnsubscribeTokenError.UnknownKey;
        }

        if (!CryptographicOperations.FixedTimeEquals(signature, Sign(key, parts[0] + "." + parts[1])))
        {
            return UnsubscribeTokenError.BadSignature;
        }

        // Signed by us, so the layout is ours; still checked, so a key shared with another tool cannot crash this.
        if (payload.Length < 10 || 9 + payload[8] >= payload.Length)
        {
            return UnsubscribeTokenError.Malformed;
        }

        var expires = DateTimeOffset.FromUnixTimeSeconds(BinaryPrimitives.ReadInt64BigEndian(payload));
        if (_time.GetUtcNow() >= expires)
        {
            return UnsubscribeTokenError.Expired;
        }

        var category = Encoding.UTF8.GetString(payload, 9, payload[8]);
        var address = Encoding.UTF8.GetString(payload, 9 + payload[8], payload.Length - 9 - payload[8]);
        request = new UnsubscribeRequest(address, category, parts[0], expires);
        return UnsubscribeTokenError.None;
    }

    internal static bool IsValidKeyId(string id)
        => id.Length is > 0 and <= 32 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static byte[] Sign(byte[] key, string signed)
        => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(Domain + "\n" + signed));

    private static string Base64Url(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    private static bool TryBase64Url(string text, out byte[] bytes)
    {
        if (text.Length == 0 || !System.Buffers.Text.Base64Url.IsValid(text))
        {
            bytes = [];
            return false;
        }

        bytes = System.Buffers.Text.Base64Url.DecodeFromChars(text);
        return true;
    }
}
