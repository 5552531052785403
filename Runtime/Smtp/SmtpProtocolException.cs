using System;

namespace TypedMail.Smtp;

/// <summary>
/// The SMTP server broke the protocol: a malformed or unexpected reply, data where none may be, or a connection
/// closed mid-conversation. The connection is dropped, since its state is no longer known.
/// </summary>
public sealed class SmtpProtocolException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong.</param>
    public SmtpProtocolException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the error that caused it.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public SmtpProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
