using Kdumpd.Core.Elf;

namespace Kdumpd.Core.Dumps;

/// <summary>
/// Identifies a dump file by its signature and reads its header through the right reader
/// (ELF, kdump-compressed, flattened wrapping either). Throws only <see cref="InvalidFormatException"/>.
/// </summary>
public static class DumpProbe
{
    /// <summary>Reads the header of the file at <paramref name="path"/>.</summary>
    public static DumpHeaderInfo Probe(string path)
    {
        using var file = FileDumpSource.Open(path);
        return Probe(file);
    }

    public static DumpHeaderInfo Probe(IDumpSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        Span<byte> start = stackalloc byte[16];
        var got = source.ReadAtMost(0, start);
        start = start[..got];
        if (FlattenedView.HasSignature(start))
        {
            var view = FlattenedView.Open(source);
            Span<byte> inner = stackalloc byte[8];
            inner = inner[..view.ReadAtMost(0, inner)];
            var truncated = view.HasEndMarker ? null : $"flattened file has no end marker: {view.Truncation}";
            if (ElfFileHeader.HasSignature(inner))
            {
                return FromElf(view, DumpFormat.FlattenedElf, truncated);
            }

            if (KdumpCompressedReader.HasSignature(inner))
            {
                return FromKdump(view, DumpFormat.FlattenedKdump, truncated);
            }

            throw new InvalidFormatException(source.Name, FlattenedView.FlatHeaderSize, "flattened file holds neither an ELF nor a kdump-compressed header at logical offset 0");
        }

        if (ElfFileHeader.HasSignature(start))
        {
            return FromElf(source, DumpFormat.Elf, null);
        }

        if (KdumpCompressedReader.HasSignature(start))
        {
            return FromKdump(source, null, null);
        }

        var whole = WholeFileCompression(start);
        if (whole == DumpCompression.Gzip)
        {
            return FromGzipPrefix(source);
        }

        if (whole != DumpCompression.Unknown)
        {
            return new DumpHeaderInfo(DumpFormat.WholeFileCompressed, whole, null, null, null, null, null, false, null, null, null, null, [], null, null);
        }

        throw new InvalidFormatException(source.Name, 0, got == 0 ? "empty file" : "unrecognised signature: not ELF, KDUMP, DISKDUMP or makedumpfile flattened");
    }

    /// <summary>Decompressed bytes read from a gzip'd dump to find its header: bounded, so a gzip bomb costs nothing.</summary>
    public const int GzipPrefixBytes = 8 << 20;

    /// <summary>
    /// Debian's `dump.    /// Debian's `dump.&lt;stamp&gt;.gz`: the headerlt;stamp    /// Debian's `dump.&lt;stamp&gt;.gz`: the headergt;.gz`: the header is read from the first <see cref="GzipPrefixBytes"/>
    /// decompressed bytes. Completeness cannot be judged without decompressing everything, so
    /// only the header's own INCOMPLETE flags count; the format says what is inside.
    /// </summary>
    private static DumpHeaderInfo FromGzipPrefix(IDumpSource source)
    {
        var prefix = new byte[GzipPrefixBytes];
        int got;
        try
        {
            using var gzip = new System.IO.Compression.GZipStream(new DumpSourceStream(source), System.IO.Compression.CompressionMode.Decompress);
            got = gzip.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidFormatException(source.Name, 0, $"gzip data is corrupt: {e.Message}", e);
        }

        var inner = new MemoryDumpSource(source.Name + " (gunzipped prefix)", prefix.AsMemory(0, got));
        Span<byte> head = stackalloc byte[16];
        head = head[..inner.ReadAtMost(0, head)];
        DumpHeaderInfo info;
        if (FlattenedView.HasSignature(head))
        {
            var view = FlattenedView.Open(inner);
            Span<byte> sig = stackalloc byte[8];
            sig = sig[..view.ReadAtMost(0, sig)];
            info = ElfFileHeader.HasSignature(sig) ? FromElf(view, DumpFormat.FlattenedElf, null, checkTruncation: false)
                : KdumpCompressedReader.HasSignature(sig) ? FromKdump(view, DumpFormat.FlattenedKdump, null, checkTruncation: false)
                : throw new InvalidFormatException(source.Name, 0, "gunzipped flattened file holds neither an ELF nor a kdump-compressed header");
        }
        else if (ElfFileHeader.HasSignature(head))
        {
            info = FromElf(inner, DumpFormat.Elf, null, checkTruncation: false);
        }
        else if (KdumpCompressedReader.HasSignature(head))
        {
            info = FromKdump(inner, null, null, checkTruncation: false);
        }
        else
        {
            throw new InvalidFormatException(source.Name, 0, "gunzipped data is not a dump (no ELF, KDUMP or makedumpfile signature)");
        }

        return info with { Compression = DumpCompression.Gzip };
    }

    private static DumpCompression WholeFileCompression(ReadOnlySpan<byte> s) => s switch
    {
        [0x1f, 0x8b, ..] => DumpCompression.Gzip,
        [(byte)'B', (byte)'Z', (byte)'h', ..] => DumpCompression.Bzip2,
        [0xfd, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0, ..] => DumpCompression.Xz,
        [0x04, 0x22, 0x4d, 0x18, ..] => DumpCompression.Lz4,
        [0x28, 0xb5, 0x2f, 0xfd, ..] => DumpCompression.Zstd,
        _ => DumpCompression.Unknown,
    };

    private static DumpHeaderInfo FromElf(IDumpSource source, DumpFormat format, string? truncated, bool checkTruncation = true)
    {
        var elf = ElfVmcoreReader.Read(source);
        var info = elf.Notes.VmcoreInfo;
        string? reason = null;
        if (elf.IncompleteFlagSet)
        {
            reason = "ELF e_flags has DUMP_ELF_INCOMPLETE (0x1): makedumpfile could not write every page";
        }
        else if (truncated is not null)
        {
            reason = truncated;
        }
        else if (checkTruncation && elf.Truncated)
        {
            reason = $"file is {elf.FileLength} bytes, its PT_LOADs end at {elf.DataEnd}: truncated";
        }

        return new DumpHeaderInfo(
            format, DumpCompression.None, info?.OsRelease, info?.CrashTime, null,
            elf.Notes.PrStatusCount > 0 ? elf.Notes.PrStatusCount : null, null,
            reason is not null, reason, info?.PageSize, info?.BuildId, info?.KernelOffset, elf.Loads, elf, null);
    }

    private static DumpHeaderInfo FromKdump(IDumpSource source, DumpFormat? flattened, string? truncated, bool checkTruncation = true)
    {
        var h = KdumpCompressedReader.Read(source);
        var format = flattened ?? (h.IsDiskDump ? DumpFormat.DiskDump : DumpFormat.KdumpCompressed);
        string? reason = null;
        if (h.IncompleteFlagSet)
        {
            reason = "disk_dump_header status has DUMP_DH_COMPRESSED_INCOMPLETE (0x8): makedumpfile could not write every page";
        }
        else if (truncated is not null)
        {
            reason = truncated;
        }
        else if (checkTruncation && KdumpBitmaps.FindTruncation(source, h) is { } cut)
        {
            reason = cut;
        }

        var info = h.VmcoreInfo;
        var release = info?.OsRelease ?? NullIfEmpty(h.Utsname.Release);
        var hostname = NullIfEmpty(h.Utsname.NodeName);
        if (hostname == "(none)")
        {
            hostname = null; // the capture kernel's placeholder, not the crashed host's name
        }

        return new DumpHeaderInfo(
            format, h.Compression, release, info?.CrashTime ?? h.Timestamp, hostname,
            h.NrCpus > 0 ? h.NrCpus : h.Notes?.PrStatusCount, h.SubHeader?.DumpLevel,
            reason is not null, reason, info?.PageSize ?? h.BlockSize, info?.BuildId, info?.KernelOffset, [], null, h);
    }

    private static string? NullIfEmpty(string s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
