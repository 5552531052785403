using System;
using System.Globalization;

namespace TypedMail;

/// <summary>
/// A mailbox: an address (<c>ada@example.com</c>) with an optional display name.
/// Parsed and validated on creation, so an invalid address fails where it is written, not when it is sent.
/// </summary>
public sealed record EmailAddress
{
    private static readonly IdnMapping Idn = new();

    /// <summary>Creates a mailbox from an address and an optional display name.</summary>
    /// <param name="address">The addr-spec, <c>local@domain</c>. Internationalized domains are accepted.</param>
    /// <param name="displayName">The display name shown by mail clients, or <see langword="null"/>.</param>
    /// <exception cref="InvalidEmailAddressException">The address or the display name is not valid.</exception>
    public EmailAddress(string address, string? displayName = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        var (local, domain, asciiDomain) = SplitAddress(address.Trim(), address);
        if (displayName is not null)
        {
            ValidateDisplayName(address, displayName);
        }

        LocalPart = local;
        Domain = domain;
        AsciiDomain = asciiDomain;
        AsciiAddress = local + "@" + asciiDomain;
        DisplayName = string.IsNullOrWhiteSpace(displayName) ? null : displayName.Trim();
    }

    /// <summary>The display name, or <see langword="null"/>.</summary>
    public string? DisplayName { get; }

    /// <summary>The part before the <c>@</c>.</summary>
    public string LocalPart { get; }

    /// <summary>The domain as written (possibly Unicode).</summary>
    public string Domain { get; }

    /// <summary>The domain in its ASCII (IDNA/punycode) form, as used on the wire.</summary>
    public string AsciiDomain { get; }

    /// <summary>The addr-spec, <c>local@domain</c>, with the domain as written.</summary>
    public string Address => LocalPart + "@" + Domain;

    /// <summary>The addr-spec with the domain in ASCII form: what goes into SMTP <c>MAIL FROM</c>/<c>RCPT TO</c> and the headers.</summary>
    public string AsciiAddress { get; }

    /// <summary>Whether the local part is non-ASCII (RFC 6531/6532), so sending needs a server with SMTPUTF8.</summary>
    internal bool RequiresSmtpUtf8 => !System.Text.Ascii.IsValid(LocalPart);

    /// <summary>Parses <c>ada@example.com</c> or <c>Ada Lovelace &lt;ada@example.com&gt;</c>.</summary>
    /// <param name="value">The text to parse.</param>
    /// <exception cref="InvalidEmailAddressException"><paramref name="value"/> is not a valid mailbox.</exception>
    public static EmailAddress Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (TryParseCore(value, out var result, out var error))
        {
            return result!;
        }

        throw new InvalidEmailAddressException(value, error!);
    }

    /// <summary>Tries to parse a mailbox; returns <see langword="false"/> instead of throwing.</summary>
    /// <param name="value">The text to parse.</param>
    /// <param name="address">The parsed mailbox, when the result is <see langword="true"/>.</param>
    public static bool TryParse(string? value, out EmailAddress? address)
    {
        address = null;
        return value is not null && TryParseCore(value, out address, out _);
    }

    /// <summary>Converts text to a mailbox with <see cref="Parse"/>, so a string can be passed wherever an address is expected.</summary>
    /// <param name="value">The text to parse.</param>
    public static implicit operator EmailAddress(string value) => Parse(value);

    /// <summary>The mailbox as written in a header, before encoding: <c>Ada &lt;ada@example.com&gt;</c> or <c>ada@example.com</c>.</summary>
    public override string ToString()
    {
        if (DisplayName is null)
        {
            return Address;
        }

        return DisplayName.AsSpan().IndexOfAny("\"<>,;:@\\()[]") >= 0
            ? $"\"{DisplayName.Replace("\\", "\\\\").Replace("\"", "\\\"")}\" <{Address}>"
            : $"{DisplayName} <{Address}>";
    }

    private static bool TryParseCore(string value, out EmailAddress? address, out string? error)
    {
        address = null;
        error = null;
        if (value.Contains('\r') || value.Contains('\n'))
        {
            error = "it contains a line break";
            return false;
        }

        var text = value.Trim();
        string? displayName = null;
        string addrSpec = text;
        var open = text.LastIndexOf('<');
        if (open >= 0)
        {
            if (!text.EndsWith('>'))
            {
                error = "'<' has no closing '>'";
                return false;
            }

            displayName = text[..open].Trim();
            if (displayName.Length >= 2 && displayName[0] == '"' && displayName[^1] == '"')
            {
                displayName = Unquote(displayName[1..^1]);
            }

            addrSpec = text[(open + 1)..^1].Trim();
        }
        else if (text.Contains('>'))
        {
            error = "'>' has no opening '<'";
            return false;
        }

        try
        {
            address = new EmailAddress(addrSpec, displayName);
            return true;
        }
        catch (InvalidEmailAddressException ex)
        {
            error = ex.Reason;
            return false;
        }
    }

    private static string Unquote(string quoted)
    {
        var sb = new System.Text.StringBuilder(quoted.Length);
        for (var i = 0; i < quoted.Length; i++)
        {
            sb.Append(quoted[i] == '\\' && i + 1 < quoted.Length ? quoted[++i] : quoted[i]);
        }

        return sb.ToString();
    }

    private static void ValidateDisplayName(string address, string displayName)
    {
        for (var i = 0; i < displayName.Length; i++)
        {
            var c = displayName[i];
            if (c is '\r' or '\n')
            {
                throw new InvalidEmailAddressException(address, "the display name contains a line break");
            }

            if (c is < (char)0x20 or (char)0x7F)
            {
                throw new InvalidEmailAddressException(address, $"the display name contains the control character U+{(int)c:X4}");
            }

        }

        if (HasUnpairedSurrogate(displayName))
        {
            throw new InvalidEmailAddressException(address, "the display name contains an unpaired surrogate");
        }
    }

    private static bool HasUnpairedSurrogate(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                return true;
            }
        }

        return false;
    }

    private static (string Local, string Domain, string AsciiDomain) SplitAddress(string addrSpec, string original)
    {
        var at = addrSpec.LastIndexOf('@');
        if (at <= 0 || at == addrSpec.Length - 1)
        {
            throw new InvalidEmailAddressException(original, "it must have the form local@domain");
        }

        var local = addrSpec[..at];
        var domain = addrSpec[(at + 1)..];
        if (local.Length > 64)
        {
            throw new InvalidEmailAddressException(original, "the local part is longer than 64 characters");
        }

        if (!IsValidLocalPart(local))
        {
            throw new InvalidEmailAddressException(original, $"the local part '{local}' is not a valid dot-atom or quoted string");
        }

        string ascii;
        try
        {
            ascii = Idn.GetAscii(domain.TrimEnd('.'));
        }
        catch (ArgumentException)
        {
            throw new InvalidEmailAddressException(original, $"the domain '{domain}' is not a valid host name");
        }

        if (!IsValidAsciiDomain(ascii))
        {
            throw new InvalidEmailAddressException(original, $"the domain '{domain}' is not a valid host name");
        }

        return (local, domain.TrimEnd('.'), ascii.ToLowerInvariant());
    }

    private static bool IsValidLocalPart(string local)
    {
        if (local.Length >= 2 && local[0] == '"' && local[^1] == '"')
        {
            for (var i = 1; i < local.Length - 1; i++)
            {
                var c = local[i];
                if (c < 0x20 || c == 0x7F)
                {
                    return false;
                }

                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    return false;
                }
            }

            return true;
        }

        if (local[0] == '.' || local[^1] == '.' || local.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }

        if (HasUnpairedSurrogate(local))
        {
            return false;
        }

        foreach (var c in local)
        {
            // atext (RFC 5322 3.2.3), plus any non-ASCII character (RFC 6532 UTF8-non-ascii).
            var ok = c > 0x9F
                || char.IsAsciiLetterOrDigit(c)
                || "!#$%&'*+-/=?^_`{|}~.".Contains(c);
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsValidAsciiDomain(string domain)
    {
        if (domain.Length is 0 or > 253)
        {
            return false;
        }

        if (domain[0] == '[' && domain[^1] == ']')
        {
            return System.Net.IPAddress.TryParse(domain[1..^1].Replace("IPv6:", "", StringComparison.OrdinalIgnoreCase), out _);
        }

        foreach (var label in domain.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }

            foreach (var c in label)
            {
                if (!char.IsAsciiLetterOrDigit(c) && c != '-')
                {
                    return false;
                }
            }
        }

        return true;
    }
}

/// <summary>Thrown when an email address cannot be parsed or is not valid. The message names the value and the reason.</summary>
public sealed class InvalidEmailAddressException : FormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="value">The text that was rejected.</param>
    /// <param name="reason">Why it was rejected.</param>
    public InvalidEmailAddressException(string value, string reason)
        : base($"'{value}' is not a valid email address: {reason}.")
    {
        Value = value;
        Reason = reason;
    }

    /// <summary>The rejected text.</summary>
    public string Value { get; }

    /// <summary>Why it was rejected.</summary>
    public string Reason { get; }
}
