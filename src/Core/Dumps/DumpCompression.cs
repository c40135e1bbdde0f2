namespace Kdumpd.Core.Dumps;

/// <summary>How the pages of a dump (or the whole file) are compressed.</summary>
public enum DumpCompression
{
    Unknown,
    None,
    Zlib,
    Lzo,
    Snappy,
    Zstd,
    Mixed,
    Gzip,
    Bzip2,
    Lz4,
    Xz,
}

public static class DumpCompressionNames
{
    public static string ToCatalogName(this DumpCompression c) => c switch
    {
        DumpCompression.None => "none",
        DumpCompression.Zlib => "zlib",
        DumpCompression.Lzo => "lzo",
        DumpCompression.Snappy => "snappy",
        DumpCompression.Zstd => "zstd",
        DumpCompression.Mixed => "mixed",
        DumpCompression.Gzip => "gzip",
        DumpCompression.Bzip2 => "bzip2",
        DumpCompression.Lz4 => "lz4",
        DumpCompression.Xz => "xz",
        _ => "unknown",
    };

    /// <summary>The compression bits of disk_dump_header.status; more than one set means a mixed file.</summary>
    public static DumpCompression FromKdumpStatus(uint status)
    {
        var bits = status & (KdumpCompressedHeader.CompressedZlib | KdumpCompressedHeader.CompressedLzo | KdumpCompressedHeader.CompressedSnappy | KdumpCompressedHeader.CompressedZstd);
        return bits switch
        {
            0 => DumpCompression.None,
            KdumpCompressedHeader.CompressedZlib => DumpCompression.Zlib,
            KdumpCompressedHeader.CompressedLzo => DumpCompression.Lzo,
            KdumpCompressedHeader.CompressedSnappy => DumpCompression.Snappy,
            KdumpCompressedHeader.CompressedZstd => DumpCompression.Zstd,
            _ => DumpCompression.Mixed,
        };
    }
}
