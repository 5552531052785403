using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Authentication;
using System.Threading;
using System.Threading.Tasks;
using TypedMail.Runtime.Tests.Infrastructure;
using TypedMail.Smtp;
using TypedMail.Transports;
using static TypedMail.Runtime.Tests.Smtp.SmtpScript;

namespace TypedMail.Runtime.Tests.Smtp;

/// <summary>The transport against scripted server replies (MailKit's way of testing its client), byte for byte.</summary>
public sealed class SmtpReplayTests
{
    private static async Task<IReadOnlyList<SendResult>> SendAsync(SmtpReplayStream[] servers, SmtpOptions? options = null, params OutgoingEmail[] batch)
    {
        IReadOnlyList<SendResult> results;
        await using (var transport = Transport(options ?? Options(), null, servers))
        {
            results = await transport.SendAsync(batch, CancellationToken.None);
        }

        foreach (var server in servers)
        {
            server.AssertComplete();
        }

        return results;
    }

    [Theory]
    [InlineData(ReplayChunking.Whole)]
    [InlineData(ReplayChunking.LineByLine)]
    [InlineData(ReplayChunking.ByteByByte)]
    public async Task Pipelined_envelopes_and_several_messages_on_one_connection_keep_the_final_reply_with_the_queue_id(ReplayChunking chunking)
    {
        var first = Email(1, "ada@example.com", "grace@example.com");
        var second = Email(2, "bob@example.com");
        var replay = new SmtpReplayStream(chunking).Hello()
            .Client(EnvelopeOf(first)).Server(Envelope + "250 2.1.5 OK\r\n250 2.1.5 OK\r\n").Data(first, "250 2.0.0 Ok: queued as A1\r\n")
            .Client(EnvelopeOf(second)).Server(Envelope + "250 2.1.5 OK\r\n").Data(second, "250 2.0.0 Ok: queued as A2\r\n")
            .Goodbye();

        var results = await SendAsync([replay], null, first, second);

        Assert.All(results, r => Assert.Equal(DeliveryStatus.Accepted, r.Status));
        Assert.Equal(new TransportReply(250, "2.0.0", "Ok: queued as A1"), results[0].Reply);
        Assert.Equal(new TransportReply(250, "2.0.0", "Ok: queued as A2"), results[1].Reply);
        Assert.Equal(["ada@example.com", "grace@example.com"], results[0].Recipients.Select(r => r.Recipient.Address));
        Assert.All(results[0].Recipients, r => Assert.Equal("Ok: queued as A1", r.Reply!.Text));
        Assert.Null(results[0].RetryAfter);
    }

    [Fact]
    public async Task Without_pipelining_each_command_waits_for_its_reply()
    {
        var email = Email(1, "ada@example.com", "grace@example.com");
        var replay = new SmtpReplayStream(ReplayChunking.LineByLine).Hello(PlainEhlo)
            .Client("MAIL FROM:<shop@example.com>\r\n").Server(Envelope)
            .Client("RCPT TO:<ada@example.com>\r\n").Server("250 2.1.5 OK\r\n")
            .Client("RCPT TO:<grace@example.com>\r\n").Server("250 2.1.5 OK\r\n")
            .Data(email, "250 queued\r\n")
            .Goodbye();
        var result = Assert.Single(await SendAsync([replay], null, email));
        Assert.Equal(new TransportReply(250, null, "queued"), result.Reply);
    }

    [Fact]
    public async Task Each_recipient_keeps_its_own_reply_code_and_enhanced_status()
    {
        var email = Email(1, "ada@example.com", "nobody@example.com", "busy@example.com");
        var replay = new SmtpReplayStream().Hello()
            .Client(EnvelopeOf(email))
            .Server(Envelope + "250 2.1.5 OK\r\n550-5.1.1 The email account that you tried to reach\r\n550 5.1.1 does not exist.\r\n450 4.2.1 Mailbox busy\r\n")
            .Data(email, "250 2.0.0 queued\r\n")
            .Goodbye();

        var result = Assert.Single(await SendAsync([replay], null, email));
        Assert.Equal(DeliveryStatus.Accepted, result.Status);
        Assert.Equal(
            [
                (DeliveryStatus.Accepted, 250, "2.0.0", "queued"),
                (DeliveryStatus.PermanentFailure, 550, "5.1.1", "The email account that you tried to reach does not exist."),
                (DeliveryStatus.TransientFailure, 450, "4.2.1", "Mailbox busy"),
            ],
            result.Recipients.Select(r => (r.Status, r.Reply!.Code, r.Reply.EnhancedStatus, r.Reply.Text)));
    }

    [Fact]
    public async Task A_refused_sender_or_no_accepted_recipient_fails_the_message_and_the_connection_goes_on_after_rset()
    {
        var refusedSender = Email(1, "ada@example.com", "bob@example.com");
        var nobody = Email(2, "nobody@example.com", "gone@example.com");
        var fine = Email(3);
        var replay = new SmtpReplayStream().Hello()
            .Client(EnvelopeOf(refusedSender)).Server("553 5.7.1 Sender rejected\r\n503 5.5.1 Need MAIL first\r\n503 5.5.1 Need MAIL first\r\n")
            .Client("RSET\r\n").Server("250 2.0.0 Reset\r\n")
            .Client(EnvelopeOf(nobody)).Server(Envelope + "550 5.1.1 No such user\r\n450 4.2.1 Mailbox busy\r\n")
            .Client("RSET\r\n").Server("250 2.0.0 Reset\r\n")
            .Client(EnvelopeOf(fine)).Server(Envelope + "250 OK\r\n").Data(fine)
            .Goodbye();

        var results = await SendAsync([replay], null, refusedSender, nobody, fine);

        Assert.Equal(DeliveryStatus.PermanentFailure, results[0].Status);
        Assert.All(results[0].Recipients, r => Assert.Equal((DeliveryStatus.PermanentFailure, 553, "5.7.1"), (r.Status, r.Reply!.Code, r.Reply.EnhancedStatus)));
        Assert.Equal(DeliveryStatus.TransientFailure, results[1].Status);
        Assert.Equal([(550, "5.1.1"), (450, "4.2.1")], results[1].Recipients.Select(r => (r.Reply!.Code, r.Reply.EnhancedStatus!)));
        Assert.Equal(DeliveryStatus.Accepted, results[2].Status);
    }

    [Theory]
    [InlineData("451 4.3.0 Try later\r\n", DeliveryStatus.TransientFailure)]
    [InlineData("552 5.3.4 Message too big\r\n", DeliveryStatus.PermanentFailure)]
    public async Task The_reply_to_the_data_decides_for_every_accepted_recipient(string reply, DeliveryStatus expected)
    {
        var email = Email(1, "ada@example.com", "nobody@example.com");
        var replay = new SmtpReplayStream().Hello()
            .Client(EnvelopeOf(email)).Server(Envelope + "250 OK\r\n550 5.1.1 No such user\r\n").Data(email, reply)
            .Client("RSET\r\n").Server("250 Reset\r\n")
            .Goodbye();
        var result = Assert.Single(await SendAsync([replay], null, email));
        Assert.Equal(expected, result.Status);
        Assert.Equal(expected, result.Recipients[0].Status);
        Assert.Equal(reply[..3], result.Recipients[0].Reply!.Code.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal((DeliveryStatus.PermanentFailure, 550), (result.Recipients[1].Status, result.Recipients[1].Reply!.Code));
    }

    [Fact]
    public async Task A_454_throttling_reply_is_a_transient_failure_that_asks_for_a_longer_wait()
    {
        var email = Email(1);
        var replay = new SmtpReplayStream().Hello()
            .Client(EnvelopeOf(email)).Server("454 4.7.0 Throttling failure: Maximum sending rate exceeded.\r\n503 5.5.1 Need MAIL first\r\n")
            .Client("RSET\r\n").Server("250 Reset\r\n")
            .Goodbye();
        var options = Options();
        options.ThrottledRetryDelay = TimeSpan.FromMinutes(7);
        var result = Assert.Single(await SendAsync([replay], options, email));
        Assert.Equal((DeliveryStatus.TransientFailure, 454, "4.7.0"), (result.Status, result.Reply!.Code, result.Reply.EnhancedStatus));
        Assert.Equal(TimeSpan.FromMinutes(7), result.RetryAfter);
    }

    [Fact]
    public async Task A_421_drops_the_connection_and_the_message_goes_out_on_a_new_one()
    {
        var sent = Email(1);
        var refused = Email(2);
        var first = new SmtpReplayStream().Hello()
            .Client(EnvelopeOf(sent)).Server(Envelope + "250 OK\r\n").Data(sent)
            .Client(EnvelopeOf(refused)).Server("421 4.3.2 Too many messages, closing\r\n").Disconnect();
        var second = new SmtpReplayStream().Hello()
            .Client(EnvelopeOf(refused)).Server(Envelope + "250 OK\r\n").Data(refused, "250 2.0.0 Ok: queued as B2\r\n")
            .Goodbye();

        var results = await SendAsync([first, second], null, sent, refused);
        Assert.All(results, r => Assert.Equal(DeliveryStatus.Accepted, r.Status));
        Assert.Equal("Ok: queued as B2", results[1].Reply!.Text);
    }

    [Fact]
    public async Task A_server_closing_mid_data_puts_the_message_back_for_another_connection()
    {
        // The content never reached the server's final dot: certainly not delivered, so it goes out on a new connection now.
        var email = Email(1);
        var first = new SmtpReplayStream().Hello()
            .Client(EnvelopeOf(email)).Server(Envelope + "250 OK\r\n")
            .Client("DATA\r\n").Server("354 go\r\n").Disconnect();
        var second = new SmtpReplayStream().Hello()
            .Client(EnvelopeOf(email)).Server(Envelope + "250 OK\r\n").Data(email)
            .Goodbye();
        var result = Assert.Single(await SendAsync([first, second], null, email));
        Assert.Equal(DeliveryStatus.Accepted, result.Status);
    }

    [Fact]
    public async Task A_server_closing_after_the_data_leaves_the_message_failed_for_now_as_it_may_have_arrived()
    {
        var email = Email(1);
        var replay = new SmtpReplayStream().Hello()
            .Client(EnvelopeOf(email)).Server(Envelope + "250 OK\r\n")
            .Client("DATA\r\n").Server("354 go\r\n").Client(WireForm(email) + ".\r\n").Disconnect();
        var result = Assert.Single(await SendAsync([replay], null, email));
        Assert.Equal(DeliveryStatus.TransientFailure, result.Status);
        Assert.Contains("may have been delivered", result.Error);
    }

    [Fact]
    public async Task A_server_closing_before_the_content_puts_the_message_back_for_another_connection()
    {
        var email = Email(1);
        var first = new SmtpReplayStream().Hello()
            .Client(EnvelopeOf(email)).Server(Envelope + "250 OK\r\n")
            .Client("DATA\r\n").Disconnect();
        var second = new SmtpReplayStream().Hello()
            .Client(EnvelopeOf(email)).Server(Envelope + "250 OK\r\n").Data(email)
            .Goodbye();
        var result = Assert.Single(await SendAsync([first, second], null, email));
        Assert.Equal(DeliveryStatus.Accepted, result.Status);
    }

    [Fact]
    public async Task A_connection_that_keeps_failing_gives_up_after_a_few_tries_leaving_the_message_for_later()
    {
        var email = Email(1);
        var servers = Enumerable.Range(0, 4).Select(_ => new SmtpReplayStream().Hello()
            .Client(EnvelopeOf(email)).Server("421 4.7.0 Try again later, closing connection\r\n").Disconnect()).ToArray();
        var result = Assert.Single(await SendAsync(servers[..3], null, email));
        Assert.Equal(DeliveryStatus.TransientFailure, result.Status);
        Assert.Contains("421", result.Error);
    }

    [Fact]
    public async Task Cancellation_stops_a_send_waiting_for_a_reply_and_keeps_the_results_already_answered()
    {
        var first = Email(1);
        var second = Email(2);
        var third = Email(3);
        var replay = new SmtpReplayStream().Hello()
            .Client(EnvelopeOf(first)).Server(Envelope + "250 2.1.5 OK\r\n").Data(first, "250 2.0.0 Ok: queued as A1\r\n")
            .Client(EnvelopeOf(second)).Stall();
        await using var transport = Transport(replay);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var results = await transport.SendAsync([first, second, third], cancel.Token);

        Assert.Equal([DeliveryStatus.Accepted, DeliveryStatus.TransientFailure, DeliveryStatus.TransientFailure], results.Select(r => r.Status));
        Assert.Equal(new TransportReply(250, "2.0.0", "Ok: queued as A1"), results[0].Reply);
        Assert.All(results.Skip(1), r => Assert.Equal(SmtpTransport.Cancelled, r.Error));
    }

    [Fact]
    public async Task A_handshake_slower_than_the_connect_timeout_is_a_timeout()
    {
        var options = Options();
        options.ConnectTimeout = TimeSpan.FromMilliseconds(200);
        await using var transport = Transport(options, null, new SmtpReplayStream().Server(Greeting).Client(Ehlo).Stall());
        var ex = await Assert.ThrowsAsync<TimeoutException>(() => transport.VerifyConnectionAsync(CancellationToken.None));
        Assert.Contains("SmtpOptions.ConnectTimeout", ex.Message);
    }

    [Fact]
    public async Task Required_starttls_that_the_server_does_not_offer_is_an_error_not_a_downgrade()
    {
        var replay = new SmtpReplayStream().Hello();
        await using (var transport = Transport(Options(SmtpTlsMode.StartTls), null, replay))
        {
            var ex = await Assert.ThrowsAsync<AuthenticationException>(() => transport.VerifyConnectionAsync(CancellationToken.None));
            Assert.Contains("does not offer STARTTLS", ex.Message);
        }

        replay.AssertComplete();

        var optional = new SmtpReplayStream().Hello().Goodbye();
        await using (var transport = Transport(Options(SmtpTlsMode.StartTlsWhenAvailable), null, optional))
        {
            await transport.VerifyConnectionAsync(CancellationToken.None);
        }

        optional.AssertComplete();
    }

    [Fact]
    public async Task Credentials_are_never_sent_in_clear_text_unless_allowed()
    {
        var options = Options();
        options.UserName = "ada";
        options.Password = "s3cret";
        var refused = new SmtpReplayStream().Hello("250-mx\r\n250 AUTH PLAIN LOGIN\r\n");
        await using (var transport = Transport(options, null, refused))
        {
            var ex = await Assert.ThrowsAsync<AuthenticationException>(() => transport.VerifyConnectionAsync(CancellationToken.None));
            Assert.Contains("AllowAuthenticationWithoutTls", ex.Message);
        }

        refused.AssertComplete();

        options.AllowAuthenticationWithoutTls = true;
        var plain = new SmtpReplayStream().Hello("250-mx\r\n250 AUTH PLAIN LOGIN\r\n")
            .Client("AUTH PLAIN AGFkYQBzM2NyZXQ=\r\n").Server("235 2.7.0 Authentication successful\r\n")
            .Goodbye();
        await using (var transport = Transport(options, null, plain))
        {
            await transport.VerifyConnectionAsync(CancellationToken.None);
        }

        plain.AssertComplete();

        var wrong = new SmtpReplayStream().Hello("250-mx\r\n250 AUTH PLAIN\r\n")
            .Client("AUTH PLAIN AGFkYQBzM2NyZXQ=\r\n").Server("535 5.7.8 Authentication credentials invalid\r\n");
        await using (var transport = Transport(options, null, wrong))
        {
            var denied = await Assert.ThrowsAsync<MailKit.Security.AuthenticationException>(() => transport.VerifyConnectionAsync(CancellationToken.None));
            Assert.DoesNotContain("s3cret", denied.Message);
            Assert.DoesNotContain("AGFkYQBzM2NyZXQ=", denied.Message);
        }
    }

    [Fact]
    public async Task Smtputf8_is_requested_when_an_address_needs_it_and_the_message_fails_when_the_server_lacks_it()
    {
        var email = Email(1, "\u00e9l\u00e8ve@\u00e9cole.example");
        var replay = new SmtpReplayStream().Hello("250-mx\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
            .Client("MAIL FROM:<shop@example.com> SMTPUTF8\r\nRCPT TO:<\u00e9l\u00e8ve@\u00e9cole.example>\r\n").Server(Envelope + "250 OK\r\n").Data(email)
            .Goodbye();
        Assert.Equal(DeliveryStatus.Accepted, Assert.Single(await SendAsync([replay], null, email)).Status);

        var lacking = new SmtpReplayStream().Hello().Goodbye();
        var result = Assert.Single(await SendAsync([lacking], null, email));
        Assert.Equal(DeliveryStatus.PermanentFailure, result.Status);
        Assert.Contains("SMTPUTF8", result.Error);
    }

    [Fact]
    public async Task The_size_is_declared_and_a_message_over_the_limit_is_not_sent()
    {
        var email = Email(1);
        var size = WireForm(email).Length;
        var replay = new SmtpReplayStream().Hello($"250-mx\r\n250-PIPELINING\r\n250 SIZE {size}\r\n")
            .Client(EnvelopeOf(email, $" SIZE={size}")).Server(Envelope + "250 OK\r\n").Data(email)
            .Goodbye();
        Assert.Equal(DeliveryStatus.Accepted, Assert.Single(await SendAsync([replay], null, email)).Status);

        var small = new SmtpReplayStream().Hello($"250-mx\r\n250-PIPELINING\r\n250 SIZE {size - 1}\r\n").Goodbye();
        var result = Assert.Single(await SendAsync([small], null, email));
        Assert.Equal(DeliveryStatus.PermanentFailure, result.Status);
        Assert.Contains($"at most {size - 1}", result.Error);
    }

    [Fact]
    public async Task Delivery_status_notifications_carry_the_outbox_id_when_the_server_offers_dsn()
    {
        var email = Email(1, "ada@example.com", "bob@example.com");
        var options = Options();
        options.DeliveryStatusNotifications = MailKit.DeliveryStatusNotification.Failure | MailKit.DeliveryStatusNotification.Delay;
        options.DeliveryStatusReturn = MailKit.Net.Smtp.DeliveryStatusNotificationType.HeadersOnly;
        var envid = email.OutboxId.ToString("N");
        var replay = new SmtpReplayStream().Hello("250-mx\r\n250-PIPELINING\r\n250 DSN\r\n")
            .Client($"MAIL FROM:<shop@example.com> ENVID={envid} RET=HDRS\r\n"
                + "RCPT TO:<ada@example.com> NOTIFY=FAILURE,DELAY ORCPT=rfc822;ada@example.com\r\n"
                + "RCPT TO:<bob@example.com> NOTIFY=FAILURE,DELAY ORCPT=rfc822;bob@example.com\r\n")
            .Server(Envelope + "250 OK\r\n250 OK\r\n").Data(email)
            .Goodbye();
        Assert.Equal(DeliveryStatus.Accepted, Assert.Single(await SendAsync([replay], options, email)).Status);

        var without = new SmtpReplayStream().Hello()
            .Client(EnvelopeOf(email)).Server(Envelope + "250 OK\r\n250 OK\r\n").Data(email)
            .Goodbye();
        Assert.Equal(DeliveryStatus.Accepted, Assert.Single(await SendAsync([without], options, email)).Status);
    }

    [Fact]
    public async Task A_line_starting_with_a_dot_is_stuffed()
    {
        var email = Email(1);
        var dotted = new OutgoingEmail(email.OutboxId, new EmailMessage
        {
            From = email.Message.From,
            To = email.Message.To,
            Subject = "dots",
            Date = email.Message.Date,
            MessageId = email.Message.MessageId,
            TextBody = "x",
            Headers = [new(".Dotted-Field", "a field whose name starts with a dot")],
        }, email.Recipients);
        var mime = WireForm(dotted);
        Assert.Contains("\r\n.Dotted-Field:", mime);
        var replay = new SmtpReplayStream().Hello()
            .Client(EnvelopeOf(dotted)).Server(Envelope + "250 OK\r\n")
            .Client("DATA\r\n").Server("354 go\r\n")
            .Client(mime.Replace("\r\n.", "\r\n..", StringComparison.Ordinal) + ".\r\n").Server("250 OK\r\n")
            .Goodbye();
        Assert.Equal(DeliveryStatus.Accepted, Assert.Single(await SendAsync([replay], null, dotted)).Status);
    }

    [Fact]
    public async Task A_message_that_cannot_be_built_fails_for_good_without_being_sent()
    {
        var bad = Email(1);
        var broken = new OutgoingEmail(bad.OutboxId, new EmailMessage
        {
            From = bad.Message.From,
            To = bad.Message.To,
            Subject = "bad\r\nBcc: victim@example.com",
            Date = bad.Message.Date,
            MessageId = bad.Message.MessageId,
        }, bad.Recipients);
        var good = Email(2);
        var replay = new SmtpReplayStream().Hello()
            .Client(EnvelopeOf(good)).Server(Envelope + "250 OK\r\n").Data(good)
            .Goodbye();
        var results = await SendAsync([replay], null, broken, good);
        Assert.Equal(DeliveryStatus.PermanentFailure, results[0].Status);
        Assert.Contains("Subject", results[0].Error);
        Assert.Equal(DeliveryStatus.Accepted, results[1].Status);
    }
}
