using System.Buffers.Binary;
using Kdumpd.Core.Elf;

namespace Kdumpd.Core.Dumps;

/// <summary>
/// A makedumpfile flattened file (-F) seen as the file it stands for, without rewriting it: the
/// record headers (big-endian offset, size) are scanned once and logical reads are served from
/// the records that overlap them, later records winning as they do in `makedumpfile -R`.
/// Unwritten logical bytes read as zero. A missing 16 x 0xFF end marker means truncated.
/// </summary>
public sealed class FlattenedView : IDumpSource
{
    public const int FlatHeaderSize = 4096;

    /// <summary>Records kept for reads; beyond this only records starting in the first <see cref="KeptLogicalPrefix"/> bytes are kept.</summary>
    public const int MaxKeptRecords = 1 << 16;

    /// <summary>Absolute bound on kept records (24 bytes each): a hostile file of empty records cannot grow the table past it.</summary>
    public const int MaxKeptPrefixRecords = 1 << 20;

    /// <summary>Headers, sub-header, notes and bitmaps live here for any machine size kdumpd expects.</summary>
    public const long KeptLogicalPrefix = 1L << 30;

    private const int ScanBuffer = 1 << 16;

    private readonly IDumpSource _file;
    private readonly List<FlatRecord> _records;

    private FlattenedView(IDumpSource file, List<FlatRecord> records, long length, bool endMarker, long recordCount, long scanEnd, string? truncation)
    {
        _file = file;
        _records = records;
        Length = length;
        HasEndMarker = endMarker;
        RecordCount = recordCount;
        ScanEnd = scanEnd;
        Truncation = truncation;
    }

    public string Name => _file.Name;

    /// <summary>Logical length: the end of the furthest record.</summary>
    public long Length { get; }

    public bool HasEndMarker { get; }

    /// <summary>Why the record stream is incomplete (null when the end marker was found).</summary>
    public string? Truncation { get; }

    public long RecordCount { get; }

    /// <summary>File offset where the scan stopped (the end marker or the cut).</summary>
    public long ScanEnd { get; }

    public static bool HasSignature(ReadOnlySpan<byte> start) =>
        start.Length >= 16 && start[..12].SequenceEqual("makedumpfile"u8) && start[12..16].SequenceEqual(new byte[4]);

    /// <summary>Checks the flat header and scans every record header (bounded reads, one pass).</summary>
    public static FlattenedView Open(IDumpSource file)
    {
        ArgumentNullException.ThrowIfNull(file);
        Span<byte> head = stackalloc byte[32];
        if (file.ReadAtMost(0, head) < 32 || !HasSignature(head))
        {
            throw new InvalidFormatException(file.Name, 0, "no makedumpfile flattened signature");
        }

        var type = BinaryPrimitives.ReadInt64BigEndian(head[16..]);
        var version = BinaryPrimitives.ReadInt64BigEndian(head[24..]);
        if (type != 1)
        {
            throw new InvalidFormatException(file.Name, 16, $"flat header type {type}, expected 1 (TYPE_FLAT_HEADER)");
        }

        if (version < 1)
        {
            throw new InvalidFormatException(file.Name, 24, $"flat header version {version} is invalid");
        }

        var records = new List<FlatRecord>();
        var buffer = new byte[ScanBuffer];
        long bufferStart = -1;
        var bufferLength = 0;
        long pos = FlatHeaderSize;
        long count = 0;
        long logicalEnd = 0;
        string? truncation = null;
        var endMarker = false;
        while (true)
        {
            if (file.Length - pos < 16)
            {
                truncation = file.Length == pos
                    ? $"no end marker after {count} records (truncated at {pos})"
                    : $"record header at {pos} cut short (truncated)";
                break;
            }

            if (bufferStart < 0 || pos < bufferStart || pos + 16 > bufferStart + bufferLength)
            {
                bufferStart = pos;
                bufferLength = file.ReadAtMost(pos, buffer);
                if (bufferLength < 16)
                {
                    truncation = $"record header at {pos} unreadable (truncated)";
                    break;
                }
            }

            var at = (int)(pos - bufferStart);
            var offset = BinaryPrimitives.ReadInt64BigEndian(buffer.AsSpan(at));
            var size = BinaryPrimitives.ReadInt64BigEndian(buffer.AsSpan(at + 8));
            if (offset == -1 && size == -1)
            {
                endMarker = true;
                pos += 16;
                break;
            }

            if (offset < 0 || size < 0 || size > long.MaxValue - offset)
            {
                throw new InvalidFormatException(file.Name, pos, $"record {count}: offset {offset} size {size} is invalid");
            }

            if (size > file.Length - pos - 16)
            {
                truncation = $"record {count} at {pos} claims {size} bytes, only {file.Length - pos - 16} remain (truncated)";
                break;
            }

            if (records.Count < MaxKeptRecords || (offset < KeptLogicalPrefix && records.Count < MaxKeptPrefixRecords))
            {
                records.Add(new FlatRecord(offset, size, pos + 16));
            }

            logicalEnd = Math.Max(logicalEnd, offset + size);
            count++;
            pos += 16 + size;
        }

        return new FlattenedView(file, records, logicalEnd, endMarker, count, pos, truncation);
    }

    public int ReadAt(long offset, Span<byte> buffer)
    {
        if (offset < 0 || offset >= Length)
        {
            return 0;
        }

        var n = (int)Math.Min(buffer.Length, Length - offset);
        var target = buffer[..n];
        target.Clear();
        var end = offset + n;
        foreach (var r in _records)
        {
            var from = Math.Max(offset, r.Offset);
            var to = Math.Min(end, r.Offset + r.Size);
            if (from >= to)
            {
                continue;
            }

            _file.ReadExactly(r.DataAt + (from - r.Offset), target.Slice((int)(from - offset), (int)(to - from)), "flattened record data");
        }

        return n;
    }

    private readonly record struct FlatRecord(long Offset, long Size, long DataAt);
}
