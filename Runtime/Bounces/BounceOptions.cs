using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace TypedMail.Bounces;

/// <summary>How the connection to the bounce mailbox is encrypted.</summary>
public enum BounceMailboxTlsMode
{
    /// <summary>No TLS: only for a mail server on the same host or a trusted network.</summary>
    None,

    /// <summary>STARTTLS is required: a server that does not offer it is an error, never a silent downgrade.</summary>
    StartTls,

    /// <summary>TLS from the first byte (usually port 993). The default.</summary>
    Implicit,
}

/// <summary>
/// The bounce mailbox read by the bounce processor (<c>TypedMail:Bounces</c>): where delivery status notifications and
/// complaint reports arrive, and what happens to them once read. Off unless <see cref="Host"/> is set.
/// </summary>
public sealed class BounceOptions
{
    /// <summary>The IMAP server's host name, or <see langword="null"/> (the default) to read no bounces.</summary>
    public string? Host { get; set; }

    /// <summary>The IMAP port. Default 993.</summary>
    public int Port { get; set; } = 993;

    /// <summary>How the connection is encrypted. Default <see cref="BounceMailboxTlsMode.Implicit"/>.</summary>
    public BounceMailboxTlsMode TlsMode { get; set; } = BounceMailboxTlsMode.Implicit;

    /// <summary>
    /// A PEM file of certificate authorities to trust for the IMAP server's certificate, besides the system's trust store:
    /// for a mail server whose certificate a private CA issued. The certificate must still be valid and name
    /// <see cref="Host"/>; revocation is not checked for a certificate that only these authorities vouch for.
    /// <see langword="null"/> (the default) trusts the system's store only. Read at start; needs TLS.
    /// </summary>
    public string? TrustedCertificateAuthoritiesFile { get; set; }

    /// <summary>The mailbox's user name. Required.</summary>
    public string? UserName { get; set; }

    /// <summary>The mailbox's password. Required; never logged or shown. Keep it out of files, such as in <c>TypedMail__Bounces__Password</c>.</summary>
    public string? Password { get; set; }

    /// <summary>The folder reports arrive in. Default <c>INBOX</c>.</summary>
    public string Folder { get; set; } = "INBOX";

    /// <summary>
    /// The folder a recorded report is moved to, created if missing; <see langword="null"/> (the default) leaves it in
    /// <see cref="Folder"/>, flagged as seen and with the <c>$TypedMailProcessed</c> keyword.
    /// </summary>
    public string? ProcessedFolder { get; set; }

    /// <summary>
    /// The folder an unusable report (garbled, about an unknown message, too large) is moved aside to, created if missing.
    /// Default <c>TypedMail-Rejected</c>.
    /// </summary>
    public string RejectedFolder { get; set; } = "TypedMail-Rejected";

    /// <summary>The largest report read, in bytes; a larger one is rejected without being downloaded. Default 5 MB.</summary>
    public long MaxMessageSize { get; set; } = 5 * 1024 * 1024;

    /// <summary>How many soft bounces (temporary failures given up on, such as a full mailbox) suppress an address; <see langword="null"/> never. Default 3.</summary>
    public int? SoftBounceLimit { get; set; } = 3;

    /// <summary>How often the hosted processor reads the mailbox. Default 5 minutes.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long one IMAP command may take. Default 60 seconds.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The certificates of <see cref="TrustedCertificateAuthoritiesFile"/>, or <see langword="null"/> when it is not set.</summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="CryptographicException">A certificate in it cannot be read.</exception>
    internal X509Certificate2Collection? LoadTrustedAuthorities()
    {
        if (TrustedCertificateAuthoritiesFile is null)
        {
            return null;
        }

        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPemFile(TrustedCertificateAuthoritiesFile);
        return certificates;
    }

    /// <summary>Every setting that is wrong: its name, its value as shown (never the password) and the rule it breaks.</summary>
    internal IEnumerable<(string Setting, string Value, string Rule)> Problems()
    {
        if (Host is null)
        {
            yield break;
        }

        if (string.IsNullOrWhiteSpace(Host) || Host.AsSpan().IndexOfAny(" \r\n\t") >= 0)
        {
            yield return (nameof(Host), $"'{Host}'", "must be a host name or IP address");
        }

        if (Port is < 1 or > 65535)
        {
            yield return (nameof(Port), Port.ToString(CultureInfo.InvariantCulture), "must be between 1 and 65535");
        }

        if (!Enum.IsDefined(TlsMode))
        {
            yield return (nameof(TlsMode), TlsMode.ToString(), "must be None, StartTls or Implicit");
        }

        if (TrustedCertificateAuthoritiesFile is { } authorities)
        {
            if (TlsMode == BounceMailboxTlsMode.None)
            {
                yield return (nameof(TrustedCertificateAuthoritiesFile), $"'{authorities}'", "needs TlsMode StartTls or Implicit: without TLS no certificate is checked");
            }

            string? problem;
            try
            {
                problem = LoadTrustedAuthorities()!.Count == 0 ? "must hold at least one PEM certificate (-----BEGIN CERTIFICATE-----)" : null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
            {
                problem = $"must be a readable PEM file of CA certificates ({e.GetType().Name}: {e.Message})";
            }

            if (problem is not null)
            {
                yield return (nameof(TrustedCertificateAuthoritiesFile), $"'{authorities}'", problem);
            }
        }

        if (string.IsNullOrEmpty(UserName))
        {
            yield return (nameof(UserName), UserName is null ? "missing" : "''", "must be set when Host is");
        }

        if (string.IsNullOrEmpty(Password))
        {
            // The password is never echoed: only whether it is set.
            yield return (nameof(Password), "missing", "must be set when Host is");
        }

        foreach (var (setting, folder) in new[] { (nameof(Folder), Folder), (nameof(RejectedFolder), RejectedFolder) })
        {
            if (string.IsNullOrWhiteSpace(folder))
            {
                yield return (setting, $"'{folder}'", "must name a folder");
            }
        }

        if (ProcessedFolder is not null && string.IsNullOrWhiteSpace(ProcessedFolder))
        {
            yield return (nameof(ProcessedFolder), $"'{ProcessedFolder}'", "must name a folder, or be left out to flag reports in place");
        }

        if (string.Equals(ProcessedFolder, Folder, StringComparison.Ordinal) || string.Equals(RejectedFolder, Folder, StringComparison.Ordinal))
        {
            yield return (string.Equals(ProcessedFolder, Folder, StringComparison.Ordinal) ? nameof(ProcessedFolder) : nameof(RejectedFolder), $"'{Folder}'", "must differ from Folder");
        }

        if (MaxMessageSize < 1)
        {
            yield return (nameof(MaxMessageSize), MaxMessageSize.ToString(CultureInfo.InvariantCulture), "must be at least 1");
        }

        if (SoftBounceLimit is < 1)
        {
            yield return (nameof(SoftBounceLimit), SoftBounceLimit.Value.ToString(CultureInfo.InvariantCulture), "must be at least 1, or left out to never suppress for soft bounces");
        }

        foreach (var (setting, value) in new[] { (nameof(PollInterval), PollInterval), (nameof(Timeout), Timeout) })
        {
            if (value <= TimeSpan.Zero)
            {
                yield return (setting, value.ToString(), "must be longer than zero");
            }
        }
    }
}
