using System;
using TypedMail.Transports;

namespace TypedMail.Smtp;

/// <summary>
/// The SMTP server refused a command with a reply: the connection itself is in order, the server said no
/// (for example 535 to AUTH, or 421 when it is closing). The reply code and enhanced status code are kept.
/// </summary>
public sealed class SmtpCommandException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="command">The command that was refused, without its arguments (never a credential), such as <c>AUTH PLAIN</c>.</param>
    /// <param name="reply">The server's reply.</param>
    public SmtpCommandException(string command, TransportReply reply)
        : base($"The SMTP server answered {command} with {reply}.")
    {
        Command = command;
        Reply = reply;
    }

    /// <summary>The refused command, without its arguments.</summary>
    public string Command { get; }

    /// <summary>The server's reply.</summary>
    public TransportReply Reply { get; }

    /// <summary>The reply code.</summary>
    public SmtpStatusCode StatusCode => (SmtpStatusCode)Reply.Code;
}
