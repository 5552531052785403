using System;
using System.Linq;
using System.Security.Authentication;
using System.Threading;
using System.Threading.Tasks;
using TypedMail.Runtime.Tests.Infrastructure;
using TypedMail.Smtp;
using TypedMail.Transports;
using static TypedMail.Runtime.Tests.Smtp.SmtpScript;

namespace TypedMail.Runtime.Tests.Smtp;

public sealed class SmtpReplayTests
{
    [Theory]
    [InlineData(ReplayChunking.Whole)]
    [InlineData(ReplayChunking.LineByLine)]
    [InlineData(ReplayChunking.ByteByByte)]
    public async Task Pipelined_messages_share_one_write_between_content_and_the_next_envelope(ReplayChunking chunking)
    {
        var first = Email(1, "ada@example.com", "grace@example.com");
        var second = Email(2, "bob@example.com");
        var replay = new SmtpReplayStream(chunking)
            .Server(Greeting)
            .Client(Ehlo).Server(PipeliningEhlo)
            .Client(EnvelopeOf(first)).Server(Envelope + "250 2.1.5 OK\r\n250 2.1.5 OK\r\n354 End data with <CR><LF>.<CR><LF>\r\n")
            .Client(WireForm(first) + ".\r\n" + EnvelopeOf(second)).Server("250 2.0.0 Ok: queued as A1\r\n" + Envelope + "250 2.1.5 OK\r\n354 go ahead\r\n")
            .Client(WireForm(second) + ".\r\n").Server("250 2.0.0 Ok: queued as A2\r\n")
            .Client("QUIT\r\n").Server("221 2.0.0 Bye\r\n");

        await using var connection = await OpenAsync(replay);
        Assert.True(connection.Capabilities.Pipelining);
        var (queue, error) = await RunAsync(connection, [first, second]);
        Assert.Null(error);
        await connection.QuitAsync(CancellationToken.None);
        replay.AssertComplete();

        var results = queue.Finish(null);
        Assert.All(results, r => Assert.Equal(DeliveryStatus.Accepted, r.Status));
        Assert.Equal(new TransportReply(250, "2.0.0", "Ok: queued as A1"), results[0].Reply);
        Assert.Equal(["ada@example.com", "grace@example.com"], results[0].Recipients.Select(r => r.Recipient.Address));
        Assert.All(results[0].Recipients, r => Assert.Equal("Ok: queued as A1", r.Reply!.Text));

        // One write per round trip: envelope 1; content 1 with envelope 2; content 2; QUIT.
        Assert.Equal(4, replay.Writes.Count(w => w.StartsWith("MAIL", StringComparison.Ordinal) || w.Contains("\r\n.\r\n", StringComparison.Ordinal) || w == "QUIT\r\n"));
        Assert.Contains(replay.Writes, w => w.EndsWith("\r\n.\r\n" + EnvelopeOf(second), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_pipelining_each_command_waits_for_its_reply()
    {
        var email = Email(1, "ada@example.com", "grace@example.com");
        var replay = new SmtpReplayStream(ReplayChunking.LineByLine)
            .Server(Greeting)
            .Client(Ehlo).Server(PlainEhlo)
            .Client("MAIL FROM:<shop@example.com>\r\n").Server(Envelope)
            .Client("RCPT TO:<ada@example.com>\r\n").Server("250 2.1.5 OK\r\n")
            .Client("RCPT TO:<grace@example.com>\r\n").Server("250 2.1.5 OK\r\n")
            .Client("DATA\r\n").Server("354 go\r\n")
            .Client(WireForm(email) + ".\r\n").Server("250 2.0.0 queued\r\n");
        await using var connection = await OpenAsync(replay);
        var (queue, error) = await RunAsync(connection, [email]);
        Assert.Null(error);
        replay.AssertComplete();
        Assert.Equal(DeliveryStatus.Accepted, queue.Finish(null)[0].Status);
    }

    [Fact]
    public async Task Each_recipient_keeps_its_own_reply_code_and_enhanced_status()
    {
        var email = Email(1, "ada@example.com", "nobody@example.com", "busy@example.com");
        var replay = new SmtpReplayStream()
            .Server(Greeting).Client(Ehlo).Server(PipeliningEhlo)
            .Client(EnvelopeOf(email))
            .Server(Envelope + "250 2.1.5 OK\r\n550-5.1.1 The email account that you tried to reach\r\n550 5.1.1 does not exist.\r\n450 4.2.1 Mailbox busy\r\n354 go\r\n")
            .Client(WireForm(email) + ".\r\n").Server("250 2.0.0 queued\r\n");
        await using var connection = await OpenAsync(replay);
        var (queue, error) = await RunAsync(connection, [email]);
        Assert.Null(error);
        replay.AssertComplete();

        var result = queue.Finish(null)[0];
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
    public async Task A_failed_transaction_is_reset_before_the_next_and_rfc2920_empty_data_is_sent_when_data_is_accepted_anyway()
    {
        var rejected = Email(1, "nobody@example.com");
        var acceptedAnyway = Email(2, "nobody@example.com");
        var fine = Email(3);
        var replay = new SmtpReplayStream()
            .Server(Greeting).Client(Ehlo).Server(PipeliningEhlo)
            .Client(EnvelopeOf(rejected)).Server(Envelope + "550 5.1.1 No such user\r\n554 5.5.1 No valid recipients\r\n")
            .Client("RSET\r\n" + EnvelopeOf(acceptedAnyway)).Server("250 2.0.0 Reset\r\n" + Envelope + "550 5.1.1 No such user\r\n354 go\r\n")
            .Client(".\r\n" + EnvelopeOf(fine)).Server("554 5.5.1 No valid recipients\r\n" + Envelope + "250 2.1.5 OK\r\n354 go\r\n")
            .Client(WireForm(fine) + ".\r\n").Server("250 2.0.0 queued\r\n");
        await using var connection = await OpenAsync(replay);
        var (queue, error) = await RunAsync(connection, [rejected, acceptedAnyway, fine]);
        Assert.Null(error);
        replay.AssertComplete();

        var results = queue.Finish(null);
        Assert.Equal(DeliveryStatus.PermanentFailure, results[0].Status);
        Assert.Equal(550, results[0].Reply!.Code);
        Assert.Equal(DeliveryStatus.PermanentFailure, results[1].Status);
        Assert.Equal(DeliveryStatus.Accepted, results[2].Status);
    }

    [Fact]
    public async Task A_rejected_sender_fails_every_recipient_with_the_mail_reply()
    {
        var email = Email(1, "ada@example.com", "bob@example.com");
        var replay = new SmtpReplayStream()
            .Server(Greeting).Client(Ehlo).Server(PipeliningEhlo)
            .Client(EnvelopeOf(email)).Server("553 5.7.1 Sender rejected\r\n503 5.5.1 Need MAIL first\r\n503 5.5.1 Need MAIL first\r\n503 5.5.1 Need MAIL first\r\n");
        await using var connection = await OpenAsync(replay);
        var (queue, error) = await RunAsync(connection, [email]);
        Assert.Null(error);
        replay.AssertComplete();
        var result = queue.Finish(null)[0];
        Assert.Equal(DeliveryStatus.PermanentFailure, result.Status);
        Assert.All(result.Recipients, r => Assert.Equal((553, "5.7.1"), (r.Reply!.Code, r.Reply.EnhancedStatus)));
    }

    [Theory]
    [InlineData("451 4.3.0 Try later\r\n", DeliveryStatus.TransientFailure)]
    [InlineData("552 5.3.4 Message too big\r\n", DeliveryStatus.PermanentFailure)]
    public async Task The_reply_to_the_data_decides_for_every_accepted_recipient(string reply, DeliveryStatus expected)
    {
        var email = Email(1, "ada@example.com", "nobody@example.com");
        var replay = new SmtpReplayStream()
            .Server(Greeting).Client(Ehlo).Server(PipeliningEhlo)
            .Client(EnvelopeOf(email)).Server(Envelope + "250 OK\r\n550 5.1.1 No such user\r\n354 go\r\n")
            .Client(WireForm(email) + ".\r\n").Server(reply);
        await using var connection = await OpenAsync(replay);
        var (queue, error) = await RunAsync(connection, [email]);
        Assert.Null(error);
        replay.AssertComplete();
        var result = queue.Finish(null)[0];
        Assert.Equal(expected, result.Status);
        Assert.Equal(expected, result.Recipients[0].Status);
        Assert.Equal(DeliveryStatus.PermanentFailure, result.Recipients[1].Status);
        Assert.Equal(550, result.Recipients[1].Reply!.Code);
    }

    [Fact]
    public async Task A_421_drops_the_connection_and_puts_the_unsent_messages_back()
    {
        var sent = Email(1);
        var refused = Email(2);
        var replay = new SmtpReplayStream()
            .Server(Greeting).Client(Ehlo).Server(PipeliningEhlo)
            .Client(EnvelopeOf(sent)).Server(Envelope + "250 OK\r\n354 go\r\n")
            .Client(WireForm(sent) + ".\r\n" + EnvelopeOf(refused)).Server("250 2.0.0 queued\r\n421 4.3.2 Too many messages, closing\r\n").Disconnect();
        await using var connection = await OpenAsync(replay);
        var (queue, error) = await RunAsync(connection, [sent, refused]);
        replay.AssertComplete();
        var command = Assert.IsType<SmtpCommandException>(error);
        Assert.Equal(SmtpStatusCode.ServiceNotAvailable, command.StatusCode);
        Assert.True(connection.IsBroken);
        Assert.Equal(DeliveryStatus.Accepted, queue.Results[0]!.Status);
        Assert.Null(queue.Results[1]);
        Assert.True(queue.TryTake(out var again));
        Assert.Equal(1, again);
    }

    [Fact]
    public async Task A_server_closing_after_the_data_leaves_the_message_failed_for_now_as_it_may_have_arrived()
    {
        var email = Email(1);
        var replay = new SmtpReplayStream()
            .Server(Greeting).Client(Ehlo).Server(PipeliningEhlo)
            .Client(EnvelopeOf(email)).Server(Envelope + "250 OK\r\n354 go\r\n")
            .Client(WireForm(email) + ".\r\n").Disconnect();
        await using var connection = await OpenAsync(replay);
        var (queue, error) = await RunAsync(connection, [email]);
        replay.AssertComplete();
        Assert.IsType<SmtpProtocolException>(error);
        var result = queue.Results[0]!;
        Assert.Equal(DeliveryStatus.TransientFailure, result.Status);
        Assert.Contains("may have been delivered", result.Error);
        Assert.False(queue.HasWork);
    }

    [Fact]
    public async Task A_server_closing_mid_data_puts_the_message_back()
    {
        var email = Email(1);
        var replay = new SmtpReplayStream()
            .Server(Greeting).Client(Ehlo).Server(PlainEhlo)
            .Client("MAIL FROM:<shop@example.com>\r\n").Server(Envelope)
            .Client("RCPT TO:<ada@example.com>\r\n").Server("250 OK\r\n")
            .Client("DATA\r\n").Server("354 go\r\n").Disconnect();
        await using var connection = await OpenAsync(replay);
        var (queue, error) = await RunAsync(connection, [email]);
        Assert.IsType<System.IO.IOException>(error);
        Assert.Null(queue.Results[0]);
        Assert.True(queue.HasWork);
    }

    [Fact]
    public async Task A_server_that_stops_answering_times_out_and_the_message_goes_back()
    {
        var email = Email(1);
        var replay = new SmtpReplayStream()
            .Server(Greeting).Client(Ehlo).Server(PipeliningEhlo)
            .Client(EnvelopeOf(email)).Stall();
        await using var connection = await OpenAsync(replay, Options(commandTimeout: TimeSpan.FromMilliseconds(200)));
        var (queue, error) = await RunAsync(connection, [email]);
        var timeout = Assert.IsType<TimeoutException>(error);
        Assert.Contains("MAIL FROM", timeout.Message);
        Assert.True(queue.HasWork);
    }

    [Fact]
    public async Task Cancellation_stops_a_send_waiting_for_a_reply()
    {
        var replay = new SmtpReplayStream()
            .Server(Greeting).Client(Ehlo).Server(PipeliningEhlo)
            .Client(EnvelopeOf(Email(1))).Stall();
        await using var connection = await OpenAsync(replay);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var (_, error) = await RunAsync(connection, [Email(1)], cancel.Token);
        Assert.IsAssignableFrom<OperationCanceledException>(error);
        Assert.True(connection.IsBroken);
    }

    [Fact]
    public async Task Cancellation_and_timeouts_cover_the_handshake()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => OpenAsync(new SmtpReplayStream().Stall(), cancellationToken: cancel.Token));
        var options = Options();
        options.ConnectTimeout = TimeSpan.FromMilliseconds(100);
        var timeout = await Assert.ThrowsAsync<TimeoutException>(() => OpenAsync(new SmtpReplayStream().Server(Greeting).Client(Ehlo).Stall(), options));
        Assert.Contains("EHLO", timeout.Message);
    }

    [Fact]
    public async Task Required_starttls_that_the_server_does_not_offer_is_an_error_not_a_downgrade()
    {
        var replay = new SmtpReplayStream().Server(Greeting).Client(Ehlo).Server(PipeliningEhlo);
        var ex = await Assert.ThrowsAsync<AuthenticationException>(() => OpenAsync(replay, Options(SmtpTlsMode.StartTls)));
        Assert.Contains("does not offer STARTTLS", ex.Message);
        replay.AssertComplete();

        var optional = new SmtpReplayStream().Server(Greeting).Client(Ehlo).Server(PipeliningEhlo);
        await using var connection = await OpenAsync(optional, Options(SmtpTlsMode.StartTlsWhenAvailable));
        Assert.False(connection.IsEncrypted);
        optional.AssertComplete();
    }

    [Fact]
    public async Task Plain_text_after_the_starttls_reply_is_refused()
    {
        var replay = new SmtpReplayStream()
            .Server(Greeting).Client(Ehlo).Server("250-mx.example.com\r\n250 STARTTLS\r\n")
            .Client("STARTTLS\r\n").Server("220 2.0.0 Ready to start TLS\r\n250-injected\r\n");
        var ex = await Assert.ThrowsAsync<SmtpProtocolException>(() => OpenAsync(replay, Options(SmtpTlsMode.StartTls)));
        Assert.Contains("after its reply to STARTTLS", ex.Message);
    }

    [Fact]
    public async Task A_server_without_ehlo_gets_helo_and_no_extensions()
    {
        var email = Email(1);
        var replay = new SmtpReplayStream()
            .Server(Greeting)
            .Client(Ehlo).Server("502 5.5.2 Command not recognized\r\n")
            .Client("HELO client.example\r\n").Server("250 mx.example.com\r\n")
            .Client("MAIL FROM:<shop@example.com>\r\n").Server("250 OK\r\n")
            .Client("RCPT TO:<ada@example.com>\r\n").Server("250 OK\r\n")
            .Client("DATA\r\n").Server("354 go\r\n")
            .Client(WireForm(email) + ".\r\n").Server("250 OK\r\n");
        await using var connection = await OpenAsync(replay);
        var (queue, error) = await RunAsync(connection, [email]);
        Assert.Null(error);
        replay.AssertComplete();
        Assert.Equal(DeliveryStatus.Accepted, queue.Results[0]!.Status);
        Assert.Null(queue.Results[0]!.Reply!.EnhancedStatus);
    }

    [Fact]
    public async Task Credentials_are_never_sent_in_clear_text_unless_allowed()
    {
        var options = Options();
        options.UserName = "ada";
        options.Password = "s3cret";
        var refused = new SmtpReplayStream().Server(Greeting).Client(Ehlo).Server("250-mx\r\n250 AUTH PLAIN LOGIN\r\n");
        var ex = await Assert.ThrowsAsync<AuthenticationException>(() => OpenAsync(refused, options));
        Assert.Contains("AllowAuthenticationWithoutTls", ex.Message);
        refused.AssertComplete();

        options.AllowAuthenticationWithoutTls = true;
        var plain = new SmtpReplayStream().Server(Greeting).Client(Ehlo).Server("250-mx\r\n250 AUTH PLAIN LOGIN\r\n")
            .Client("AUTH PLAIN AGFkYQBzM2NyZXQ=\r\n").Server("235 2.7.0 Authentication successful\r\n");
        await using (await OpenAsync(plain, options))
        {
            plain.AssertComplete();
        }

        var login = new SmtpReplayStream().Server(Greeting).Client(Ehlo).Server("250-mx\r\n250 AUTH=LOGIN\r\n")
            .Client("AUTH LOGIN\r\n").Server("334 VXNlcm5hbWU6\r\n")
            .Client("YWRh\r\n").Server("334 UGFzc3dvcmQ6\r\n")
            .Client("czNjcmV0\r\n").Server("235 2.7.0 OK\r\n");
        await using (await OpenAsync(login, options))
        {
            login.AssertComplete();
        }

        var wrong = new SmtpReplayStream().Server(Greeting).Client(Ehlo).Server("250-mx\r\n250 AUTH PLAIN\r\n")
            .Client("AUTH PLAIN AGFkYQBzM2NyZXQ=\r\n").Server("535 5.7.8 Authentication credentials invalid\r\n");
        var denied = await Assert.ThrowsAsync<SmtpCommandException>(() => OpenAsync(wrong, options));
        Assert.Equal(SmtpStatusCode.AuthenticationFailed, denied.StatusCode);
        Assert.Equal("AUTH PLAIN", denied.Command);
        Assert.DoesNotContain("s3cret", denied.Message);
        Assert.DoesNotContain("AGFkYQBzM2NyZXQ=", denied.Message);
    }

    [Fact]
    public async Task Smtputf8_is_requested_when_an_address_needs_it_and_the_message_fails_when_the_server_lacks_it()
    {
        var email = Email(1, "\u00e9l\u00e8ve@\u00e9cole.example");
        var replay = new SmtpReplayStream()
            .Server(Greeting).Client(Ehlo).Server("250-mx\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
            .Client("MAIL FROM:<shop@example.com> SMTPUTF8 BODY=8BITMIME\r\nRCPT TO:<\u00e9l\u00e8ve@xn--cole-9oa.example>\r\nDATA\r\n")
            .Server(Envelope + "250 OK\r\n354 go\r\n")
            .Client(WireForm(email) + ".\r\n").Server("250 OK\r\n");
        await using (var connection = await OpenAsync(replay))
        {
            var (queue, error) = await RunAsync(connection, [email]);
            Assert.Null(error);
            replay.AssertComplete();
            Assert.Equal(DeliveryStatus.Accepted, queue.Results[0]!.Status);
        }

        var lacking = new SmtpReplayStream().Server(Greeting).Client(Ehlo).Server(PipeliningEhlo);
        await using (var connection = await OpenAsync(lacking))
        {
            var (queue, error) = await RunAsync(connection, [email]);
            Assert.Null(error);
            lacking.AssertComplete();
            Assert.Equal(DeliveryStatus.PermanentFailure, queue.Results[0]!.Status);
            Assert.Contains("SMTPUTF8", queue.Results[0]!.Error);
        }
    }

    [Fact]
    public async Task The_size_is_declared_and_a_message_over_the_limit_is_not_sent()
    {
        var email = Email(1);
        var size = WireForm(email).Length;
        var replay = new SmtpReplayStream()
            .Server(Greeting).Client(Ehlo).Server($"250-mx\r\n250-PIPELINING\r\n250 SIZE {size}\r\n")
            .Client(EnvelopeOf(email, $" SIZE={size}")).Server(Envelope + "250 OK\r\n354 go\r\n")
            .Client(WireForm(email) + ".\r\n").Server("250 OK\r\n");
        await using (var connection = await OpenAsync(replay))
        {
            var (queue, error) = await RunAsync(connection, [email]);
            Assert.Null(error);
            replay.AssertComplete();
            Assert.Equal(DeliveryStatus.Accepted, queue.Results[0]!.Status);
        }

        var small = new SmtpReplayStream().Server(Greeting).Client(Ehlo).Server($"250-mx\r\n250-PIPELINING\r\n250 SIZE {size - 1}\r\n");
        await using (var connection = await OpenAsync(small))
        {
            var (queue, error) = await RunAsync(connection, [email]);
            Assert.Null(error);
            small.AssertComplete();
            Assert.Equal(DeliveryStatus.PermanentFailure, queue.Results[0]!.Status);
            Assert.Contains($"at most {size - 1}", queue.Results[0]!.Error);
        }
    }

    [Fact]
    public async Task A_line_starting_with_a_dot_is_stuffed()
    {
        var email = Email(1);
        var message = new EmailMessage
        {
            From = email.Message.From,
            To = email.Message.To,
            Subject = "dots",
            Date = email.Message.Date,
            MessageId = email.Message.MessageId,
            TextBody = "x",
            Headers = [new(".Dotted-Field", "a field whose name starts with a dot")],
        };
        var dotted = new OutgoingEmail(email.OutboxId, message, email.Recipients);
        var mime = WireForm(dotted);
        Assert.Contains("\r\n.Dotted-Field:", mime);
        var replay = new SmtpReplayStream()
            .Server(Greeting).Client(Ehlo).Server(PipeliningEhlo)
            .Client(EnvelopeOf(dotted)).Server(Envelope + "250 OK\r\n354 go\r\n")
            .Client(mime.Replace("\r\n.Dotted-Field:", "\r\n..Dotted-Field:", StringComparison.Ordinal) + ".\r\n").Server("250 OK\r\n");
        await using var connection = await OpenAsync(replay);
        var (_, error) = await RunAsync(connection, [dotted]);
        Assert.Null(error);
        replay.AssertComplete();
    }

    [Fact]
    public async Task A_message_that_cannot_be_written_fails_for_good_without_being_sent()
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
        var replay = new SmtpReplayStream()
            .Server(Greeting).Client(Ehlo).Server(PipeliningEhlo)
            .Client(EnvelopeOf(good)).Server(Envelope + "250 OK\r\n354 go\r\n")
            .Client(WireForm(good) + ".\r\n").Server("250 OK\r\n");
        await using var connection = await OpenAsync(replay);
        var (queue, error) = await RunAsync(connection, [broken, good]);
        Assert.Null(error);
        replay.AssertComplete();
        Assert.Equal(DeliveryStatus.PermanentFailure, queue.Results[0]!.Status);
        Assert.Contains("Subject", queue.Results[0]!.Error);
        Assert.Equal(DeliveryStatus.Accepted, queue.Results[1]!.Status);
    }

    [Fact]
    public async Task A_reply_that_does_not_fit_the_command_is_a_protocol_error()
    {
        var replay = new SmtpReplayStream()
            .Server(Greeting).Client(Ehlo).Server(PipeliningEhlo)
            .Client(EnvelopeOf(Email(1))).Server("354 what?\r\n");
        await using var connection = await OpenAsync(replay);
        var (queue, error) = await RunAsync(connection, [Email(1)]);
        Assert.IsType<SmtpProtocolException>(error);
        Assert.True(queue.HasWork);
    }
}
