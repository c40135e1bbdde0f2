using System.Buffers.Binary;
using System.Text;
using Kdumpd.Core.Elf;

namespace Kdumpd.Core.Dumps;

/// <summary>
/// Reads makedumpfile's kdump-compressed header: disk_dump_header (block 0), kdump_sub_header
/// (block 1, fields by header_version 1..6) and the VMCOREINFO and ELF notes it carries.
/// Byte order is found the way libkdumpfile does it: try little-endian, then big-endian, keep the
/// one whose block_size is a sane page size.
/// </summary>
public static class KdumpCompressedReader
{
    public const int MinBlockSize = 1024;
    public const int MaxBlockSize = 1 << 20;

    /// <summary>makedumpfile writes 6 today; leave room for a few more.</summary>
    public const int MaxHeaderVersion = 64;

    /// <summary>VMCOREINFO larger than this is not one a kernel wrote.</summary>
    public const int MaxVmcoreinfoBytes = 1 << 20;

    /// <summary>disk_dump_header field offsets; LP64 after utsname, ILP32 where timeval is two 4-byte longs.</summary>
    private static class Disk
    {
        public const int Signature = 0, Version = 8, Utsname = 12, UtsField = 65;
        public const int Timestamp64 = 408, Status64 = 424, Size64 = 464;
        public const int Timestamp32 = 404, Status32 = 412, Size32 = 452;

        // After status, both layouts continue with ten 4-byte ints.
        public const int BlockSize = 4, SubHdrSize = 8, BitmapBlocks = 12, MaxMapnr = 16, CurrentCpu = 32, NrCpus = 36;
    }

    /// <summary>kdump_sub_header field offsets (LP64).</summary>
    private static class Sub
    {
        public const int PhysBase = 0, DumpLevel = 8, Split = 12, OffsetVmcoreinfo = 32, SizeVmcoreinfo = 40, OffsetNote = 48, SizeNote = 56;
        public const int OffsetEraseinfo = 64, SizeEraseinfo = 72, StartPfn64 = 80, EndPfn64 = 88, MaxMapnr64 = 96, Size = 104;
    }

    public static bool HasSignature(ReadOnlySpan<byte> start) =>
        start.Length >= 8 && (start[..8].SequenceEqual("KDUMP   "u8) || start[..8].SequenceEqual("DISKDUMP"u8));

    public static KdumpCompressedHeader Read(IDumpSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var file = source.Name;
        Span<byte> h = stackalloc byte[Disk.Size64];
        var got = source.ReadAtMost(0, h);
        if (got < 8 || !HasSignature(h))
        {
            throw new InvalidFormatException(file, 0, "no KDUMP or DISKDUMP signature");
        }

        if (got < Disk.Size32)
        {
            throw new InvalidFormatException(file, got, $"disk_dump_header truncated: {got} of {Disk.Size32} bytes");
        }

        // Try the four (byte order x word size) layouts; the first with a sane block_size wins.
        foreach (var (be, is64) in new[] { (false, true), (true, true), (false, false), (true, false) })
        {
            var statusAt = is64 ? Disk.Status64 : Disk.Status32;
            if (got < statusAt + 40)
            {
                continue;
            }

            // A big-endian 4096 read little-endian is 1 MiB, also a power of two: the header
            // version (a small number) must be sane in the same byte order too.
            var blockSize = I32(h[(statusAt + Disk.BlockSize)..], be);
            var version = I32(h[Disk.Version..], be);
            if (blockSize is < MinBlockSize or > MaxBlockSize || (blockSize & (blockSize - 1)) != 0 || version is < 0 or > MaxHeaderVersion)
            {
                continue;
            }

            return ReadLayout(source, h[..got], be, is64);
        }

        throw new InvalidFormatException(file, Disk.Status64 + Disk.BlockSize, $"block_size is not a power of two in [{MinBlockSize}, {MaxBlockSize}] with a header_version in [0, {MaxHeaderVersion}] in either byte order or word size");
    }

    private static KdumpCompressedHeader ReadLayout(IDumpSource source, ReadOnlySpan<byte> h, bool be, bool is64)
    {
        var file = source.Name;
        var signature = Encoding.ASCII.GetString(h[..8]);
        var version = I32(h[Disk.Version..], be);

        var uts = new string[6];
        for (var i = 0; i < 6; i++)
        {
            uts[i] = CString(h.Slice(Disk.Utsname + (i * Disk.UtsField), Disk.UtsField));
        }

        var statusAt = is64 ? Disk.Status64 : Disk.Status32;
        var tsAt = is64 ? Disk.Timestamp64 : Disk.Timestamp32;
        var seconds = is64 ? I64(h[tsAt..], be) : I32(h[tsAt..], be);
        DateTimeOffset? timestamp = seconds is > 0 and < 253402300799 ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;
        var status = (uint)I32(h[statusAt..], be);
        var blockSize = I32(h[(statusAt + Disk.BlockSize)..], be);
        var subBlocks = I32(h[(statusAt + Disk.SubHdrSize)..], be);
        var bitmapBlocks = I32(h[(statusAt + Disk.BitmapBlocks)..], be);
        var maxMapnr = (uint)I32(h[(statusAt + Disk.MaxMapnr)..], be);
        var currentCpu = I32(h[(statusAt + Disk.CurrentCpu)..], be);
        var nrCpus = I32(h[(statusAt + Disk.NrCpus)..], be);
        if (subBlocks < 0 || bitmapBlocks < 0)
        {
            throw new InvalidFormatException(file, statusAt + Disk.SubHdrSize, $"negative sub_hdr_size {subBlocks} or bitmap_blocks {bitmapBlocks}");
        }

        if (nrCpus < 0)
        {
            throw new InvalidFormatException(file, statusAt + Disk.NrCpus, $"negative nr_cpus {nrCpus}");
        }

        KdumpSubHeader? sub = null;
        ElfNoteSummary? notes = null;
        VmcoreInfo? info = null;

        // The old diskdump format and 32-bit dumps (whose sub-header packing varies by compiler,
        // see libkdumpfile's pack/pad variants) are identified but their sub-header is not read.
        if (signature == "KDUMP   " && is64 && version >= 1)
        {
            sub = ReadSubHeader(source, blockSize, version, be);
            if (sub.OffsetVmcoreinfo is { } vo && sub.SizeVmcoreinfo is { } vs && vs > 0)
            {
                info = VmcoreInfo.Parse(ReadBounded(source, vo, vs, MaxVmcoreinfoBytes, "VMCOREINFO"));
            }

            if (sub.OffsetNote is { } no && sub.SizeNote is { } ns && ns > 0)
            {
                notes = ElfNotes.Parse(ReadBounded(source, no, ns, ElfNotes.MaxNoteBytes, "ELF notes"), be, file, (long)no);
                info ??= notes.VmcoreInfo;
            }
        }

        return new KdumpCompressedHeader(
            signature, version, be, is64,
            new KdumpUtsname(uts[0], uts[1], uts[2], uts[3], uts[4], uts[5]),
            timestamp, status, blockSize, subBlocks, bitmapBlocks, maxMapnr, currentCpu, nrCpus,
            sub, notes, info, source.Length);
    }

    private static KdumpSubHeader ReadSubHeader(IDumpSource source, int blockSize, int version, bool be)
    {
        var s = new byte[Sub.Size];
        source.ReadExactly(blockSize, s, "kdump_sub_header");
        ulong? Field(int offset, int minVersion) => version >= minVersion ? U64(s.AsSpan(offset), be) : null;
        return new KdumpSubHeader(
            U64(s.AsSpan(Sub.PhysBase), be),
            I32(s.AsSpan(Sub.DumpLevel), be),
            version >= 2 ? I32(s.AsSpan(Sub.Split), be) : null,
            Field(Sub.OffsetVmcoreinfo, 3),
            Field(Sub.SizeVmcoreinfo, 3),
            Field(Sub.OffsetNote, 4),
            Field(Sub.SizeNote, 4),
            Field(Sub.OffsetEraseinfo, 5),
            Field(Sub.SizeEraseinfo, 5),
            Field(Sub.StartPfn64, 6),
            Field(Sub.EndPfn64, 6),
            Field(Sub.MaxMapnr64, 6));
    }

    private static byte[] ReadBounded(IDumpSource source, ulong offset, ulong size, int bound, string what)
    {
        if (size > (ulong)bound)
        {
            throw new InvalidFormatException(source.Name, 0, $"{what}: size {size} exceeds the {bound}-byte bound");
        }

        if (offset > (ulong)source.Length || size > (ulong)source.Length - offset)
        {
            throw new InvalidFormatException(source.Name, (long)Math.Min(offset, long.MaxValue), $"{what}: {size} bytes at {offset} run past the end of the file ({source.Length} bytes)");
        }

        var bytes = new byte[size];
        source.ReadExactly((long)offset, bytes, what);
        return bytes;
    }

    private static string CString(ReadOnlySpan<byte> field)
    {
        var nul = field.IndexOf((byte)0);
        return Encoding.Latin1.GetString(nul >= 0 ? field[..nul] : field);
    }

    private static int I32(ReadOnlySpan<byte> s, bool be) => be ? BinaryPrimitives.ReadInt32BigEndian(s) : BinaryPrimitives.ReadInt32LittleEndian(s);

    private static long I64(ReadOnlySpan<byte> s, bool be) => be ? BinaryPrimitives.ReadInt64BigEndian(s) : BinaryPrimitives.ReadInt64LittleEndian(s);

    private static ulong U64(ReadOnlySpan<byte> s, bool be) => be ? BinaryPrimitives.ReadUInt64BigEndian(s) : BinaryPrimitives.ReadUInt64LittleEndian(s);
}
