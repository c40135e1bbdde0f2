namespace Kdumpd.Core.Dumps;

/// <summary>One summary of any dump header, whatever the container: what the catalogue stores.</summary>
public sealed record DumpHeaderInfo(
    DumpFormat Format,
    DumpCompression Compression,
    string? KernelRelease,
    DateTimeOffset? CrashTime,
    string? Hostname,
    int? CpuCount,
    int? DumpLevel,
    bool Incomplete,
    string? IncompleteReason,
    long? PageSize,
    string? BuildId,
    ulong? KernelOffset,
    IReadOnlyList<VmcoreLoad> Loads,
    ElfVmcoreHeader? Elf,
    KdumpCompressedHeader? Kdump);
