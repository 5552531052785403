using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using TypedMail.Runtime.Tests.Infrastructure;
using TypedMail.Smtp;

namespace TypedMail.Runtime.Tests.Smtp;

public sealed class SmtpStreamTests
{
    private static SmtpStream Over(string serverBytes, ReplayChunking chunking = ReplayChunking.Whole)
        => new(new SmtpReplayStream(chunking).Server(serverBytes), null);

    [Theory]
    [InlineData(ReplayChunking.Whole)]
    [InlineData(ReplayChunking.LineByLine)]
    [InlineData(ReplayChunking.ByteByByte)]
    public async Task Multi_line_replies_are_read_whole_however_they_are_split(ReplayChunking chunking)
    {
        var stream = Over("250-mx.example.com\r\n250-PIPELINING\r\n250 SIZE 1000\r\n550-5.1.1 first\r\n550 5.1.1 second\r\n220 ready\r\n354\r\n", chunking);
        var ehlo = await stream.ReadResponseAsync(CancellationToken.None);
        Assert.Equal(SmtpStatusCode.Ok, ehlo.Code);
        Assert.Equal(["mx.example.com", "PIPELINING", "SIZE 1000"], ehlo.Lines);
        var rejected = await stream.ReadResponseAsync(CancellationToken.None);
        Assert.Equal(("5.1.1", "first second"), (rejected.EnhancedStatus, rejected.Reply.Text));
        Assert.Equal(SmtpStatusCode.ServiceReady, (await stream.ReadResponseAsync(CancellationToken.None)).Code);
        var bare = await stream.ReadResponseAsync(CancellationToken.None);
        Assert.Equal((SmtpStatusCode.StartMailInput, ""), (bare.Code, bare.Reply.Text));
    }

    [Theory]
    [InlineData("2.1.5 OK", "2.1.5", "OK")]
    [InlineData("4.7.1 ", null, "4.7.1")]
    [InlineData("2.1234.1 x", null, "2.1234.1 x")]
    [InlineData("5.1.1 x", null, "5.1.1 x")]
    [InlineData("2.1 x", null, "2.1 x")]
    [InlineData("2.10.100 x", "2.10.100", "x")]
    public async Task An_enhanced_status_is_taken_only_when_well_formed_and_of_the_replys_class(string text, string? enhanced, string rest)
    {
        var reply = await Over("250 " + text + "\r\n").ReadResponseAsync(CancellationToken.None);
        Assert.Equal(enhanced, reply.EnhancedStatus);
        Assert.Equal(rest, reply.Reply.Text);
    }

    [Theory]
    [InlineData("hello\r\n", "malformed")]
    [InlineData("25\r\n", "malformed")]
    [InlineData("250x\r\n", "malformed")]
    [InlineData("150 what\r\n", "not 2xx-5xx")]
    [InlineData("250-a\r\n550 b\r\n", "changed the reply code")]
    [InlineData("250-a\r\n", "closed the connection")]
    [InlineData("", "closed the connection")]
    public async Task Malformed_replies_are_protocol_errors(string bytes, string message)
    {
        var ex = await Assert.ThrowsAsync<SmtpProtocolException>(() => Over(bytes).ReadResponseAsync(CancellationToken.None).AsTask());
        Assert.Contains(message, ex.Message);
    }

    [Fact]
    public async Task An_endless_reply_line_is_a_protocol_error()
    {
        var ex = await Assert.ThrowsAsync<SmtpProtocolException>(() => Over("250 " + new string('x', 70_000)).ReadResponseAsync(CancellationToken.None).AsTask());
        Assert.Contains("longer than", ex.Message);
    }

    [Fact]
    public void Capabilities_are_parsed_from_the_ehlo_reply_including_old_forms()
    {
        var reply = SmtpResponseFrom("mx", "pipelining", "SIZE", "AUTH=LOGIN", "AUTH PLAIN CRAM-MD5", "8BITMIME", "SMTPUTF8", "STARTTLS", "");
        var capabilities = SmtpCapabilities.Parse(reply);
        Assert.True(capabilities.Pipelining && capabilities.AuthLogin && capabilities.AuthPlain && capabilities.EightBitMime && capabilities.SmtpUtf8 && capabilities.StartTls);
        Assert.Equal(0, capabilities.MaxSize);
        Assert.Equal(52428800, SmtpCapabilities.Parse(SmtpResponseFrom("mx", "SIZE 52428800")).MaxSize);
        Assert.False(SmtpCapabilities.Parse(SmtpResponseFrom("mx", "PIPELINING-NOT")).Pipelining);
    }

    [Theory]
    [InlineData("", ".\r\n")]
    [InlineData("abc", "abc\r\n.\r\n")]
    [InlineData("abc\r\n", "abc\r\n.\r\n")]
    [InlineData(".", "..\r\n.\r\n")]
    [InlineData("a\r\n.b\r\n..\r\n.\r\n", "a\r\n..b\r\n...\r\n..\r\n.\r\n")]
    [InlineData("a\n.b\r.c\r\n", "a\n.b\r.c\r\n.\r\n")]
    public void Dot_stuffing_doubles_leading_dots_and_ends_the_data(string input, string expected)
    {
        foreach (var step in new[] { 1, 2, 3, 1000 })
        {
            var stuffer = new SmtpDotStuffer();
            var bytes = Encoding.ASCII.GetBytes(input);
            var output = new MemoryStream();
            for (var i = 0; i < bytes.Length; i += step)
            {
                var piece = bytes.AsSpan(i, Math.Min(step, bytes.Length - i));
                var buffer = new byte[SmtpDotStuffer.MaxOutput(piece.Length)];
                output.Write(buffer, 0, stuffer.Stuff(piece, buffer));
            }

            var end = new byte[8];
            output.Write(end, 0, stuffer.Finish(end));
            Assert.Equal(expected, Encoding.ASCII.GetString(output.ToArray()));
        }
    }

    private static SmtpResponse SmtpResponseFrom(params string[] lines) => SmtpResponse.Create(250, lines.ToArray());
}
