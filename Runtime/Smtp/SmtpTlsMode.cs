namespace TypedMail.Smtp;

/// <summary>How the SMTP connection is encrypted.</summary>
public enum SmtpTlsMode
{
    /// <summary>No TLS: only for a trusted local relay. Credentials are refused unless <see cref="SmtpOptions.AllowAuthenticationWithoutTls"/> is set.</summary>
    None,

    /// <summary>STARTTLS (RFC 3207) is required: a server that does not offer it is an error, never a silent downgrade. The default.</summary>
    StartTls,

    /// <summary>STARTTLS when the server offers it, otherwise plain text (opportunistic; open to a downgrade by anyone on the path).</summary>
    StartTlsWhenAvailable,

    /// <summary>TLS from the first byte (RFC 8314 implicit TLS, usually port 465).</summary>
    Implicit,
}
