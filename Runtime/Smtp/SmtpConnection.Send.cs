using System;
using System.IO;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using TypedMail.Mime;
using TypedMail.Transports;

namespace TypedMail.Smtp;

/// <summary>Sending: the pipelined and the one-command-at-a-time loops, and what each reply means for a message.</summary>
internal sealed partial class SmtpConnection
{
    /// <summary>
    /// Sends messages from <paramref name="queue"/> until it is empty, recording each result. Failures of a
    /// message (a 4xx or 5xx reply, a message that cannot be written) are results; failures of the connection
    /// throw, after every message in flight has been settled: put back in the queue when it is certain it was
    /// not delivered, otherwise failed for now.
    /// </summary>
    /// <exception cref="SmtpCommandException">The server answered 421 (closing) or refused RSET.</exception>
    /// <exception cref="SmtpProtocolException">The server broke the protocol or closed the connection.</exception>
    /// <exception cref="TimeoutException">A write or reply took longer than <see cref="SmtpOptions.CommandTimeout"/>.</exception>
    /// <exception cref="IOException">The connection failed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task RunAsync(SmtpSendQueue queue, CancellationToken cancellationToken)
    {
        if (IsBroken)
        {
            throw new InvalidOperationException("The connection is broken and cannot send.");
        }

        using var timeouts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _timeouts = timeouts;
        try
        {
            if (Capabilities.Pipelining)
            {
                await RunPipelinedAsync(queue).ConfigureAwait(false);
            }
            else
            {
                await RunOneByOneAsync(queue).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            IsBroken = true;
            if (cancellationToken.IsCancellationRequested)
            {
                ReleaseInFlight();
                throw;
            }

            if (ex is OperationCanceledException)
            {
                var timeout = new TimeoutException($"The SMTP server {Endpoint} did not take {_step} within {_options.CommandTimeout}.");
                SettleInFlight(queue, timeout.Message);
                throw timeout;
            }

            SettleInFlight(queue, ex.Message);
            throw;
        }
        finally
        {
            _timeouts = null;
            LastUsed = Environment.TickCount64;
        }
    }

    private async Task RunPipelinedAsync(SmtpSendQueue queue)
    {
        // The message whose content was written and whose final reply is still to come.
        SmtpTransaction? sent = null;
        while (true)
        {
            var next = Next(queue);
            if (next is not null)
            {
                WriteEnvelope(next);
            }

            _step = next is null ? "the end of the data" : "the envelope";
            await _stream.FlushAsync(Deadline()).ConfigureAwait(false);
            if (sent is not null)
            {
                sent.DataWritten = true;
                await ReadFinalReplyAsync(sent, queue).ConfigureAwait(false);
                sent = null;
            }

            if (next is null)
            {
                return;
            }

            if (next.ResetWritten)
            {
                var reset = await ReadAsync("RSET", next).ConfigureAwait(false);
                if (reset.Class != 2)
                {
                    throw new SmtpCommandException("RSET", reset.Reply);
                }
            }

            next.Mail = await ReadAsync("MAIL FROM", next).ConfigureAwait(false);
            for (var i = 0; i < next.Recipients.Length; i++)
            {
                next.Recipients[i] = await ReadAsync("RCPT TO", next).ConfigureAwait(false);
            }

            var data = await ReadAsync("DATA", next).ConfigureAwait(false);
            if (data.Code != SmtpStatusCode.StartMailInput)
            {
                _needsReset = next.Mail.Class == 2;
                Complete(next, queue, data);
                continue;
            }

            if (next.Mail.Class == 2 && next.Accepted > 0)
            {
                await WriteContentAsync(next).ConfigureAwait(false);
            }
            else
            {
                // RFC 2920 3.1: DATA was accepted although nothing before it was; end it with an empty message.
                Complete(next, queue, data);
                _stream.Advance(_stuffer.Finish(_stream.GetSpan(8)));
            }

            sent = next;
        }
    }

    private async Task RunOneByOneAsync(SmtpSendQueue queue)
    {
        while (Next(queue) is { } message)
        {
            if (_needsReset)
            {
                _stream.WriteLine("RSET");
                await _stream.FlushAsync(Deadline()).ConfigureAwait(false);
                var reset = await ReadAsync("RSET", message).ConfigureAwait(false);
                if (reset.Class != 2)
                {
                    throw new SmtpCommandException("RSET", reset.Reply);
                }

                _needsReset = false;
            }

            WriteMailCommand(message);
            await _stream.FlushAsync(Deadline()).ConfigureAwait(false);
            message.Mail = await ReadAsync("MAIL FROM", message).ConfigureAwait(false);
            if (message.Mail.Class != 2)
            {
                Complete(message, queue, message.Mail);
                continue;
            }

            for (var i = 0; i < message.Recipients.Length; i++)
            {
                _stream.WriteLine("RCPT TO:<", message.Email.Recipients[i].AsciiAddress, ">");
                await _stream.FlushAsync(Deadline()).ConfigureAwait(false);
                message.Recipients[i] = await ReadAsync("RCPT TO", message).ConfigureAwait(false);
            }

            if (message.Accepted == 0)
            {
                _needsReset = true;
                Complete(message, queue, message.Mail);
                continue;
            }

            _stream.WriteLine("DATA");
            await _stream.FlushAsync(Deadline()).ConfigureAwait(false);
            var data = await ReadAsync("DATA", message).ConfigureAwait(false);
            if (data.Code != SmtpStatusCode.StartMailInput)
            {
                _needsReset = true;
                Complete(message, queue, data);
                continue;
            }

            await WriteContentAsync(message).ConfigureAwait(false);
            await _stream.FlushAsync(Deadline()).ConfigureAwait(false);
            message.DataWritten = true;
            await ReadFinalReplyAsync(message, queue).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The next message that can go on this connection. Messages that cannot be written, need SMTPUTF8 the server
    /// lacks, or pass its SIZE limit fail for good here, before anything is sent.
    /// </summary>
    private SmtpTransaction? Next(SmtpSendQueue queue)
    {
        while (queue.TryTake(out var index))
        {
            var email = queue.Batch[index];
            MimeContent content;
            try
            {
                content = MimeContent.Build(email.Message);
            }
            catch (MessageFormatException ex)
            {
                queue.Complete(index, SendResult.FailedForAll(email, DeliveryStatus.PermanentFailure, null, ex.Message));
                continue;
            }

            var error = Unsendable(email, content, out var size);
            if (error is not null)
            {
                content.Dispose();
                queue.Complete(index, SendResult.FailedForAll(email, DeliveryStatus.PermanentFailure, null, error));
                continue;
            }

            var transaction = new SmtpTransaction(index, email, content, size);
            _inFlight.Add(transaction);
            return transaction;
        }

        return null;
    }

    private string? Unsendable(OutgoingEmail email, MimeContent content, out long size)
    {
        size = 0;
        if (email.Recipients.Count == 0)
        {
            return "The message has no envelope recipients.";
        }

        if (NeedsSmtpUtf8(email, content) && !Capabilities.SmtpUtf8)
        {
            return $"An address has a non-ASCII local part, which needs SMTPUTF8 (RFC 6531), and {Endpoint} does not offer it.";
        }

        if (Capabilities.MaxSize > 0)
        {
            size = content.MeasureLength();
            if (size > Capabilities.MaxSize)
            {
                return $"The message is {size} bytes and {Endpoint} accepts at most {Capabilities.MaxSize} (SIZE).";
            }
        }

        return null;
    }

    private static bool NeedsSmtpUtf8(OutgoingEmail email, MimeContent content)
    {
        if (content.RequiresSmtpUtf8 || email.MailFrom.RequiresSmtpUtf8)
        {
            return true;
        }

        foreach (var recipient in email.Recipients)
        {
            if (recipient.RequiresSmtpUtf8)
            {
                return true;
            }
        }

        return false;
    }

    private void WriteEnvelope(SmtpTransaction message)
    {
        if (_needsReset)
        {
            _stream.WriteLine("RSET");
            message.ResetWritten = true;
            _needsReset = false;
        }

        WriteMailCommand(message);
        foreach (var recipient in message.Email.Recipients)
        {
            _stream.WriteLine("RCPT TO:<", recipient.AsciiAddress, ">");
        }

        _stream.WriteLine("DATA");
    }

    private void WriteMailCommand(SmtpTransaction message)
    {
        var parameters = NeedsSmtpUtf8(message.Email, message.Content)
            ? Capabilities.EightBitMime ? "> SMTPUTF8 BODY=8BITMIME" : "> SMTPUTF8"
            : ">";
        if (message.Size > 0)
        {
            parameters += " SIZE=" + message.Size.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        _stream.WriteLine("MAIL FROM:<", message.Email.MailFrom.AsciiAddress, parameters);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteContentAsync(SmtpTransaction message)
    {
        _step = "the message content";
        int read;
        while ((read = message.Content.Read(_scratch)) > 0)
        {
            var room = SmtpDotStuffer.MaxOutput(read);
            if (_stream.Free < room)
            {
                await _stream.FlushAsync(Deadline()).ConfigureAwait(false);
            }

            _stream.Advance(_stuffer.Stuff(_scratch.AsSpan(0, read), _stream.GetSpan(room)));
        }

        _stream.Advance(_stuffer.Finish(_stream.GetSpan(8)));
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ReadFinalReplyAsync(SmtpTransaction message, SmtpSendQueue queue)
    {
        var reply = await ReadAsync("the end of the data", message).ConfigureAwait(false);
        if (_inFlight.Contains(message))
        {
            Complete(message, queue, reply);
        }
    }

    /// <summary>Reads the reply to <paramref name="command"/>. A 421 means the server is closing: nothing in flight was delivered.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<SmtpResponse> ReadAsync(string command, SmtpTransaction message)
    {
        _step = "the reply to " + command;
        var reply = await _stream.ReadResponseAsync(Deadline()).ConfigureAwait(false);
        if (reply.Code == SmtpStatusCode.ServiceNotAvailable)
        {
            message.RefusedBeforeDelivery = true;
            throw new SmtpCommandException(command, reply.Reply);
        }

        var fits = command == "DATA" ? reply.Code == SmtpStatusCode.StartMailInput || reply.Class is 4 or 5 : reply.Class != 3;
        if (!fits)
        {
            throw new SmtpProtocolException($"The SMTP server answered {command} with {reply}, which does not fit the command.");
        }

        if (command == "RCPT TO" && reply.Class == 2)
        {
            message.Accepted++;
        }

        return reply;
    }

    /// <summary>Records the outcome: each recipient by its RCPT reply, and those accepted there by <paramref name="final"/>.</summary>
    private void Complete(SmtpTransaction message, SmtpSendQueue queue, SmtpResponse final)
    {
        var email = message.Email;
        var mail = message.Mail!;
        var results = new RecipientResult[email.Recipients.Count];
        var status = DeliveryStatus.PermanentFailure;
        SmtpResponse? decisive = null;
        for (var i = 0; i < results.Length; i++)
        {
            var reply = mail.Class != 2 ? mail : message.Recipients[i]!.Class == 2 ? final : message.Recipients[i]!;
            results[i] = new RecipientResult(email.Recipients[i], reply.Status, reply.Reply);

            // The message fares as its best recipient (Accepted < TransientFailure < PermanentFailure).
            if (decisive is null || reply.Status < status)
            {
                status = reply.Status;
                decisive = reply;
            }
        }

        queue.Complete(message.Index, new SendResult(status, decisive?.Reply, results));
        _inFlight.Remove(message);
        message.Dispose();
    }

    private void SettleInFlight(SmtpSendQueue queue, string error)
    {
        foreach (var message in _inFlight)
        {
            if (!message.DataWritten || message.RefusedBeforeDelivery)
            {
                queue.Retry(message.Index, error);
            }
            else
            {
                queue.Complete(message.Index, SendResult.FailedForAll(message.Email, DeliveryStatus.TransientFailure, null,
                    "The connection failed after the message was sent and before the server confirmed it, so it may have been delivered: " + error));
            }

            message.Dispose();
        }

        _inFlight.Clear();
    }

    private void ReleaseInFlight()
    {
        foreach (var message in _inFlight)
        {
            message.Dispose();
        }

        _inFlight.Clear();
    }

    private CancellationToken Deadline()
    {
        _timeouts!.CancelAfter(_options.CommandTimeout);
        return _timeouts.Token;
    }
}
