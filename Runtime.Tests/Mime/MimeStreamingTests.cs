using System;
using System.Buffers;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using TypedMail.Mime;

namespace TypedMail.Runtime.Tests.Mime;

public sealed class MimeStreamingTests
{
    [Fact]
    public async Task A_large_attachment_is_written_in_pieces_without_a_message_sized_buffer()
    {
        var content = new byte[8 * 1024 * 1024];
        new Random(7).NextBytes(content);
        var message = MimeWriterTests.Message(
            text: string.Concat(Enumerable.Repeat("A line of text for a large body.\n", 20_000)),
            attachments: [new EmailAttachment("big.bin", "application/octet-stream", content)]);
        var sink = new MeasuringStream();

        await message.WriteToAsync(sink); // warm up: JIT, pools
        sink.Reset();
        var before = GC.GetAllocatedBytesForCurrentThread();
        await message.WriteToAsync(sink);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(sink.Length > content.Length * 4 / 3, "the whole attachment was written");
        Assert.True(sink.LargestWrite <= 16 * 1024, $"largest single write {sink.LargestWrite} bytes");
        Assert.True(allocated < 64 * 1024, $"{allocated} bytes allocated to write a {sink.Length}-byte message");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(64)]
    [InlineData(4096)]
    public void Reading_with_any_buffer_size_gives_the_same_bytes(int step)
    {
        var message = MimeWriterTests.Message(
            text: "caf\u00e9 \n\r\n.dot\ttab \r" + new string('x', 300),
            html: "<p>" + string.Concat(Enumerable.Repeat("\u65e5\u672c ", 400)) + "</p>",
            attachments: [new EmailAttachment("a.bin", "application/octet-stream", Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray())]);
        var whole = ReadAll(message, 1 << 20);
        var pieces = ReadAll(message, Math.Max(step, MimeContent.MinimumReadSize) + step - 1);
        Assert.Equal(whole, pieces);

        using var content = MimeWriter.Open(message);
        Assert.Equal(whole.Length, content.MeasureLength());
        // After measuring, the content reads from the start again.
        Assert.Equal(whole, Drain(content, 100));
    }

    [Fact]
    public void Quoted_printable_gives_the_same_output_fed_a_byte_at_a_time()
    {
        var input = Encoding.UTF8.GetBytes("a \r\nb\t\r\n.c = d\r\n" + new string('y', 200) + " \u00e9\r\n" + new string(' ', 90) + "end ");
        Assert.Equal(Encode(new QuotedPrintableEncoder(), input, input.Length), Encode(new QuotedPrintableEncoder(), input, 1));
        var encoded = Encoding.ASCII.GetString(Encode(new QuotedPrintableEncoder(), input, input.Length));
        Assert.StartsWith("a=20\r\nb=09\r\n=2Ec =3D d\r\n", encoded);
        Assert.EndsWith("end=20=\r\n", encoded);
        Assert.All(encoded.Split("\r\n"), line => Assert.True(line.Length <= 76));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(56)]
    [InlineData(57)]
    [InlineData(58)]
    [InlineData(1000)]
    public void Base64_lines_match_the_framework_encoder(int length)
    {
        var input = Enumerable.Range(0, length).Select(i => (byte)(i * 7)).ToArray();
        var expected = Convert.ToBase64String(input, Base64FormattingOptions.InsertLineBreaks) + (length > 0 ? "\r\n" : "");
        Assert.Equal(expected, Encoding.ASCII.GetString(Encode(new Base64LineEncoder(), input, input.Length)));
        Assert.Equal(expected, Encoding.ASCII.GetString(Encode(new Base64LineEncoder(), input, 1)));
    }

    private static byte[] ReadAll(EmailMessage message, int bufferSize)
    {
        using var content = MimeWriter.Open(message);
        return Drain(content, bufferSize);
    }

    private static byte[] Drain(MimeContent content, int bufferSize)
    {
        var output = new MemoryStream();
        var buffer = new byte[Math.Max(bufferSize, MimeContent.MinimumReadSize)];
        int read;
        while ((read = content.Read(buffer)) > 0)
        {
            output.Write(buffer, 0, read);
        }

        return output.ToArray();
    }

    /// <summary>Feeds the encoder <paramref name="step"/> input bytes at a time into a small output buffer.</summary>
    private static byte[] Encode(ContentEncoder encoder, byte[] input, int step)
    {
        var output = new MemoryStream();
        var buffer = new byte[16];
        var available = 0;
        var consumed = 0;
        while (true)
        {
            available = Math.Min(input.Length, Math.Max(available, consumed + step));
            var final = available == input.Length;
            var status = encoder.Encode(input.AsSpan(consumed, available - consumed), buffer, final, out var read, out var written);
            output.Write(buffer, 0, written);
            consumed += read;
            if (status == OperationStatus.Done)
            {
                return output.ToArray();
            }

            if (status == OperationStatus.NeedMoreData)
            {
                available += step;
            }
        }
    }

    private sealed class MeasuringStream : Stream
    {
        public long LargestWrite { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position { get => _length; set => throw new NotSupportedException(); }

        private long _length;

        public void Reset()
        {
            _length = 0;
            LargestWrite = 0;
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _length += buffer.Length;
            LargestWrite = Math.Max(LargestWrite, buffer.Length);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
