namespace TypedMail.Smtp;

/// <summary>SMTP reply codes (RFC 5321 4.2.3, RFC 4954, RFC 3207). A server may send codes not listed here.</summary>
public enum SmtpStatusCode
{
    /// <summary>211 System status.</summary>
    SystemStatus = 211,

    /// <summary>214 Help message.</summary>
    HelpMessage = 214,

    /// <summary>220 Service ready (greeting, or ready to start TLS).</summary>
    ServiceReady = 220,

    /// <summary>221 Service closing the transmission channel.</summary>
    ServiceClosingTransmissionChannel = 221,

    /// <summary>235 Authentication succeeded.</summary>
    AuthenticationSuccessful = 235,

    /// <summary>250 Requested action completed.</summary>
    Ok = 250,

    /// <summary>251 User not local; will forward.</summary>
    UserNotLocalWillForward = 251,

    /// <summary>252 Cannot verify the user, but will accept the message.</summary>
    CannotVerifyUserWillAttemptDelivery = 252,

    /// <summary>334 Authentication challenge.</summary>
    AuthenticationChallenge = 334,

    /// <summary>354 Start mail input; end with &lt;CRLF&gt;.&lt;CRLF&gt;.</summary>
    StartMailInput = 354,

    /// <summary>421 Service not available, closing the transmission channel.</summary>
    ServiceNotAvailable = 421,

    /// <summary>450 Mailbox unavailable (busy or temporarily blocked).</summary>
    MailboxBusy = 450,

    /// <summary>451 Local error in processing.</summary>
    LocalErrorInProcessing = 451,

    /// <summary>452 Insufficient system storage, or too many recipients.</summary>
    InsufficientStorage = 452,

    /// <summary>454 Temporary authentication failure, or TLS not available.</summary>
    TemporaryFailure = 454,

    /// <summary>500 Syntax error, command unrecognized.</summary>
    CommandUnrecognized = 500,

    /// <summary>501 Syntax error in parameters or arguments.</summary>
    SyntaxError = 501,

    /// <summary>502 Command not implemented.</summary>
    CommandNotImplemented = 502,

    /// <summary>503 Bad sequence of commands.</summary>
    BadCommandSequence = 503,

    /// <summary>504 Command parameter not implemented.</summary>
    CommandParameterNotImplemented = 504,

    /// <summary>530 Authentication required (or must issue STARTTLS first).</summary>
    AuthenticationRequired = 530,

    /// <summary>535 Authentication credentials invalid.</summary>
    AuthenticationFailed = 535,

    /// <summary>550 Mailbox unavailable (not found, no access, or policy).</summary>
    MailboxUnavailable = 550,

    /// <summary>551 User not local.</summary>
    UserNotLocalTryAlternatePath = 551,

    /// <summary>552 Exceeded storage allocation (message too large).</summary>
    ExceededStorageAllocation = 552,

    /// <summary>553 Mailbox name not allowed.</summary>
    MailboxNameNotAllowed = 553,

    /// <summary>554 Transaction failed (or no valid recipients).</summary>
    TransactionFailed = 554,

    /// <summary>555 MAIL FROM/RCPT TO parameters not recognized or not implemented.</summary>
    MailFromOrRcptToParametersNotRecognized = 555,
}
