using System;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using TypedMail.Outbox;

namespace TypedMail;

/// <summary>
/// What a VERP envelope sender names: the outbox message, and, when the envelope had a single recipient, that
/// recipient. A bounce addressed to the envelope sender is mapped back with <see cref="VerpAddress.TryParse"/>.
/// </summary>
/// <param name="OutboxId">The key of the outbox message (<see cref="OutboxMessage.Id"/>).</param>
/// <param name="RecipientTag">
/// The recipient's tag (<see cref="VerpAddress.RecipientTag"/>), or <see langword="null"/> when the envelope carried
/// several recipients; the bounce's own <c>Final-Recipient</c> field then names the recipient.
/// </param>
public readonly record struct VerpToken(Guid OutboxId, string? RecipientTag)
{
    /// <summary>Whether this token names <paramref name="recipient"/> (compared as <see cref="OutboxSuppression.Normalize"/> does).</summary>
    /// <param name="recipient">A recipient of the message.</param>
    public bool Names(EmailAddress recipient)
        => RecipientTag is not null && string.Equals(RecipientTag, VerpAddress.RecipientTag(recipient), StringComparison.Ordinal);
}

/// <summary>
/// Variable envelope return paths: the <c>MAIL FROM</c> address <c>{prefix}+{token}@{domain}</c>, where the token
/// names the message and the recipient, so a bounce sent to it is mapped back without reading the bounce's prose.
/// </summary>
/// <remarks>
/// The token is the message key as 32 lowercase hex digits, then, when the envelope has exactly one recipient, a dash
/// and <see cref="RecipientTag"/> (10 hex digits): <c>bounces+0193a1c2...9f-1a2b3c4d5e@bounce.example.com</c>. It is
/// read case-insensitively, since some relays change the case of a local part. The local part stays within 64
/// characters as long as the prefix has at most <see cref="MaxPrefixLength"/>.
/// </remarks>
public static class VerpAddress
{
    /// <summary>The longest prefix (the bounce address's local part), so the local part fits RFC 5321's 64 octets.</summary>
    public const int MaxPrefixLength = 20;

    /// <summary>The number of hex digits of a recipient tag.</summary>
    public const int RecipientTagLength = 10;

    private const int KeyLength = 32;

    /// <summary>The envelope sender for one envelope of a message.</summary>
    /// <param name="bounceAddress">The bounce mailbox, such as <c>bounces@bounce.example.com</c>: its local part is the prefix.</param>
    /// <param name="outboxId">The outbox message's key.</param>
    /// <param name="recipient">The envelope's only recipient, or <see langword="null"/> when it has several.</param>
    /// <returns><c>bounces+{token}@bounce.example.com</c>.</returns>
    /// <exception cref="ArgumentException">The bounce address's local part is not a valid prefix (see <see cref="ValidatePrefix"/>).</exception>
    public static EmailAddress Format(EmailAddress bounceAddress, Guid outboxId, EmailAddress? recipient)
    {
        ArgumentNullException.ThrowIfNull(bounceAddress);
        if (ValidatePrefix(bounceAddress.LocalPart) is { } problem)
        {
            throw new ArgumentException($"Bounce address '{bounceAddress.Address}': {problem}.", nameof(bounceAddress));
        }

        var token = outboxId.ToString("N", CultureInfo.InvariantCulture);
        if (recipient is not null)
        {
            token += "-" + RecipientTag(recipient);
        }

        return new EmailAddress(bounceAddress.LocalPart + "+" + token + "@" + bounceAddress.Domain);
    }

    /// <summary>
    /// Reads the token of a VERP address, such as the recipient of a bounce: <c>{prefix}+{token}@{domain}</c>, any prefix
    /// and domain, case-insensitively.
    /// </summary>
    /// <param name="address">The address (an addr-spec, or a mailbox with angle brackets).</param>
    /// <param name="token">The token, when the result is <see langword="true"/>.</param>
    /// <returns>Whether <paramref name="address"/> is a VERP address TypedMail wrote.</returns>
    public static bool TryParse([NotNullWhen(true)] string? address, out VerpToken token)
    {
        token = default;
        if (address is null || !EmailAddress.TryParse(address, out var parsed))
        {
            return false;
        }

        var local = parsed!.LocalPart.AsSpan();
        var plus = local.IndexOf('+');
        if (plus <= 0)
        {
            return false;
        }

        var rest = local[(plus + 1)..];
        if (rest.Length != KeyLength && rest.Length != KeyLength + 1 + RecipientTagLength)
        {
            return false;
        }

        if (!IsHex(rest[..KeyLength]) || !Guid.TryParseExact(rest[..KeyLength], "N", out var id))
        {
            return false;
        }

        string? tag = null;
        if (rest.Length > KeyLength)
        {
            var tail = rest[(KeyLength + 1)..];
            if (rest[KeyLength] != '-' || !IsHex(tail))
            {
                return false;
            }

            tag = tail.ToString().ToLowerInvariant();
        }

        token = new VerpToken(id, tag);
        return true;
    }

    /// <summary>
    /// A recipient's tag: the first 5 bytes of SHA-256 over the normalized address (<see cref="OutboxSuppression.Normalize"/>),
    /// as 10 lowercase hex digits. It tells the recipients of one message apart without writing the address itself.
    /// </summary>
    /// <param name="recipient">The recipient.</param>
    public static string RecipientTag(EmailAddress recipient)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(OutboxSuppression.Normalize(recipient)), hash);
        return Convert.ToHexStringLower(hash[..(RecipientTagLength / 2)]);
    }

    /// <summary>Why <paramref name="prefix"/> cannot start a VERP local part, or <see langword="null"/> when it can.</summary>
    /// <param name="prefix">The bounce address's local part, such as <c>bounces</c>.</param>
    public static string? ValidatePrefix(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (prefix.Length is 0 or > MaxPrefixLength)
        {
            return $"the local part '{prefix}' must have 1 to {MaxPrefixLength} characters";
        }

        foreach (var c in prefix)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '-' or '_'))
            {
                return $"the local part '{prefix}' may only hold ASCII letters, digits, '.', '-' and '_'";
            }
        }

        return null;
    }

    private static bool IsHex(ReadOnlySpan<char> value)
    {
        foreach (var c in value)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
