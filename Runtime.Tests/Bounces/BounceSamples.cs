using System;

namespace TypedMail.Runtime.Tests.Bounces;

/// <summary>
/// Reports in the shapes real mail servers produce, written from RFC 3464 (delivery status notifications), RFC 3461
/// (the ORCPT original recipient) and RFC 5965 (ARF feedback reports): Postfix's bounce, Exchange's NDR, Gmail's
/// failure and delay notices, and a mailbox provider's complaint. Each names the original message by its Message-ID.
/// </summary>
internal static class BounceSamples
{
    /// <summary>Postfix: text/plain notice, message/delivery-status, text/rfc822-headers of the original.</summary>
    public static string Postfix(string originalMessageId, string recipient, string reportId) => $"""
        Return-Path: <>
        From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
        Subject: Undelivered Mail Returned to Sender
        To: bounces@shop.example
        Auto-Submitted: auto-replied
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status;
        	boundary="4F1A02C1B7.1764896400/mx.example.net"
        Message-Id: <{reportId}>
        Date: Sat,  5 Dec 2026 01:00:00 +0000 (UTC)

        This is a MIME-encapsulated message.

        --4F1A02C1B7.1764896400/mx.example.net
        Content-Description: Notification
        Content-Type: text/plain; charset=us-ascii

        This is the mail system at host mx.example.net.

        I'm sorry to have to inform you that your message could not
        be delivered to one or more recipients.

        <{recipient}>: host mx.example.com[192.0.2.10] said: 550 5.1.1
            <{recipient}>: Recipient address rejected: User unknown in virtual
            mailbox table (in reply to RCPT TO command)

        --4F1A02C1B7.1764896400/mx.example.net
        Content-Description: Delivery report
        Content-Type: message/delivery-status

        Reporting-MTA: dns; mx.example.net
        X-Postfix-Queue-ID: 4F1A02C1B7
        X-Postfix-Sender: rfc822; bounces@shop.example
        Arrival-Date: Sat,  5 Dec 2026 00:59:58 +0000 (UTC)

        Final-Recipient: rfc822; {recipient}
        Original-Recipient: rfc822;{recipient}
        Action: failed
        Status: 5.1.1
        Remote-MTA: dns; mx.example.com
        Diagnostic-Code: smtp; 550 5.1.1 <{recipient}>: Recipient address rejected:
            User unknown in virtual mailbox table

        --4F1A02C1B7.1764896400/mx.example.net
        Content-Description: Undelivered Message Headers
        Content-Type: text/rfc822-headers

        Return-Path: <bounces@shop.example>
        Received: from shop.example (shop.example [198.51.100.7])
        	by mx.example.net (Postfix) with ESMTPS id 4F1A02C1B7
        	for <{recipient}>; Sat,  5 Dec 2026 00:59:58 +0000 (UTC)
        From: Shop <shop@shop.example>
        To: {recipient}
        Subject: Your order
        Message-ID: <{originalMessageId}>
        MIME-Version: 1.0

        --4F1A02C1B7.1764896400/mx.example.net--

        """.Replace("\n", "\r\n", StringComparison.Ordinal);

    /// <summary>Exchange: an NDR with a text and HTML notice, message/delivery-status, and the original as message/rfc822.</summary>
    public static string Exchange(string originalMessageId, string recipient, string reportId) => $"""
        From: Microsoft Outlook <postmaster@contoso.com>
        To: <bounces@shop.example>
        Date: Sat, 5 Dec 2026 01:00:03 +0000
        Content-Type: multipart/report; report-type=delivery-status;
        	boundary="bd2a5f5a-4b6e-4d0c-9a10-2f2fd6d7e0b1"
        Content-Language: en-US
        Message-ID: <{reportId}>
        In-Reply-To: <{originalMessageId}>
        References: <{originalMessageId}>
        Subject: Undeliverable: Your order
        Auto-Submitted: auto-replied
        MIME-Version: 1.0

        --bd2a5f5a-4b6e-4d0c-9a10-2f2fd6d7e0b1
        Content-Type: multipart/alternative; differences=Content-Type;
        	boundary="5b7c1e52-4e0b-4b2f-8a3c-0c7f0e6a9d21"

        --5b7c1e52-4e0b-4b2f-8a3c-0c7f0e6a9d21
        Content-Type: text/plain; charset="us-ascii"
        Content-Transfer-Encoding: quoted-printable

        Your message to {recipient} couldn't be delivered.
        {recipient} wasn't found at contoso.com.

        --5b7c1e52-4e0b-4b2f-8a3c-0c7f0e6a9d21
        Content-Type: text/html; charset="us-ascii"
        Content-Transfer-Encoding: quoted-printable

        <html><body><p>Your message to {recipient} couldn't be delivered.</p></body></html>

        --5b7c1e52-4e0b-4b2f-8a3c-0c7f0e6a9d21--

        --bd2a5f5a-4b6e-4d0c-9a10-2f2fd6d7e0b1
        Content-Type: message/delivery-status

        Reporting-MTA: dns;EXCH01.contoso.com
        Received-From-MTA: dns;shop.example
        Arrival-Date: Sat, 5 Dec 2026 01:00:01 +0000

        Original-Recipient: rfc822;{recipient}
        Final-Recipient: rfc822;{recipient}
        Action: failed
        Status: 5.1.10
        Diagnostic-Code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not
         found by SMTP address lookup
        X-Display-Name: Ada

        --bd2a5f5a-4b6e-4d0c-9a10-2f2fd6d7e0b1
        Content-Type: message/rfc822

        From: Shop <shop@shop.example>
        To: <{recipient}>
        Subject: Your order
        Date: Sat, 5 Dec 2026 00:59:59 +0000
        Message-ID: <{originalMessageId}>
        MIME-Version: 1.0
        Content-Type: text/plain; charset="utf-8"

        Thank you for your order.

        --bd2a5f5a-4b6e-4d0c-9a10-2f2fd6d7e0b1--

        """.Replace("\n", "\r\n", StringComparison.Ordinal);

    /// <summary>
    /// Gmail: a notice, message/delivery-status and the original's headers. <paramref name="action"/> is <c>failed</c>
    /// (with a 4.2.2 mailbox-full status, a soft bounce) or <c>delayed</c>.
    /// </summary>
    public static string Gmail(string originalMessageId, string recipient, string reportId, string action) => $"""
        MIME-Version: 1.0
        From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
        To: bounces@shop.example
        Auto-Submitted: auto-replied
        Subject: {(action == "delayed" ? "Delivery Status Notification (Delay)" : "Delivery Status Notification (Failure)")}
        Message-ID: <{reportId}>
        Date: Sat, 05 Dec 2026 01:00:05 -0800
        Content-Type: multipart/report; boundary="000000000000a1b2c3d4e5f6a7b8"; report-type=delivery-status

        --000000000000a1b2c3d4e5f6a7b8
        Content-Type: text/plain; charset="UTF-8"

        ** Message {(action == "delayed" ? "delayed" : "not delivered")} **

        The recipient's inbox is full and can't accept messages now.

        --000000000000a1b2c3d4e5f6a7b8
        Content-Type: message/delivery-status

        Reporting-MTA: dns; googlemail.com
        Received-From-MTA: dns; shop.example
        Arrival-Date: Sat, 05 Dec 2026 00:58:00 -0800 (PST)
        X-Original-Message-ID: <{originalMessageId}>

        Final-Recipient: rfc822; {recipient}
        Action: {action}
        Status: 4.2.2
        Remote-MTA: dns; gmail-smtp-in.l.google.com. (2607:f8b0:4864:20::a2f, the server
         for the domain gmail.com.)
        Diagnostic-Code: smtp; 452-4.2.2 The recipient's inbox is out of storage space.
         452 4.2.2 Please direct the recipient to https://support.google.com/mail/?p=OverQuotaTemp
        Last-Attempt-Date: Sat, 05 Dec 2026 01:00:05 -0800 (PST)

        --000000000000a1b2c3d4e5f6a7b8
        Content-Type: text/rfc822-headers

        From: Shop <shop@shop.example>
        To: {recipient}
        Subject: Your order
        Message-ID: <{originalMessageId}>
        Date: Sat, 05 Dec 2026 08:58:00 +0000

        --000000000000a1b2c3d4e5f6a7b8--

        """.Replace("\n", "\r\n", StringComparison.Ordinal);

    /// <summary>An ARF (RFC 5965) abuse report from a mailbox provider's feedback loop, with the original message.</summary>
    public static string Arf(string originalMessageId, string recipient, string reportId) => $"""
        From: <abuse@mailbox.example>
        Date: Sat, 5 Dec 2026 01:00:07 +0000
        Subject: FW: Your order
        To: <bounces@shop.example>
        MIME-Version: 1.0
        Message-ID: <{reportId}>
        Content-Type: multipart/report; report-type=feedback-report;
             boundary="part1_13d.2e68ed54_boundary"

        --part1_13d.2e68ed54_boundary
        Content-Type: text/plain; charset="US-ASCII"
        Content-Transfer-Encoding: 7bit

        This is an email abuse report for an email message received from IP
        198.51.100.7 on Sat, 5 Dec 2026 01:00:00 +0000.

        --part1_13d.2e68ed54_boundary
        Content-Type: message/feedback-report

        Feedback-Type: abuse
        User-Agent: SomeGenerator/1.0
        Version: 1
        Original-Mail-From: <bounces@shop.example>
        Original-Rcpt-To: <{recipient}>
        Arrival-Date: Sat, 5 Dec 2026 01:00:00 +0000
        Reporting-MTA: dns; mail.mailbox.example
        Source-IP: 198.51.100.7
        Authentication-Results: mail.mailbox.example; spf=pass smtp.mail=bounces@shop.example

        --part1_13d.2e68ed54_boundary
        Content-Type: message/rfc822
        Content-Disposition: inline

        From: Shop <shop@shop.example>
        Received: from shop.example (198.51.100.7) by mail.mailbox.example; Sat, 5 Dec 2026 01:00:00 +0000
        To: {recipient}
        Subject: Your order
        Message-ID: <{originalMessageId}>
        Date: Sat, 5 Dec 2026 00:59:59 +0000

        Thank you for your order.

        --part1_13d.2e68ed54_boundary--

        """.Replace("\n", "\r\n", StringComparison.Ordinal);

    /// <summary>
    /// A DSN built from a delivery's envelope, as the receiving MTA writes one after it accepted the message and then
    /// failed to deliver it: sent to the envelope sender (<paramref name="mailFrom"/>, which the local delivery agent
    /// also stamps as Delivered-To), naming the envelope recipient (<paramref name="rcptTo"/>), and returning only the
    /// original's From, To and Subject (RET=HDRS, trimmed by the MTA): no Message-ID, no Return-Path, nothing else
    /// that names the original message. Only the envelope sender can map it.
    /// </summary>
    public static string FromEnvelope(string mailFrom, string rcptTo, string reportId) => $"""
        Delivered-To: {mailFrom}
        Return-Path: <>
        From: MAILER-DAEMON@relay.example.net (Mail Delivery System)
        Subject: Undelivered Mail Returned to Sender
        To: {mailFrom}
        Auto-Submitted: auto-replied
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status; boundary="envelope.1764896400/relay.example.net"
        Message-Id: <{reportId}>
        Date: Sat,  5 Dec 2026 01:00:00 +0000 (UTC)

        --envelope.1764896400/relay.example.net
        Content-Type: text/plain; charset=us-ascii

        <{rcptTo}>: host mx.example.com[192.0.2.10] said: 550 5.1.1 User unknown

        --envelope.1764896400/relay.example.net
        Content-Type: message/delivery-status

        Reporting-MTA: dns; relay.example.net

        Final-Recipient: rfc822; {rcptTo}
        Action: failed
        Status: 5.1.1
        Remote-MTA: dns; mx.example.com
        Diagnostic-Code: smtp; 550 5.1.1 <{rcptTo}>: User unknown

        --envelope.1764896400/relay.example.net
        Content-Type: text/rfc822-headers

        From: Shop <shop@example.com>
        To: {rcptTo}
        Subject: Your order

        --envelope.1764896400/relay.example.net--

        """.Replace("\n", "\r\n", StringComparison.Ordinal);

    /// <summary>A multipart/report whose delivery-status part was cut off: no per-recipient fields.</summary>
    public static string Garbled(string reportId) => $"""
        From: MAILER-DAEMON@mx.example.net
        To: bounces@shop.example
        Subject: Undelivered Mail Returned to Sender
        Message-ID: <{reportId}>
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status; boundary="cut"

        --cut
        Content-Type: message/delivery-status

        Reporting-MTA: dns; mx.example.net
        --cut--

        """.Replace("\n", "\r\n", StringComparison.Ordinal);

    /// <summary>An ordinary message, larger than <paramref name="size"/> bytes.</summary>
    public static string Huge(string reportId, int size) => $"""
        From: someone@example.org
        To: bounces@shop.example
        Subject: Not a report
        Message-ID: <{reportId}>

        {new string('x', 76)}

        """.Replace("\n", "\r\n", StringComparison.Ordinal) + string.Concat(System.Linq.Enumerable.Repeat(new string('y', 76) + "\r\n", (size / 78) + 1));
}
