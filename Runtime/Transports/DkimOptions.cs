using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.OpenSsl;

namespace TypedMail.Transports;

/// <summary>The DKIM signature algorithm of a <see cref="DkimKey"/>.</summary>
public enum DkimAlgorithm
{
    /// <summary><c>rsa-sha256</c> (RFC 6376): an RSA key of at least 1024 bits, 2048 recommended.</summary>
    RsaSha256,

    /// <summary><c>ed25519-sha256</c> (RFC 8463): an Ed25519 key. Receivers that do not know it ignore the signature, so pair it with an RSA key on another selector.</summary>
    Ed25519Sha256,
}

/// <summary>
/// DKIM signing (RFC 6376): a message whose <c>From</c> domain has a key in <see cref="Keys"/> is signed with it,
/// relaxed/relaxed, over exactly the bytes that are sent. Messages from other domains go out unsigned.
/// Bound from <c>TypedMail:Dkim</c> by hosting; <see cref="Validate"/> names the setting that is wrong.
/// </summary>
public sealed class DkimOptions
{
    /// <summary>
    /// The signing keys. A domain may have several, under different selectors, such as an RSA and an Ed25519 key:
    /// its messages then carry one signature per key.
    /// </summary>
    public IList<DkimKey> Keys { get; set; } = new List<DkimKey>();

    /// <summary>Checks every key: its domain, selector and algorithm, and that its private key loads and fits the algorithm.</summary>
    /// <exception cref="ArgumentException">A setting is missing or wrong; the message names it (<c>DkimOptions.Keys:0:Selector</c>) and its value, never the private key.</exception>
    public void Validate()
    {
        foreach (var (setting, value, rule) in Problems())
        {
            throw new ArgumentException($"DkimOptions.{setting} {rule} (was {value}).", setting);
        }
    }

    /// <summary>Every setting that is wrong: its path below the options (<c>Keys:0:Domain</c>), its value as shown (never a private key) and the rule it breaks.</summary>
    internal IEnumerable<(string Setting, string Value, string Rule)> Problems()
    {
        if (Keys is null)
        {
            yield return (nameof(Keys), "missing", "must be a list of keys (it may be empty)");
            yield break;
        }

        var selectors = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < Keys.Count; i++)
        {
            var path = string.Create(CultureInfo.InvariantCulture, $"{nameof(Keys)}:{i}:");
            var key = Keys[i];
            if (key is null)
            {
                yield return (path.TrimEnd(':'), "missing", "must set Domain, Selector and PrivateKey or PrivateKeyFile");
                continue;
            }

            foreach (var (setting, value, rule) in key.Problems())
            {
                yield return (path + setting, value, rule);
            }

            if (key.AsciiDomain is { } ascii && !selectors.TryAdd(key.Selector + "._domainkey." + ascii, i))
            {
                yield return (path + nameof(DkimKey.Selector), $"'{key.Selector}'", string.Create(
                    CultureInfo.InvariantCulture, $"must differ from the other keys of {key.Domain}, and Keys:{selectors[key.Selector + "._domainkey." + ascii]} has it already"));
            }
        }
    }
}

/// <summary>
/// One DKIM key: the <c>From</c> domain it signs for, the selector under which its public key is published
/// (<c>{Selector}._domainkey.{Domain}</c> TXT), the algorithm, and the private key as PEM text or a PEM file.
/// </summary>
public sealed class DkimKey
{
    /// <summary>The <c>From</c> domain this key signs for, and the signature's <c>d=</c>, such as <c>shop.example.com</c>. Internationalized names are accepted.</summary>
    public string Domain { get; set; } = "";

    /// <summary>The selector, the signature's <c>s=</c>, such as <c>mail2026</c>: the public key is in DNS at <c>{Selector}._domainkey.{Domain}</c>.</summary>
    public string Selector { get; set; } = "";

    /// <summary>The signature algorithm. Default <see cref="DkimAlgorithm.RsaSha256"/>.</summary>
    public DkimAlgorithm Algorithm { get; set; } = DkimAlgorithm.RsaSha256;

    /// <summary>
    /// The private key as PEM text (<c>-----BEGIN PRIVATE KEY-----</c> or <c>-----BEGIN RSA PRIVATE KEY-----</c>), unencrypted.
    /// A secret: keep it out of files, such as in an environment variable or a secret store. Set this or <see cref="PrivateKeyFile"/>.
    /// </summary>
    public string? PrivateKey { get; set; }

    /// <summary>The path of an unencrypted PEM file holding the private key. Set this or <see cref="PrivateKey"/>.</summary>
    public string? PrivateKeyFile { get; set; }

    /// <summary>The domain in ASCII (IDNA) form, lower case, or <see langword="null"/> when it is not a valid host name.</summary>
    internal string? AsciiDomain => EmailAddress.TryParse("postmaster@" + Domain, out var address) && !Domain.StartsWith('[') ? address!.AsciiDomain : null;

    /// <summary>Creates a MimeKit signer, relaxed/relaxed, for this key, once <see cref="DkimOptions.Validate"/> passed.</summary>
    /// <exception cref="ArgumentException">The private key no longer loads (the file changed since it was validated).</exception>
    internal DkimSigner CreateSigner()
        => LoadSigner(out var problem)
            ?? throw new ArgumentException($"DkimKey.{problem!.Value.Setting} {problem.Value.Rule} (was {problem.Value.Value}).", problem.Value.Setting);

    /// <summary>Every setting of this key that is wrong, by name.</summary>
    internal IEnumerable<(string Setting, string Value, string Rule)> Problems()
    {
        if (AsciiDomain is null)
        {
            yield return (nameof(Domain), $"'{Domain}'", "must be a domain name such as example.com");
        }

        if (!IsSelector(Selector))
        {
            yield return (nameof(Selector), $"'{Selector}'", "must be one or more DNS labels of ASCII letters, digits and hyphens, separated by dots");
        }

        if (!Enum.IsDefined(Algorithm))
        {
            yield return (nameof(Algorithm), Algorithm.ToString(), "must be RsaSha256 or Ed25519Sha256");
            yield break;
        }

        if ((PrivateKey is null) == (PrivateKeyFile is null))
        {
            yield return PrivateKey is null
                ? (nameof(PrivateKey), "missing", "or PrivateKeyFile must be set")
                : (nameof(PrivateKeyFile), $"'{PrivateKeyFile}'", "must not be set together with PrivateKey");
            yield break;
        }

        if (AsciiDomain is not null && IsSelector(Selector))
        {
            LoadSigner(out var problem);
            if (problem is not null)
            {
                yield return problem.Value;
            }
        }
    }

    private DkimSigner? LoadSigner(out (string Setting, string Value, string Rule)? problem)
    {
        var (setting, shown) = PrivateKey is null
            ? (nameof(PrivateKeyFile), $"'{PrivateKeyFile}'")
            : (nameof(PrivateKey), "(not shown)");
        string pem;
        try
        {
            pem = PrivateKey ?? File.ReadAllText(PrivateKeyFile!);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            problem = (setting, shown, "must name a file that can be read");
            return null;
        }

        object? pemObject;
        try
        {
            using var text = new StringReader(pem);
            pemObject = new PemReader(text).ReadObject();
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or InvalidCastException or InvalidOperationException)
        {
            // BouncyCastle's PemException and PasswordException (an encrypted key) derive from IOException.
            pemObject = null;
        }

        var key = pemObject switch
        {
            AsymmetricCipherKeyPair pair => pair.Private,
            AsymmetricKeyParameter { IsPrivate: true } parameter => parameter,
            _ => null,
        };
        if (key is null)
        {
            problem = (setting, shown, "must hold an unencrypted PEM private key (-----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)");
            return null;
        }

        var fits = (Algorithm, key) switch
        {
            (DkimAlgorithm.RsaSha256, RsaKeyParameters rsa) => rsa.Modulus.BitLength >= 1024 ? null : "must be an RSA key of at least 1024 bits (RFC 8301)",
            (DkimAlgorithm.RsaSha256, _) => "must be an RSA key, as Algorithm is RsaSha256",
            (DkimAlgorithm.Ed25519Sha256, Ed25519PrivateKeyParameters) => null,
            _ => "must be an Ed25519 key, as Algorithm is Ed25519Sha256",
        };
        if (fits is not null)
        {
            problem = (setting, shown, fits);
            return null;
        }

        problem = null;
        var algorithm = Algorithm == DkimAlgorithm.Ed25519Sha256 ? DkimSignatureAlgorithm.Ed25519Sha256 : DkimSignatureAlgorithm.RsaSha256;
        return new DkimSigner(key, AsciiDomain!, Selector, algorithm)
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
        };
    }

    private static bool IsSelector(string? selector)
    {
        if (string.IsNullOrEmpty(selector) || selector.Length > 63 * 4)
        {
            return false;
        }

        foreach (var label in selector.Split('.'))
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
