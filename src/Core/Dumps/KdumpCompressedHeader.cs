namespace Kdumpd.Core.Dumps;

/// <summary>The utsname makedumpfile copies into disk_dump_header (six 65-byte strings).</summary>
public sealed record KdumpUtsname(string SysName, string NodeName, string Release, string Version, string Machine, string DomainName);

/// <summary>kdump_sub_header fields; each is null when the header version predates it.</summary>
public sealed record KdumpSubHeader(
    ulong PhysBase,
    int? DumpLevel,
    int? Split,
    ulong? OffsetVmcoreinfo,
    ulong? SizeVmcoreinfo,
    ulong? OffsetNote,
    ulong? SizeNote,
    ulong? OffsetEraseinfo,
    ulong? SizeEraseinfo,
    ulong? StartPfn64,
    ulong? EndPfn64,
    ulong? MaxMapnr64);

/// <summary>What disk_dump_header and kdump_sub_header of a kdump-compressed (or old diskdump) file say.</summary>
public sealed record KdumpCompressedHeader(
    string Signature,
    int HeaderVersion,
    bool BigEndian,
    bool Is64Bit,
    KdumpUtsname Utsname,
    DateTimeOffset? Timestamp,
    uint Status,
    int BlockSize,
    int SubHeaderBlocks,
    int BitmapBlocks,
    uint MaxMapnr32,
    int CurrentCpu,
    int NrCpus,
    KdumpSubHeader? SubHeader,
    ElfNoteSummary? Notes,
    VmcoreInfo? VmcoreInfo,
    long FileLength)
{
    public const uint CompressedZlib = 0x1, CompressedLzo = 0x2, CompressedSnappy = 0x4, Incomplete = 0x8, ExcludedVmemmap = 0x10, CompressedZstd = 0x20;

    public bool IsDiskDump => Signature == "DISKDUMP";

    public bool IncompleteFlagSet => (Status & Incomplete) != 0;

    /// <summary>The highest PFN + 1 of the dumped machine; the 64-bit field when the header version has it.</summary>
    public ulong MaxMapnr => SubHeader?.MaxMapnr64 is { } m && m != 0 ? m : MaxMapnr32;

    /// <summary>Where the 1st bitmap (memory present) starts; the 2nd (dumpable) follows half the bitmap blocks later.</summary>
    public long BitmapOffset => (1L + SubHeaderBlocks) * BlockSize;

    /// <summary>Where the page descriptors start.</summary>
    public long PageDescOffset => (1L + SubHeaderBlocks + BitmapBlocks) * BlockSize;

    public DumpCompression Compression => DumpCompressionNames.FromKdumpStatus(Status);
}
