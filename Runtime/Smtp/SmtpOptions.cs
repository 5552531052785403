using System;
using System.Collections.Generic;
using System.Net.Security;
using MailKit;
using MailKit.Net.Smtp;

namespace TypedMail.Smtp;

/// <summary>
/// Where and how <see cref="SmtpTransport"/> connects. Plain settable properties, so they bind from configuration.
/// <see cref="Validate"/> checks them and names the setting that is wrong; the password never appears in a
/// message, a log line or <see cref="ToString"/>.
/// </summary>
public sealed class SmtpOptions
{
    /// <summary>The server's host name or IP address. Required.</summary>
    public string Host { get; set; } = "";

    /// <summary>The server port; when <see langword="null"/>, 465 for <see cref="SmtpTlsMode.Implicit"/>, 587 for STARTTLS modes and 25 for <see cref="SmtpTlsMode.None"/>.</summary>
    public int? Port { get; set; }

    /// <summary>How the connection is encrypted. Default <see cref="SmtpTlsMode.StartTls"/> (required).</summary>
    public SmtpTlsMode TlsMode { get; set; } = SmtpTlsMode.StartTls;

    /// <summary>
    /// Checks the server's certificate instead of the system's validation (which is used when this is
    /// <see langword="null"/>, the default): for a private CA or a test certificate. Return <see langword="true"/>
    /// only for a certificate you trust.
    /// </summary>
    public RemoteCertificateValidationCallback? ServerCertificateValidation { get; set; }

    /// <summary>
    /// The user for AUTH (RFC 4954), or <see langword="null"/> to send without authenticating. With
    /// <see cref="Password"/>, the strongest mechanism both sides offer is used (SCRAM, PLAIN, LOGIN...); with
    /// <see cref="AccessTokenProvider"/>, XOAUTH2 or OAUTHBEARER.
    /// </summary>
    public string? UserName { get; set; }

    /// <summary>The password for <see cref="UserName"/>; never together with <see cref="AccessTokenProvider"/>.</summary>
    public string? Password { get; set; }

    /// <summary>
    /// Gives OAuth 2.0 access tokens for <see cref="UserName"/> (XOAUTH2 or OAUTHBEARER), for Microsoft 365 or Gmail.
    /// Asked at every connection, and asked again for a fresh token when the server refuses one. Not read from
    /// configuration: hosting takes it from the service container.
    /// </summary>
    public ISmtpAccessTokenProvider? AccessTokenProvider { get; set; }

    /// <summary>Allows sending credentials over a connection without TLS (only for a trusted local relay). Default <see langword="false"/>.</summary>
    public bool AllowAuthenticationWithoutTls { get; set; }

    /// <summary>The name this client gives in EHLO; when <see langword="null"/>, the address literal of the local end, such as <c>[10.0.0.5]</c>.</summary>
    public string? ClientName { get; set; }

    /// <summary>How long connecting, TLS, the greeting, EHLO and AUTH may take together. Default 30 seconds.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long any one write or reply may take once connected. Default 2 minutes.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How many connections send in parallel. Default 4.</summary>
    public int PoolSize { get; set; } = 4;

    /// <summary>How many messages one connection sends before it is closed and a new one opened (a server that caps it says 421, and the rest go on a new connection). Default 1000.</summary>
    public int MaxMessagesPerConnection { get; set; } = 1000;

    /// <summary>How long an unused connection is kept open for the next batch. Default 30 seconds.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The shortest wait before a message refused with 454 (a provider's throttling reply, such as Amazon SES's
    /// "Maximum sending rate exceeded") is tried again. Default 5 minutes.
    /// </summary>
    public TimeSpan ThrottledRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// When the server offers DSN (RFC 3461): the delivery status notifications asked for each recipient, such as
    /// <c>Failure, Delay</c>; the envelope id (ENVID) is the outbox id. <see langword="null"/> (the default) asks for none.
    /// </summary>
    public DeliveryStatusNotification? DeliveryStatusNotifications { get; set; }

    /// <summary>With <see cref="DeliveryStatusNotifications"/>: whether a notification returns the full message or its headers (RET). Default: the server decides.</summary>
    public DeliveryStatusNotificationType DeliveryStatusReturn { get; set; } = DeliveryStatusNotificationType.Unspecified;

    /// <summary>
    /// Asks every server on the way to use TLS (REQUIRETLS, RFC 8689). A message is not sent to a server that does
    /// not offer it (it fails for now, so another transport can take it). Needs <see cref="TlsMode"/> StartTls or Implicit.
    /// </summary>
    public bool RequireTls { get; set; }

    /// <summary>The port actually used: <see cref="Port"/>, or the default for <see cref="TlsMode"/>.</summary>
    public int EffectivePort => Port ?? TlsMode switch
    {
        SmtpTlsMode.Implicit => 465,
        SmtpTlsMode.None => 25,
        _ => 587,
    };

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentException">A setting is missing or out of range; the message names it and its value.</exception>
    public void Validate()
    {
        foreach (var (setting, value, rule) in Problems())
        {
            throw Invalid(setting, value, rule);
        }
    }

    /// <summary>Every setting that is wrong: its name, its value as shown (never the password) and the rule it breaks. Hosting reports them by configuration path.</summary>
    internal IEnumerable<(string Setting, string Value, string Rule)> Problems()
    {
        if (string.IsNullOrWhiteSpace(Host) || Host.AsSpan().IndexOfAny(" \r\n\t") >= 0)
        {
            yield return (nameof(Host), $"'{Host}'", "must be a host name or IP address");
        }

        if (Port is < 1 or > 65535)
        {
            yield return (nameof(Port), Port.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be between 1 and 65535");
        }

        if (!Enum.IsDefined(TlsMode))
        {
            yield return (nameof(TlsMode), TlsMode.ToString(), "must be None, StartTls, StartTlsWhenAvailable or Implicit");
        }

        if (UserName is not null && (UserName.Length == 0 || UserName.Contains('\0')))
        {
            yield return (nameof(UserName), $"'{UserName}'", "must be non-empty and without NUL characters");
        }

        var secrets = (Password is null ? 0 : 1) + (AccessTokenProvider is null ? 0 : 1);
        if (UserName is null && secrets > 0)
        {
            // The password is never echoed: only whether it is set.
            yield return (nameof(UserName), "missing", "must be set when Password or AccessTokenProvider is");
        }
        else if (UserName is not null && secrets != 1)
        {
            yield return secrets == 0
                ? (nameof(Password), "missing", "or AccessTokenProvider must be set when UserName is")
                : (nameof(AccessTokenProvider), "set together with Password", "must not be set together with Password");
        }

        if (Password is not null && Password.Contains('\0'))
        {
            yield return (nameof(Password), "(not shown)", "must not contain NUL characters");
        }

        if (ClientName is not null && (ClientName.Length == 0 || ClientName.AsSpan().ContainsAnyExceptInRange('!', '~')))
        {
            yield return (nameof(ClientName), $"'{ClientName}'", "must be a domain name or address literal in printable ASCII");
        }

        foreach (var (name, value) in new[] { (nameof(ConnectTimeout), ConnectTimeout), (nameof(CommandTimeout), CommandTimeout), (nameof(IdleTimeout), IdleTimeout), (nameof(ThrottledRetryDelay), ThrottledRetryDelay) })
        {
            if (value <= TimeSpan.Zero || value.TotalMilliseconds > int.MaxValue)
            {
                yield return (name, value.ToString(), "must be positive and at most 24 days");
            }
        }

        if (PoolSize is < 1 or > 1000)
        {
            yield return (nameof(PoolSize), PoolSize.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be between 1 and 1000");
        }

        if (MaxMessagesPerConnection < 1)
        {
            yield return (nameof(MaxMessagesPerConnection), MaxMessagesPerConnection.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be at least 1");
        }

        // Never is 0; anything else is a combination of Success, Failure and Delay.
        if (DeliveryStatusNotifications is { } notify
            && (notify & ~(DeliveryStatusNotification.Success | DeliveryStatusNotification.Failure | DeliveryStatusNotification.Delay)) != 0)
        {
            yield return (nameof(DeliveryStatusNotifications), notify.ToString(), "must be Never, or any of Success, Failure and Delay");
        }

        if (!Enum.IsDefined(DeliveryStatusReturn))
        {
            yield return (nameof(DeliveryStatusReturn), DeliveryStatusReturn.ToString(), "must be Unspecified, Full or HeadersOnly");
        }

        if (RequireTls && TlsMode is not (SmtpTlsMode.StartTls or SmtpTlsMode.Implicit))
        {
            yield return (nameof(RequireTls), "true", $"needs TlsMode StartTls or Implicit (TlsMode is {TlsMode})");
        }
    }

    /// <summary>The settings without the password, for logs.</summary>
    public override string ToString()
        => $"{Host}:{EffectivePort} TLS={TlsMode} user={UserName ?? "(none)"}{(AccessTokenProvider is null ? "" : " (OAuth2)")} pool={PoolSize}";

    private static ArgumentException Invalid(string setting, string value, string rule)
        => new($"SmtpOptions.{setting} {rule} (was {value}).", setting);
}
