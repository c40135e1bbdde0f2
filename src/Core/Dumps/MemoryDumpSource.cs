namespace Kdumpd.Core.Dumps;

/// <summary>A dump held in memory: tests and fuzzing.</summary>
public sealed class MemoryDumpSource(string name, ReadOnlyMemory<byte> bytes) : IDumpSource
{
    public string Name { get; } = name;

    public long Length => bytes.Length;

    public int ReadAt(long offset, Span<byte> buffer)
    {
        if (offset < 0 || offset >= bytes.Length)
        {
            return 0;
        }

        var n = (int)Math.Min(buffer.Length, bytes.Length - offset);
        bytes.Span.Slice((int)offset, n).CopyTo(buffer);
        return n;
    }
}
