using Microsoft.Win32.SafeHandles;

namespace Kdumpd.Core.Egress;

/// <summary>
/// A read-only, seekable window [offset, offset+length) of a local file, read positionally (many
/// parts of one file in flight share one handle), paced by the target's bandwidth cap and counted
/// as sent. The S3 client reads a part twice over plain HTTP (once to sign its SHA-256, once to
/// send it), so only the first read of each byte is paced and counted: the average rate stays
/// under the cap, a burst is at most one part. An optional gate is awaited before each read with the
/// file offset it starts at (SFTP holds reads back until the host acknowledged enough).
/// </summary>
public sealed class FileSegmentStream(SafeFileHandle file, long offset, long length, EgressTransfer transfer, Func<long, CancellationToken, ValueTask>? gate = null) : Stream
{
    private long _position;
    private long _counted;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => _position = Math.Clamp(value, 0, length);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = (int)Math.Min(buffer.Length, length - _position);
        if (n <= 0)
        {
            return 0;
        }

        gate?.Invoke(offset + _position, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        transfer.Limiter.WaitAsync(Fresh(n), CancellationToken.None).AsTask().GetAwaiter().GetResult();
        return Count(RandomAccess.Read(file, buffer[..n], offset + _position));
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = (int)Math.Min(buffer.Length, length - _position);
        if (n <= 0)
        {
            return 0;
        }

        if (gate is not null)
        {
            await gate(offset + _position, cancellationToken);
        }

        await transfer.Limiter.WaitAsync(Fresh(n), cancellationToken);
        return Count(await RandomAccess.ReadAsync(file, buffer[..n], offset + _position, cancellationToken));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        SeekOrigin.End => length + offset,
        _ => throw new ArgumentOutOfRangeException(nameof(origin)),
    };

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private int Count(int read)
    {
        if (read == 0)
        {
            throw new IOException($"{file} ended at {offset + _position}, before the {length} bytes of this part: the file shrank");
        }

        _position += read;
        if (_position > _counted)
        {
            transfer.Sent(_position - _counted);
            _counted = _position;
        }

        return read;
    }

    /// <summary>Bytes of the next read that were not read before.</summary>
    private int Fresh(int n) => (int)Math.Clamp(_position + n - _counted, 0, n);
}
