using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using TypedMail.Runtime.Tests.Infrastructure;
using TypedMail.Smtp;
using TypedMail.Transports;
using static TypedMail.Runtime.Tests.Smtp.SmtpScript;

namespace TypedMail.Runtime.Tests.Smtp;

/// <summary>Against postfix's smtp-sink: pipelining, the pool, and its fault flags.</summary>
public sealed class SmtpSinkTests
{
    internal static SmtpOptions For(LoopbackServer server, int poolSize = 4, TimeSpan? commandTimeout = null) => new()
    {
        Host = "127.0.0.1",
        Port = server.Port,
        TlsMode = SmtpTlsMode.None,
        PoolSize = poolSize,
        CommandTimeout = commandTimeout ?? TimeSpan.FromSeconds(20),
    };

    internal static List<OutgoingEmail> Batch(int count, int recipients = 1)
        => Enumerable.Range(0, count).Select(i => Email(i, Enumerable.Range(0, recipients).Select(r => $"user{r}.{i}@example.com").ToArray())).ToList();

    private static async Task<(int Sessions, int Messages)> CountersAsync(SmtpSink sink, int expectedMessages)
    {
        var deadline = Stopwatch.StartNew();
        while (sink.Counters.Messages < expectedMessages && deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(50);
        }

        await Task.Delay(200); // session ends are counted as the connections close
        return sink.Counters;
    }

    [Fact]
    public async Task A_batch_is_pipelined_over_the_pool_and_every_message_is_accepted()
    {
        using var sink = new SmtpSink();
        var batch = Batch(400, recipients: 2);
        IReadOnlyList<SendResult> results;
        var options = For(sink, poolSize: 4);
        options.MaxMessagesPerConnection = 400;
        await using (var transport = new SmtpTransport(options))
        {
            results = await transport.SendAsync(batch, CancellationToken.None);
        }

        Assert.All(results, r => Assert.Equal(DeliveryStatus.Accepted, r.Status));
        Assert.All(results, r => Assert.Equal((250, "2.0.0"), (r.Reply!.Code, r.Reply.EnhancedStatus)));
        Assert.All(results, r => Assert.Equal(2, r.Recipients.Count(x => x.Status == DeliveryStatus.Accepted)));
        var (sessions, messages) = await CountersAsync(sink, 400);
        Assert.Equal(400, messages);
        Assert.InRange(sessions, 1, 4);
    }

    [Fact]
    public async Task A_connection_is_replaced_after_its_message_cap()
    {
        using var sink = new SmtpSink();
        var options = For(sink, poolSize: 1);
        options.MaxMessagesPerConnection = 10;
        await using (var transport = new SmtpTransport(options))
        {
            Assert.All(await transport.SendAsync(Batch(25), CancellationToken.None), r => Assert.Equal(DeliveryStatus.Accepted, r.Status));
        }

        Assert.Equal((3, 25), await CountersAsync(sink, 25));
    }

    [Fact]
    public async Task One_connection_carries_many_messages_and_is_reused_by_the_next_batch()
    {
        using var sink = new SmtpSink();
        await using (var transport = new SmtpTransport(For(sink, poolSize: 1)))
        {
            Assert.All(await transport.SendAsync(Batch(50), CancellationToken.None), r => Assert.Equal(DeliveryStatus.Accepted, r.Status));
            Assert.All(await transport.SendAsync(Batch(50), CancellationToken.None), r => Assert.Equal(DeliveryStatus.Accepted, r.Status));
        }

        Assert.Equal((1, 100), await CountersAsync(sink, 100));
    }

    [Fact]
    public async Task Recipients_refused_for_now_are_transient_failures_with_their_reply()
    {
        using var sink = new SmtpSink("-r", "RCPT");
        await using var transport = new SmtpTransport(For(sink, poolSize: 1));
        var results = await transport.SendAsync(Batch(3, recipients: 2), CancellationToken.None);
        Assert.All(results, r =>
        {
            Assert.Equal(DeliveryStatus.TransientFailure, r.Status);
            Assert.All(r.Recipients, x => Assert.Equal((DeliveryStatus.TransientFailure, 450, "4.3.0"), (x.Status, x.Reply!.Code, x.Reply.EnhancedStatus)));
        });
    }

    [Fact]
    public async Task Data_refused_for_good_is_a_permanent_failure()
    {
        using var sink = new SmtpSink("-f", ".");
        await using var transport = new SmtpTransport(For(sink, poolSize: 1));
        var results = await transport.SendAsync(Batch(3), CancellationToken.None);
        Assert.All(results, r => Assert.Equal((DeliveryStatus.PermanentFailure, 500, "5.3.0"), (r.Status, r.Reply!.Code, r.Reply.EnhancedStatus)));
    }

    [Fact]
    public async Task A_421_reconnects_and_gives_up_after_a_few_tries_leaving_the_messages_for_later()
    {
        using var sink = new SmtpSink("-Q", "MAIL");
        await using var transport = new SmtpTransport(For(sink, poolSize: 1));
        var results = await transport.SendAsync(Batch(2), CancellationToken.None);
        Assert.All(results, r =>
        {
            Assert.Equal(DeliveryStatus.TransientFailure, r.Status);
            Assert.Contains("421", r.Error);
        });
        Assert.Equal(0, (await CountersAsync(sink, 0)).Messages);
    }

    [Fact]
    public async Task A_server_that_hangs_up_after_the_data_leaves_the_message_failed_for_now()
    {
        using var sink = new SmtpSink("-q", ".");
        await using var transport = new SmtpTransport(For(sink, poolSize: 1));
        var result = Assert.Single(await transport.SendAsync(Batch(1), CancellationToken.None));
        Assert.Equal(DeliveryStatus.TransientFailure, result.Status);
        Assert.Contains("may have been delivered", result.Error);
    }

    [Fact]
    public async Task A_server_that_aborts_the_data_with_550_fails_the_message_for_good()
    {
        using var sink = new SmtpSink("-A", "0");
        await using var transport = new SmtpTransport(For(sink, poolSize: 1));
        var results = await transport.SendAsync(Batch(3), CancellationToken.None);
        Assert.All(results, r => Assert.Equal((DeliveryStatus.PermanentFailure, 550), (r.Status, r.Reply?.Code ?? 0)));
    }

    [Fact]
    public async Task A_reply_slower_than_the_command_timeout_fails_the_message_for_now()
    {
        using var sink = new SmtpSink("-W", "RCPT:3");
        await using var transport = new SmtpTransport(For(sink, poolSize: 1, commandTimeout: TimeSpan.FromMilliseconds(300)));
        var result = Assert.Single(await transport.SendAsync(Batch(1), CancellationToken.None));
        Assert.Equal(DeliveryStatus.TransientFailure, result.Status);
        Assert.Contains("SmtpOptions.CommandTimeout", result.Error);
    }
}
