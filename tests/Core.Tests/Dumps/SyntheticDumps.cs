using System.Buffers.Binary;
using System.Text;

namespace Kdumpd.Core.Tests.Dumps;

/// <summary>
/// Builds small dumps byte by byte from the format tables (landscape doc section d): ELF vmcores
/// of either class and byte order, kdump-compressed files of any header version, flattened
/// wrappers. Shared with the benchmark (linked into bench/).
/// </summary>
public static class SyntheticDumps
{
    public const string Release = "6.12.0-synthetic";
    public const long CrashTime = 1795550286;

    public static string VmcoreInfoText(string release = Release, long crashTime = CrashTime) =>
        $"OSRELEASE={release}\nBUILD-ID=0123456789abcdef0123456789abcdef01234567\nPAGESIZE=4096\nKERNELOFFSET=1f400000\nCRASHTIME={crashTime}\n";

    /// <summary>An ELF vmcore header: PT_NOTE (cpus x NT_PRSTATUS + VMCOREINFO) then the PT_LOADs; data offsets page-aligned after the header.</summary>
    public static byte[] ElfHeader(IReadOnlyList<(ulong Phys, ulong Size)> loads, int cpus = 2, bool is64 = true, bool bigEndian = false, uint flags = 0, string? vmcoreinfo = null)
    {
        var notes = Notes(cpus, vmcoreinfo ?? VmcoreInfoText(), bigEndian);
        var ehsize = is64 ? 64 : 52;
        var phsize = is64 ? 56 : 32;
        var phnum = 1 + loads.Count;
        var noteOffset = ehsize + (phsize * phnum);
        var dataStart = (noteOffset + notes.Length + 4095) / 4096 * 4096;
        var bytes = new byte[dataStart];
        var s = bytes.AsSpan();
        s[0] = 0x7f;
        s[1] = (byte)'E';
        s[2] = (byte)'L';
        s[3] = (byte)'F';
        s[4] = (byte)(is64 ? 2 : 1);
        s[5] = (byte)(bigEndian ? 2 : 1);
        s[6] = 1;
        U16(s[16..], 4, bigEndian);
        U16(s[18..], (ushort)(is64 ? 62 : 3), bigEndian);
        U32(s[20..], 1, bigEndian);
        if (is64)
        {
            U64(s[32..], (ulong)ehsize, bigEndian);
            U32(s[48..], flags, bigEndian);
            U16(s[52..], (ushort)ehsize, bigEndian);
            U16(s[54..], (ushort)phsize, bigEndian);
            U16(s[56..], (ushort)phnum, bigEndian);
        }
        else
        {
            U32(s[28..], (uint)ehsize, bigEndian);
            U32(s[36..], flags, bigEndian);
            U16(s[40..], (ushort)ehsize, bigEndian);
            U16(s[42..], (ushort)phsize, bigEndian);
            U16(s[44..], (ushort)phnum, bigEndian);
        }

        var offset = (ulong)dataStart;
        for (var i = 0; i < phnum; i++)
        {
            var ph = s[(ehsize + (i * phsize))..];
            var note = i == 0;
            var (phys, size) = note ? (0UL, (ulong)notes.Length) : loads[i - 1];
            var fileOffset = note ? (ulong)noteOffset : offset;
            if (is64)
            {
                U32(ph, note ? 4u : 1u, bigEndian);
                U32(ph[4..], note ? 0u : 7u, bigEndian);
                U64(ph[8..], fileOffset, bigEndian);
                U64(ph[16..], note ? 0 : 0xffff888000000000UL + phys, bigEndian);
                U64(ph[24..], phys, bigEndian);
                U64(ph[32..], size, bigEndian);
                U64(ph[40..], size, bigEndian);
            }
            else
            {
                U32(ph, note ? 4u : 1u, bigEndian);
                U32(ph[4..], (uint)fileOffset, bigEndian);
                U32(ph[8..], note ? 0 : 0xc0000000u + (uint)phys, bigEndian);
                U32(ph[12..], (uint)phys, bigEndian);
                U32(ph[16..], (uint)size, bigEndian);
                U32(ph[20..], (uint)size, bigEndian);
                U32(ph[24..], note ? 0u : 7u, bigEndian);
            }

            if (!note)
            {
                offset += size;
            }
        }

        notes.CopyTo(s[noteOffset..]);
        return bytes;
    }

    /// <summary>Writes an ELF vmcore whose data is a sparse hole of the right size (SetLength).</summary>
    public static void WriteSparseElf(string path, IReadOnlyList<(ulong Phys, ulong Size)> loads, uint flags = 0, long? cutAt = null)
    {
        var header = ElfHeader(loads, flags: flags);
        using var f = new FileStream(path, FileMode.Create, FileAccess.Write);
        f.Write(header);
        var end = header.Length + loads.Sum(l => (long)l.Size);
        f.SetLength(cutAt ?? end);
    }

    /// <summary>
    /// Writes an ELF vmcore with one PT_LOAD of <paramref name="payloadBytes"/> random bytes (real
    /// data, not a hole: what an upload sends and a digest reads); returns its size.
    /// </summary>
    public static long WriteRandomElf(string path, long payloadBytes, string? vmcoreinfo = null)
    {
        var header = ElfHeader([(0x100000, (ulong)payloadBytes)], vmcoreinfo: vmcoreinfo);
        using var f = new FileStream(path, FileMode.Create, FileAccess.Write);
        f.Write(header);
        var buffer = new byte[4 << 20];
        for (var left = payloadBytes; left > 0; left -= buffer.Length)
        {
            Random.Shared.NextBytes(buffer);
            f.Write(buffer, 0, (int)Math.Min(buffer.Length, left));
        }

        return f.Length;
    }

    public static byte[] Notes(int cpus, string vmcoreinfo, bool bigEndian)
    {
        using var ms = new MemoryStream();
        for (var i = 0; i < cpus; i++)
        {
            Note(ms, "CORE", 1, new byte[336], bigEndian);
        }

        Note(ms, "VMCOREINFO", 0, Encoding.ASCII.GetBytes(vmcoreinfo), bigEndian);
        return ms.ToArray();
    }

    /// <summary>
    /// A kdump-compressed file: header, sub-header (fields by version), notes, both bitmaps
    /// (memory present for PFNs below maxMapnr; `dumpable` pages written), page descriptors and data.
    /// </summary>
    public static byte[] Kdump(int version = 6, bool bigEndian = false, uint status = 0x2, int cpus = 2, ulong maxMapnr = 0x8000, int dumpable = 3, string signature = "KDUMP   ", string nodename = "crashed-host", long crashTime = CrashTime)
    {
        const int block = 4096;
        var vmcoreinfo = Encoding.ASCII.GetBytes(VmcoreInfoText(crashTime: crashTime));
        var notes = Notes(cpus, VmcoreInfoText(crashTime: crashTime), bigEndian);
        var subBytes = 104 + notes.Length;
        var subBlocks = (subBytes + block - 1) / block;
        var bitmapHalf = (int)Math.Max(1, (maxMapnr + (8 * block) - 1) / (8 * block));
        var bitmapBlocks = bitmapHalf * 2;
        var descAt = (1 + subBlocks + bitmapBlocks) * block;
        var dataAt = descAt + (dumpable * 24);
        var total = dataAt + (dumpable * block);
        var bytes = new byte[total];
        var s = bytes.AsSpan();
        Encoding.ASCII.GetBytes(signature).CopyTo(s);
        I32(s[8..], version, bigEndian);
        string[] uts = ["Linux", nodename, Release, "#1 SMP", "x86_64", "(none)"];
        for (var i = 0; i < 6; i++)
        {
            Encoding.ASCII.GetBytes(uts[i]).CopyTo(s[(12 + (65 * i))..]);
        }

        U64(s[408..], (ulong)crashTime, bigEndian);
        U32(s[424..], status, bigEndian);
        I32(s[428..], block, bigEndian);
        I32(s[432..], subBlocks, bigEndian);
        I32(s[436..], bitmapBlocks, bigEndian);
        U32(s[440..], (uint)maxMapnr, bigEndian);
        I32(s[460..], cpus, bigEndian);

        var sub = s[block..];
        U64(sub, 0x1000000, bigEndian);
        I32(sub[8..], 31, bigEndian);
        var noteAt = (ulong)block + 104;
        if (version >= 3)
        {
            // VMCOREINFO points inside the note copy: find its descriptor.
            var infoAt = notes.AsSpan().IndexOf(vmcoreinfo);
            U64(sub[32..], noteAt + (ulong)infoAt, bigEndian);
            U64(sub[40..], (ulong)vmcoreinfo.Length, bigEndian);
        }

        if (version >= 4)
        {
            U64(sub[48..], noteAt, bigEndian);
            U64(sub[56..], (ulong)notes.Length, bigEndian);
        }

        if (version >= 6)
        {
            U64(sub[80..], 0, bigEndian);
            U64(sub[88..], maxMapnr, bigEndian);
            U64(sub[96..], maxMapnr, bigEndian);
        }

        notes.CopyTo(s[(int)noteAt..]);
        var bitmap1 = s[((1 + subBlocks) * block)..];
        for (ulong pfn = 0; pfn < maxMapnr; pfn++)
        {
            bitmap1[(int)(pfn / 8)] |= (byte)(1 << (int)(pfn % 8));
        }

        var bitmap2 = s[((1 + subBlocks + bitmapHalf) * block)..];
        for (var p = 0; p < dumpable; p++)
        {
            bitmap2[p / 8] |= (byte)(1 << (p % 8));
            var desc = s[(descAt + (24 * p))..];
            U64(desc, (ulong)(dataAt + (p * block)), bigEndian);
            U32(desc[8..], block, bigEndian);
            s.Slice(dataAt + (p * block), block).Fill((byte)(p + 1));
        }

        return bytes;
    }

    /// <summary>Wraps a file as makedumpfile -F does: 4 KiB flat header, records of `recordSize`, optional end marker.</summary>
    public static byte[] Flatten(ReadOnlySpan<byte> plain, int recordSize = 4096, bool endMarker = true)
    {
        using var ms = new MemoryStream();
        var head = new byte[4096];
        "makedumpfile"u8.CopyTo(head);
        BinaryPrimitives.WriteInt64BigEndian(head.AsSpan(16), 1);
        BinaryPrimitives.WriteInt64BigEndian(head.AsSpan(24), 1);
        ms.Write(head);
        Span<byte> rh = stackalloc byte[16];

        // Records in a shuffled but deterministic order, like makedumpfile's out-of-order pwrites.
        var starts = Enumerable.Range(0, (plain.Length + recordSize - 1) / recordSize).Select(i => i * recordSize).ToList();
        starts = [.. starts.Where((_, i) => i % 2 == 1), .. starts.Where((_, i) => i % 2 == 0)];
        foreach (var start in starts)
        {
            var len = Math.Min(recordSize, plain.Length - start);
            BinaryPrimitives.WriteInt64BigEndian(rh, start);
            BinaryPrimitives.WriteInt64BigEndian(rh[8..], len);
            ms.Write(rh);
            ms.Write(plain.Slice(start, len));
        }

        if (endMarker)
        {
            rh.Fill(0xff);
            ms.Write(rh);
        }

        return ms.ToArray();
    }

    private static void Note(Stream s, string name, uint type, byte[] desc, bool be)
    {
        var nameBytes = Encoding.ASCII.GetBytes(name + "\0");
        Span<byte> h = stackalloc byte[12];
        U32(h, (uint)nameBytes.Length, be);
        U32(h[4..], (uint)desc.Length, be);
        U32(h[8..], type, be);
        s.Write(h);
        s.Write(nameBytes);
        s.Write(new byte[(4 - (nameBytes.Length % 4)) % 4]);
        s.Write(desc);
        s.Write(new byte[(4 - (desc.Length % 4)) % 4]);
    }

    private static void U16(Span<byte> s, ushort v, bool be)
    {
        if (be)
        {
            BinaryPrimitives.WriteUInt16BigEndian(s, v);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(s, v);
        }
    }

    private static void U32(Span<byte> s, uint v, bool be)
    {
        if (be)
        {
            BinaryPrimitives.WriteUInt32BigEndian(s, v);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(s, v);
        }
    }

    private static void I32(Span<byte> s, int v, bool be) => U32(s, (uint)v, be);

    private static void U64(Span<byte> s, ulong v, bool be)
    {
        if (be)
        {
            BinaryPrimitives.WriteUInt64BigEndian(s, v);
        }
        else
        {
            BinaryPrimitives.WriteUInt64LittleEndian(s, v);
        }
    }
}
