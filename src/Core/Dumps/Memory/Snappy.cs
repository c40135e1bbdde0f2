namespace Kdumpd.Core.Dumps.Memory;

/// <summary>Snappy block decompression (makedumpfile -p) through the Snappier package, with the page readers' contract: a corrupt block or one that does not fit the page gives -1, never an exception.</summary>
public static class Snappy
{
    /// <summary>Decompresses one Snappy block; returns the bytes written or -1 when the block is invalid or does not fit.</summary>
    public static int Decompress(ReadOnlySpan<byte> src, Span<byte> dst)
    {
        try
        {
            return Snappier.Snappy.GetUncompressedLength(src) > dst.Length ? -1 : Snappier.Snappy.Decompress(src, dst);
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or IndexOutOfRangeException)
        {
            return -1;
        }
    }
}
