using System;
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
    public void A_large_attachment_is_built_and_written_in_pieces_without_a_message_sized_buffer()
    {
        var content = new byte[8 * 1024 * 1024];
        new Random(7).NextBytes(content);
        var message = MimeMessageBuilderTests.Message(
            text: string.Concat(Enumerable.Repeat("A line of text for a large body.\n", 20_000)),
            attachments: [new EmailAttachment("big.bin", "application/octet-stream", content)]);
        var sink = new MeasuringStream();

        BuildAndWrite(message, sink); // warm up: JIT, pools
        sink.Reset();
        var before = GC.GetAllocatedBytesForCurrentThread();
        BuildAndWrite(message, sink);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(sink.Length > content.Length * 4 / 3, "the whole attachment was written");
        Assert.True(sink.LargestWrite <= 16 * 1024, $"largest single write {sink.LargestWrite} bytes");
        // The text body is held once as UTF-8; the 8 MB attachment is encoded from the stored bytes, never copied.
        var text = Encoding.UTF8.GetByteCount(message.TextBody!) + 20_000;
        Assert.True(allocated < text + 256 * 1024, $"{allocated} bytes allocated to build and write a {sink.Length}-byte message with a {text}-byte text body");
    }

    /// <summary>What <see cref="EmailMessage.WriteToAsync"/> does, synchronously: an await that yields would let the thread's allocation count take in other tests' work.</summary>
    private static void BuildAndWrite(EmailMessage message, Stream destination)
    {
        using var mime = MimeMessageBuilder.Unsigned.Build(message);
        mime.WriteTo(MimeMessageBuilder.WireFormat, destination);
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
