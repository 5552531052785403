using System;
using TypedMail.Mime;
using TypedMail.Transports;

namespace TypedMail.Smtp;

/// <summary>One message on a connection: its content, and the replies so far.</summary>
internal sealed class SmtpTransaction(int index, OutgoingEmail email, MimeContent content, long size) : IDisposable
{
    public int Index { get; } = index;

    public OutgoingEmail Email { get; } = email;

    public MimeContent Content { get; } = content;

    /// <summary>The SIZE parameter, or 0 when the server has no SIZE extension.</summary>
    public long Size { get; } = size;

    public SmtpResponse? Mail { get; set; }

    public SmtpResponse?[] Recipients { get; } = new SmtpResponse?[email.Recipients.Count];

    public int Accepted { get; set; }

    public bool ResetWritten { get; set; }

    /// <summary>The write that carried the end of the data succeeded: from here on, a lost connection leaves delivery unknown.</summary>
    public bool DataWritten { get; set; }

    /// <summary>The server said 421 before accepting it: certainly not delivered.</summary>
    public bool RefusedBeforeDelivery { get; set; }

    public void Dispose() => Content.Dispose();
}
