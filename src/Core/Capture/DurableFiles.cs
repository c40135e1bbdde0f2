using System.Runtime.InteropServices;

namespace Kdumpd.Core.Capture;

/// <summary>
/// fsync for directories (a rename is durable only once its directory is synced) and the
/// ENOSPC test: .NET reports errno in IOException.HResult on Unix.
/// </summary>
public static partial class DurableFiles
{
    private const int ENOSPC = 28;
    private const int EDQUOT = 122;
    private const int ORdonly = 0;
    private const int ODirectory = 0x10000;

    public static bool IsDiskFull(Exception e) =>
        e is IOException io && (io.HResult is ENOSPC or EDQUOT || io.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase) || io.Message.Contains("quota", StringComparison.OrdinalIgnoreCase));

    /// <summary>fsync(2) of a directory; false when the platform or the file system refuses.</summary>
    public static bool SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        var fd = Open(directory, ORdonly | ODirectory);
        if (fd < 0)
        {
            return false;
        }

        try
        {
            return Fsync(fd) == 0;
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>Writes a small file atomically: temp file, fsync, rename, fsync the directory.</summary>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> content)
    {
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
        SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
