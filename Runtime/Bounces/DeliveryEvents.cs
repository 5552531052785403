using System;

namespace TypedMail.Bounces;

/// <summary>What a report said happened to one recipient of a sent message.</summary>
public enum DeliveryEventKind
{
    /// <summary>The receiving side gave up for good (a DSN with <c>Action: failed</c> and a 5.x.x status). The address is suppressed.</summary>
    HardBounce = 0,

    /// <summary>The receiving side gave up for now (<c>Action: failed</c> with a 4.x.x status, such as a full mailbox). Counted; enough of them suppress the address.</summary>
    SoftBounce = 1,

    /// <summary>The receiving side is still trying (<c>Action: delayed</c>). Recorded only.</summary>
    Deferred = 2,

    /// <summary>The recipient marked the message as spam (an ARF feedback report). The address is suppressed.</summary>
    Complaint = 3,
}

/// <summary>
/// One delivery event for one recipient of a sent message, read from a bounce (DSN) or complaint (ARF) report in the
/// bounce mailbox: what happened and what the remote mail server said.
/// </summary>
public sealed class OutboxDeliveryEvent
{
    /// <summary>The row's key.</summary>
    public long Id { get; set; }

    /// <summary>The message the report is about.</summary>
    public Guid OutboxMessageId { get; set; }

    /// <summary>The recipient's addr-spec, lowercased, as on the suppression list.</summary>
    public string Recipient { get; set; } = "";

    /// <summary>What happened.</summary>
    public DeliveryEventKind Kind { get; set; }

    /// <summary>When the report was recorded (UTC).</summary>
    public DateTime RecordedAt { get; set; }

    /// <summary>The enhanced status code (RFC 3463), such as <c>5.1.1</c>, when the report gave one.</summary>
    public string? Status { get; set; }

    /// <summary>The remote server's reply, such as <c>smtp; 550 5.1.1 User unknown</c> (the DSN's <c>Diagnostic-Code</c>), or the complaint's feedback type.</summary>
    public string? Diagnostic { get; set; }

    /// <summary>The remote server that answered (the DSN's <c>Remote-MTA</c>) or the complaint's reporter, when given.</summary>
    public string? RemoteMta { get; set; }

    /// <summary>The report it came from (<see cref="OutboxProcessedReport.Key"/>).</summary>
    public string ReportKey { get; set; } = "";
}

/// <summary>How a report in the bounce mailbox was handled.</summary>
public enum ReportOutcome
{
    /// <summary>Read and recorded as delivery events.</summary>
    Recorded = 0,

    /// <summary>Not usable (garbled, about an unknown message, too large): logged and moved aside.</summary>
    Rejected = 1,
}

/// <summary>
/// A report the bounce processor has handled. Its unique key is claimed in the same transaction that records the
/// report's delivery events, so each report is processed once, across restarts and with several processors running.
/// </summary>
public sealed class OutboxProcessedReport
{
    /// <summary>
    /// The report's identity: <c>mid:</c> and its own <c>Message-ID</c>, or, for a report without one,
    /// <c>uid:</c>, the folder, its UIDVALIDITY and the message's UID. The key.
    /// </summary>
    public string Key { get; set; } = "";

    /// <summary>When it was handled (UTC).</summary>
    public DateTime ProcessedAt { get; set; }

    /// <summary>Recorded or rejected.</summary>
    public ReportOutcome Outcome { get; set; }

    /// <summary>What was found, or why it was rejected.</summary>
    public string? Detail { get; set; }
}
