namespace Kdumpd.Core.Dumps;

/// <summary>The container format of a dump file.</summary>
public enum DumpFormat
{
    Unknown,
    Elf,
    KdumpCompressed,
    DiskDump,
    FlattenedKdump,
    FlattenedElf,

    /// <summary>A whole-file compressed dump (Debian's dump.*.gz and friends): identified, not opened.</summary>
    WholeFileCompressed,
}

public static class DumpFormatNames
{
    public static string ToCatalogName(this DumpFormat f) => f switch
    {
        DumpFormat.Elf => "elf",
        DumpFormat.KdumpCompressed => "kdump-compressed",
        DumpFormat.DiskDump => "diskdump",
        DumpFormat.FlattenedKdump => "flattened-kdump",
        DumpFormat.FlattenedElf => "flattened-elf",
        DumpFormat.WholeFileCompressed => "compressed-file",
        _ => "unknown",
    };
}
