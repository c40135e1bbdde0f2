using Microsoft.Win32.SafeHandles;

namespace Kdumpd.Core.Capture;

/// <summary>Progress of a copy: bytes of the source done and in total.</summary>
public readonly record struct CopyProgress(long Done, long Total);

/// <summary>What the built-in writer did.</summary>
public sealed record BuiltinCopyResult(long SourceBytes, long BytesCopied, long BytesWritten, long ZeroPagesSkipped, bool DiskFull, string? Error);

/// <summary>
/// The collector used without makedumpfile: copies an ELF vmcore byte for byte (so `readelf` and
/// `makedumpfile --dump-dmesg` accept the result) but leaves every all-zero page as a hole of a
/// sparse file instead of writing it. The ELF layout is unchanged, the file's apparent size is the
/// source's, and only non-zero data takes disk space. Large positional reads and writes keep it at
/// `cp` speed. On ENOSPC what was written is kept and the result says so.
/// </summary>
public static class BuiltinVmcoreWriter
{
    public const int PageSize = 4096;

    public static BuiltinCopyResult Copy(string source, string destination, int bufferBytes, IProgress<CopyProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        bufferBytes = Math.Max(PageSize, bufferBytes / PageSize * PageSize);
        using var input = File.OpenHandle(source, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);

        // /proc/vmcore reports its full size; a pipe or odd file may report 0: then read to the end.
        var total = RandomAccess.GetLength(input);
        using var output = File.OpenHandle(destination, FileMode.Create, FileAccess.Write, FileShare.Read);
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

    private static long WriteNonZeroPages(SafeFileHandle output, ReadOnlySpan<byte> chunk, long offset, ref long zeroPages)
    {
        long written = 0;
        var runStart = -1;
        for (var page = 0; page < chunk.Length; page += PageSize)
        {
            var len = Math.Min(PageSize, chunk.Length - page);
            var zero = !chunk.Slice(page, len).ContainsAnyExcept((byte)0);
            if (zero)
            {
                zeroPages++;
                if (runStart >= 0)
                {
                    RandomAccess.Write(output, chunk[runStart..page], offset + runStart);
                    written += page - runStart;
                    runStart = -1;
                }
            }
            else if (runStart < 0)
            {
                runStart = page;
            }
        }

        if (runStart >= 0)
        {
            RandomAccess.Write(output, chunk[runStart..], offset + runStart);
            written += chunk.Length - runStart;
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
