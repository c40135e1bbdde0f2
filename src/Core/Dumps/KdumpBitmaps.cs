using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using Kdumpd.Core.Elf;

namespace Kdumpd.Core.Dumps;

/// <summary>
/// The two bitmaps of a kdump-compressed file: the 1st says which PFNs exist in the dumped
/// machine, the 2nd which were written. Read in bounded chunks, never as one allocation.
/// </summary>
public static class KdumpBitmaps
{
    /// <summary>One bitmap larger than this (8 TiB of 4 KiB pages) is not counted.</summary>
    public const long MaxBitmapBytes = 256L << 20;

    private const int Chunk = 1 << 16;
    private const int PageDescSize = 24;

    public static long HalfBytes(KdumpCompressedHeader h)
    {
        ArgumentNullException.ThrowIfNull(h);
        return h.BitmapBlocks / 2 * (long)h.BlockSize;
    }

    /// <summary>Number of pages the dump holds (set bits of the 2nd bitmap), or null when the bitmap is too big to count.</summary>
    public static long? CountDumpablePages(IDumpSource source, KdumpCompressedHeader h)
    {
        ArgumentNullException.ThrowIfNull(source);
        var half = HalfBytes(h);
        if (half > MaxBitmapBytes)
        {
            return null;
        }

        var start = h.BitmapOffset + half;
        if (start > source.Length || half > source.Length - start)
        {
            throw new InvalidFormatException(source.Name, start, $"2nd bitmap ({half} bytes) runs past the end of the file ({source.Length} bytes): truncated");
        }

        var buffer = ArrayPool<byte>.Shared.Rent(Chunk);
        try
        {
            long count = 0;
            for (long done = 0; done < half;)
            {
                var n = (int)Math.Min(Chunk, half - done);
                source.ReadExactly(start + done, buffer.AsSpan(0, n), "2nd bitmap");
                var span = buffer.AsSpan(0, n);
                var i = 0;
                for (; i + 8 <= n; i += 8)
                {
                    count += BitOperations.PopCount(BinaryPrimitives.ReadUInt64LittleEndian(span[i..]));
                }

                for (; i < n; i++)
                {
                    count += BitOperations.PopCount(span[i]);
                }

                done += n;
            }

            return count;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Null when the page data the header promises is all in the file; else why not. Checks the
    /// last page descriptor: its data must end inside the file.
    /// </summary>
    public static string? FindTruncation(IDumpSource source, KdumpCompressedHeader h)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(h);

        // The header's own layout first: bitmaps that cannot fit in the file (bitmap_blocks =
        // 2^31-1) or cannot describe max_mapnr pages are an impossible header, never "complete".
        var bitmapBytes = (long)h.BitmapBlocks * h.BlockSize;
        if (h.BitmapOffset > source.Length || bitmapBytes > source.Length - h.BitmapOffset)
        {
            return $"bitmap_blocks {h.BitmapBlocks} × block_size {h.BlockSize} = {bitmapBytes} bytes from offset {h.BitmapOffset} end past the end of the file ({source.Length} bytes): impossible header or truncated file";
        }

        if (h.MaxMapnr > 0 && (h.MaxMapnr + 7) / 8 > (ulong)HalfBytes(h))
        {
            return $"max_mapnr {h.MaxMapnr} needs {(h.MaxMapnr + 7) / 8} bytes per bitmap but bitmap_blocks {h.BitmapBlocks} gives {HalfBytes(h)}: impossible header";
        }

        var pages = CountDumpablePages(source, h);
        if (pages is null or 0)
        {
            return null;
        }

        var last = h.PageDescOffset + ((pages.Value - 1) * PageDescSize);
        if (last > source.Length - PageDescSize)
        {
            return $"page descriptor table needs {pages} entries up to {last + PageDescSize}, the file ends at {source.Length}";
        }

        Span<byte> desc = stackalloc byte[PageDescSize];
        source.ReadExactly(last, desc, "last page descriptor");
        var offset = h.BigEndian ? BinaryPrimitives.ReadInt64BigEndian(desc) : BinaryPrimitives.ReadInt64LittleEndian(desc);
        var size = h.BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(desc[8..]) : BinaryPrimitives.ReadUInt32LittleEndian(desc[8..]);
        if (offset == 0)
        {
            return null; // a page makedumpfile could not write; the INCOMPLETE status bit says so
        }

        if (offset < 0 || offset > source.Length || size > source.Length - offset)
        {
            return $"last page data ({size} bytes at {offset}) ends past the end of the file ({source.Length} bytes)";
        }

        return null;
    }

    /// <summary>
    /// True when every PFN of [start, start+size) is present in the 1st bitmap (the dumped
    /// machine had that memory); false at the first missing page; null when unreadable or too big.
    /// </summary>
    public static bool? CoversPhysicalRange(IDumpSource source, KdumpCompressedHeader h, ulong start, ulong size)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(h);
        if (size == 0)
        {
            return true;
        }

        var page = (ulong)h.BlockSize;
        var firstPfn = start / page;
        var lastPfn = (start + size - 1) / page;
        if (start + size - 1 < start)
        {
            return false;
        }

        var half = HalfBytes(h);
        if (lastPfn >= h.MaxMapnr || lastPfn / 8 >= (ulong)half)
        {
            return false;
        }

        if ((lastPfn - firstPfn) / 8 > (ulong)MaxBitmapBytes)
        {
            return null;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(Chunk);
        try
        {
            var pfn = firstPfn;
            while (pfn <= lastPfn)
            {
                var byteIndex = (long)(pfn / 8);
                var n = (int)Math.Min(Chunk, (long)(lastPfn / 8) - byteIndex + 1);
                if (source.ReadAtMost(h.BitmapOffset + byteIndex, buffer.AsSpan(0, n)) < n)
                {
                    return null;
                }

                for (var i = 0; i < n && pfn <= lastPfn; i++)
                {
                    var b = buffer[i];
                    for (var bit = (int)(pfn % 8); bit < 8 && pfn <= lastPfn; bit++, pfn++)
                    {
                        if ((b & (1 << bit)) == 0)
                        {
                            return false;
                        }
                    }
                }
            }

            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
