using Kdumpd.Core.Catalog;
using Microsoft.Win32.SafeHandles;

namespace Kdumpd.Core.Capture;

/// <summary>Progress of a copy: bytes of the source done and in total.</summary>
public readonly record struct CopyProgress(long Done, long Total);

/// <summary>What the built-in writer did.</summary>
public sealed record BuiltinCopyResult(long SourceBytes, long BytesCopied, long BytesWritten, long ZeroPagesSkipped, bool DiskFull, string? Error);

/// <summary>
/// The collector used without makedumpfile: copies an ELF vmcore byte for byte (so `readelf` and
/// `makedumpfile --dump-dmesg` accept the result) but leaves every run of all-zero pages of at
/// least 64 KiB as a hole of a sparse file instead of writing it. The ELF layout is unchanged, the file's apparent size is the
/// source's, and only non-zero data takes disk space. Large positional reads and writes keep it at
/// `cp` speed. On ENOSPC what was written is kept and the result says so.
/// </summary>
public static class BuiltinVmcoreWriter
{
    public const int PageSize = 4096;

    /// <summary>Zero runs shorter than this (64 KiB) are written, not left as holes.</summary>
    public const int MinHolePages = 16;

    public static BuiltinCopyResult Copy(string source, string destination, int bufferBytes, IProgress<CopyProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        bufferBytes = Math.Max(PageSize, bufferBytes / PageSize * PageSize);
        using var input = File.OpenHandle(source, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);

        // /proc/vmcore reports its full size; a pipe or odd file may report 0: then read to the end.
        var total = RandomAccess.GetLength(input);
        using var stream = DurableFiles.CreatePrivate(destination, bufferSize: 0);
        var output = stream.SafeFileHandle;
        var buffer = GC.AllocateUninitializedArray<byte>(bufferBytes, pinned: true);
        long offset = 0, written = 0, zeroPages = 0, end = 0;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var n = RandomAccess.Read(input, buffer, offset);
                if (n <= 0)
                {
                    break;
                }

                written += WriteNonZeroPages(output, buffer.AsSpan(0, n), offset, ref zeroPages);
                offset += n;
                end = offset;
                progress?.Report(new CopyProgress(offset, Math.Max(total, offset)));
            }

            // Trailing zero pages were skipped: the length makes them holes of the right size.
            RandomAccess.SetLength(output, end);
            RandomAccess.FlushToDisk(output);
            return new BuiltinCopyResult(total, end, written, zeroPages, false, null);
        }
        catch (IOException e) when (DurableFiles.IsDiskFull(e))
        {
            TryFlush(output);
            return new BuiltinCopyResult(total, offset, written, zeroPages, true, e.Message);
        }
    }

    /// <summary>
    /// Writes the chunk at its offset except zero runs of at least <see cref="MinHolePages"/>
    /// pages, which stay holes. Shorter zero runs are written with their neighbours: one large
    /// write beats many small ones, and a few zero pages cost little disk.
    /// </summary>
    private static long WriteNonZeroPages(SafeFileHandle output, ReadOnlySpan<byte> chunk, long offset, ref long zeroPages)
    {
        long written = 0;
        var dataStart = -1;
        var zeroStart = -1;
        void Flush(ReadOnlySpan<byte> data, int from, int to)
        {
            if (from >= 0 && to > from)
            {
                RandomAccess.Write(output, data[from..to], offset + from);
                written += to - from;
            }
        }

        for (var page = 0; page < chunk.Length; page += PageSize)
        {
            var len = Math.Min(PageSize, chunk.Length - page);
            if (!chunk.Slice(page, len).ContainsAnyExcept((byte)0))
            {
                if (zeroStart < 0)
                {
                    zeroStart = page;
                }

                continue;
            }

            if (zeroStart >= 0)
            {
                if (page - zeroStart >= MinHolePages * PageSize)
                {
                    Flush(chunk, dataStart, zeroStart);
                    zeroPages += (page - zeroStart) / PageSize;
                    dataStart = page;
                }
                else if (dataStart < 0)
                {
                    dataStart = zeroStart;
                }

                zeroStart = -1;
            }

            if (dataStart < 0)
            {
                dataStart = page;
            }
        }

        if (zeroStart >= 0 && chunk.Length - zeroStart >= MinHolePages * PageSize)
        {
            Flush(chunk, dataStart, zeroStart);
            zeroPages += (chunk.Length - zeroStart + PageSize - 1) / PageSize;
        }
        else
        {
            Flush(chunk, dataStart < 0 ? zeroStart : dataStart, chunk.Length);
        }

        return written;
    }

    private static void TryFlush(SafeFileHandle output)
    {
        try
        {
            RandomAccess.FlushToDisk(output);
        }
        catch (IOException)
        {
            // The disk is full; what reached the page cache is all there is.
        }
    }
}
