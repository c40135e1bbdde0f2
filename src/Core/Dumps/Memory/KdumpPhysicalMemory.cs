using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics;
using Kdumpd.Core.Elf;

namespace Kdumpd.Core.Dumps.Memory;

/// <summary>
/// Physical memory of a kdump-compressed file. A PFN is in the dump when its bit is set in the
/// 2nd bitmap; its page descriptor is the n-th, n being the set bits before it. The bitmap is
/// read once in chunks and the set bits per chunk kept, so a lookup reads one descriptor and the
/// page, whatever the machine size.
/// </summary>
public sealed class KdumpPhysicalMemory : IPhysicalMemory
{
    public const int PageDescSize = 24;

    private const int Chunk = 1 << 16;

    private readonly IDumpSource _source;
    private readonly KdumpCompressedHeader _header;
    private readonly long _bitmapBytes;
    private readonly long _bitmap2;
    private readonly byte[] _compressed;
    private long[]? _ranks;
    private byte[]? _bitmap;

    public KdumpPhysicalMemory(IDumpSource source, KdumpCompressedHeader header)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(header);
        _source = source;
        _header = header;
        _bitmapBytes = KdumpBitmaps.HalfBytes(header);
        _bitmap2 = header.BitmapOffset + _bitmapBytes;
        _compressed = new byte[header.BlockSize * 2];
    }

    public string Name => _source.Name;

    public int PageSize => _header.BlockSize;

    public bool TryReadPage(ulong pfn, Span<byte> page)
    {
        page = page[..PageSize];
        if (pfn >= _header.MaxMapnr || pfn / 8 >= (ulong)_bitmapBytes)
        {
            return false;
        }

        if (!TryRank(pfn, out var index))
        {
            return false;
        }

        var descAt = _header.PageDescOffset + (index * PageDescSize);
        Span<byte> desc = stackalloc byte[PageDescSize];
        if (_source.ReadAtMost(descAt, desc) < PageDescSize)
        {
            return false; // descriptor table cut off: the dump is truncated here
        }

        var be = _header.BigEndian;
        var offset = be ? BinaryPrimitives.ReadInt64BigEndian(desc) : BinaryPrimitives.ReadInt64LittleEndian(desc);
        var size = be ? BinaryPrimitives.ReadUInt32BigEndian(desc[8..]) : BinaryPrimitives.ReadUInt32LittleEndian(desc[8..]);
        var flags = be ? BinaryPrimitives.ReadUInt32BigEndian(desc[12..]) : BinaryPrimitives.ReadUInt32LittleEndian(desc[12..]);
        if (offset == 0)
        {
            return false; // makedumpfile could not write this page (incomplete dump)
        }

        if (offset < 0 || size == 0 || size > _compressed.Length)
        {
            throw new InvalidFormatException(_source.Name, descAt, $"page descriptor of pfn 0x{pfn:x}: offset {offset}, size {size} is invalid");
        }

        if (offset > _source.Length - size)
        {
            return false; // page data past the end of a truncated file
        }

        var data = _compressed.AsSpan(0, (int)size);
        _source.ReadExactly(offset, data, $"page data of pfn 0x{pfn:x}");
        var codec = flags & (KdumpCompressedHeader.CompressedZlib | KdumpCompressedHeader.CompressedLzo | KdumpCompressedHeader.CompressedSnappy | KdumpCompressedHeader.CompressedZstd);
        if (codec == 0)
        {
            if (size != PageSize)
            {
                throw new InvalidFormatException(_source.Name, descAt, $"uncompressed page of pfn 0x{pfn:x} has size {size}, the page size is {PageSize}");
            }

            data.CopyTo(page);
            return true;
        }

        var n = codec switch
        {
            KdumpCompressedHeader.CompressedZlib => Inflate(data, page),
            KdumpCompressedHeader.CompressedLzo => Lzo1x.Decompress(data, page),
            KdumpCompressedHeader.CompressedSnappy => Snappy.Decompress(data, page),
            KdumpCompressedHeader.CompressedZstd => DecompressZstd(data, page, offset),
            _ => throw new InvalidFormatException(_source.Name, descAt, $"page descriptor of pfn 0x{pfn:x} has more than one compression flag (0x{flags:x})"),
        };
        if (n != PageSize)
        {
            throw new InvalidFormatException(_source.Name, offset, $"page of pfn 0x{pfn:x} ({DumpCompressionNames.FromKdumpStatus(codec).ToCatalogName()}, {size} bytes) does not decompress to one {PageSize}-byte page");
        }

        return true;
    }

    private int DecompressZstd(ReadOnlySpan<byte> data, Span<byte> page, long offset)
    {
        try
        {
            return Zstd.Decompress(data, page);
        }
        catch (DllNotFoundException e)
        {
            throw new InvalidFormatException(_source.Name, offset, "zstd-compressed page, but libzstd.so.1 is not installed", e);
        }
    }

    private static unsafe int Inflate(ReadOnlySpan<byte> data, Span<byte> page)
    {
        try
        {
            fixed (byte* p = data)
            {
                using var input = new UnmanagedMemoryStream(p, data.Length);
                using var z = new ZLibStream(input, CompressionMode.Decompress);
                var n = z.ReadAtLeast(page, page.Length, throwOnEndOfStream: false);
                return n;
            }
        }
        catch (InvalidDataException)
        {
            return -1;
        }
    }

    /// <summary>Index of pfn's descriptor: set bits of the 2nd bitmap before it; false when pfn is not dumped.</summary>
    private bool TryRank(ulong pfn, out long index)
    {
        index = 0;
        if (!EnsureBitmap())
        {
            return false;
        }

        var bitmap = _bitmap!;
        var byteIndex = (long)(pfn / 8);
        if (byteIndex >= bitmap.Length || (bitmap[byteIndex] & (1 << (int)(pfn % 8))) == 0)
        {
            return false;
        }

        var chunk = byteIndex / Chunk;
        long count = _ranks![chunk];
        var span = bitmap.AsSpan((int)(chunk * Chunk), (int)(byteIndex - (chunk * Chunk)));
        var i = 0;
        for (; i + 8 <= span.Length; i += 8)
        {
            count += BitOperations.PopCount(BinaryPrimitives.ReadUInt64LittleEndian(span[i..]));
        }

        for (; i < span.Length; i++)
        {
            count += BitOperations.PopCount(span[i]);
        }

        count += BitOperations.PopCount((uint)(bitmap[byteIndex] & ((1 << (int)(pfn % 8)) - 1)));
        index = count;
        return true;
    }

    /// <summary>Reads the 2nd bitmap once (32 KiB per GiB of RAM) and the set bits before each chunk.</summary>
    private bool EnsureBitmap()
    {
        if (_bitmap is not null)
        {
            return true;
        }

        if (_bitmapBytes > KdumpBitmaps.MaxBitmapBytes || _bitmapBytes <= 0)
        {
            throw new InvalidFormatException(_source.Name, _bitmap2, $"2nd bitmap of {_bitmapBytes} bytes is outside 1..{KdumpBitmaps.MaxBitmapBytes}");
        }

        var bitmap = new byte[_bitmapBytes];
        var got = _source.ReadAtMost(_bitmap2, bitmap);
        if (got < bitmap.Length)
        {
            throw new InvalidFormatException(_source.Name, _bitmap2 + got, $"2nd bitmap ({_bitmapBytes} bytes) runs past the end of the file: truncated");
        }

        var ranks = new long[(bitmap.Length / Chunk) + 1];
        long total = 0;
        for (var c = 0; c < ranks.Length; c++)
        {
            ranks[c] = total;
            var span = bitmap.AsSpan(Math.Min(c * Chunk, bitmap.Length), Math.Min(Chunk, bitmap.Length - Math.Min(c * Chunk, bitmap.Length)));
            var i = 0;
            for (; i + 8 <= span.Length; i += 8)
            {
                total += BitOperations.PopCount(BinaryPrimitives.ReadUInt64LittleEndian(span[i..]));
            }

            for (; i < span.Length; i++)
            {
                total += BitOperations.PopCount(span[i]);
            }
        }

        _ranks = ranks;
        _bitmap = bitmap;
        return true;
    }
}
