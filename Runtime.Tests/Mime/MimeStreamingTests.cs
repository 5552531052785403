using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace TypedMail.Runtime.Tests.Mime;

public sealed class MimeStreamingTests
{
    [Fact]
    public async Task A_large_attachment_is_built_and_written_in_pieces_without_a_message_sized_buffer()
    {
        var content = new byte[8 * 1024 * 1024];
        new Random(7).NextBytes(content);
        var message = MimeMessageBuilderTests.Message(
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
        // MimeKit holds a text body as UTF-8 bytes; the attachment is encoded from the stored bytes, never copied whole.
        Assert.True(allocated < sink.Length / 16, $"{allocated} bytes allocated to build and write a {sink.Length}-byte message");
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
