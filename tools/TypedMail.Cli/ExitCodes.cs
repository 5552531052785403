namespace TypedMail.Cli;

/// <summary>The exit codes of <c>typedmail</c>; documented in docs/cli.md.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Success = 0;

    /// <summary><c>dispatch</c> ran, but some messages were deferred for a retry or failed for good.</summary>
    public const int NotAllSent = 1;

    /// <summary>The command line is wrong: an unknown command or option, a missing or invalid value.</summary>
    public const int Usage = 2;

    /// <summary>The message or address named does not exist, or is not in a state the command applies to.</summary>
    public const int NotFound = 3;

    /// <summary>The database cannot be reached or read, or has no outbox tables.</summary>
    public const int Database = 4;

    /// <summary><c>bounces</c> could not read the bounce mailbox: the IMAP server is down, refused the login, or has no such folder.</summary>
    public const int Mailbox = 5;
}
