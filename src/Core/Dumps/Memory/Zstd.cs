using System.Runtime.InteropServices;

namespace Kdumpd.Core.Dumps.Memory;

/// <summary>
/// Zstandard page decompression (makedumpfile -z) through the system's libzstd.so.1 (a dependency
/// of systemd and apt, so present wherever kdumpd runs); no managed port, which NativeAOT keeps lean.
/// </summary>
public static partial class Zstd
{
    /// <summary>Returns the bytes written, -1 when the frame is invalid, or throws <see cref="DllNotFoundException"/> when libzstd is absent.</summary>
    public static unsafe int Decompress(ReadOnlySpan<byte> src, Span<byte> dst)
    {
        fixed (byte* s = src)
        fixed (byte* d = dst)
        {
            var n = ZSTD_decompress(d, (nuint)dst.Length, s, (nuint)src.Length);
            return ZSTD_isError(n) != 0 || n > (nuint)dst.Length ? -1 : (int)n;
        }
    }

    [LibraryImport("libzstd.so.1")]
    private static unsafe partial nuint ZSTD_decompress(byte* dst, nuint dstCapacity, byte* src, nuint compressedSize);

    [LibraryImport("libzstd.so.1")]
    private static partial uint ZSTD_isError(nuint code);
}
