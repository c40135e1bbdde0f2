using System.Runtime.InteropServices;

namespace Kdumpd.Core.Catalog;

/// <summary>
/// fsync for directories (a rename is durable only once its directory is synced) and the
/// ENOSPC test: .NET reports errno in IOException.HResult on Unix.
/// </summary>
public static partial class DurableFiles
{
    private const int ENOSPC = 28;
    private const int EDQUOT = 122;
    private const int ORdonly = 0;

    /// <summary>
    /// O_DIRECTORY differs by architecture: 0200000 on x86-64 (and asm-generic), 040000 on arm64 and 32-bit
    /// arm, whose 0200000 is O_DIRECT (arch/arm64/include/uapi/asm/fcntl.h).
    /// </summary>
    private static int ODirectory => RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x4000 : 0x10000;

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

    /// <summary>rw------- : what every file of a dump is created with (a vmcore holds all of a kernel's memory).</summary>
    public const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// Writes a small file atomically, 0600: temp file, fsync, rename, fsync the directory. On any
    /// failure (a full disk) the temporary file is removed and the old file, if any, stays.
    /// </summary>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> content)
    {
        var temp = path + ".tmp";
        try
        {
            using (var stream = CreatePrivate(temp))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw;
        }

        SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>Creates (or truncates) a file that only its owner can read: 0600 whatever the umask or an older file's mode.</summary>
    public static FileStream CreatePrivate(string path, int bufferSize = 4096)
    {
        var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            Share = FileShare.Read,
            BufferSize = bufferSize,
            UnixCreateMode = Private,
        });
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(stream.SafeFileHandle, Private); // an existing file keeps its mode on O_CREAT
        }

        return stream;
    }

    /// <summary>
    /// Appends <paramref name="content"/> with one write(2) on an O_APPEND descriptor (another process's
    /// append lands before or after it, never inside), then fsync; the file is created 0600. Throws
    /// IOException naming the file and errno when the write is refused or short (a full disk).
    /// </summary>
    /// <returns>The file offset just past the appended bytes (O_APPEND puts them at the end, whoever else appends).</returns>
    public static long AppendDurably(string path, ReadOnlySpan<byte> content)
    {
        const int oWronly = 1, oCreat = 0x40, oAppend = 0x400, oCloexec = 0x80000; // the same on x86-64 and arm64
        var fd = Open(path, oWronly | oCreat | oAppend | oCloexec, 0b110_000_000);
        if (fd < 0)
        {
            throw new IOException($"{path}: cannot open for appending: {Marshal.GetLastPInvokeErrorMessage()}", Marshal.GetLastPInvokeError());
        }

        try
        {
            nint written;
            unsafe
            {
                fixed (byte* bytes = content)
                {
                    written = Write(fd, bytes, content.Length);
                }
            }

            if (written != content.Length)
            {
                throw new IOException(written < 0
                    ? $"{path}: append failed: {Marshal.GetLastPInvokeErrorMessage()}"
                    : $"{path}: short append ({written} of {content.Length} bytes)", written < 0 ? Marshal.GetLastPInvokeError() : ENOSPC);
            }

            if (Fsync(fd) != 0)
            {
                throw new IOException($"{path}: fsync failed: {Marshal.GetLastPInvokeErrorMessage()}", Marshal.GetLastPInvokeError());
            }

            const int seekCur = 1;
            return Lseek(fd, 0, seekCur);
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>Deletes a file if it is there; false when it could not be removed.</summary>
    public static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint Write(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static partial long Lseek(int fd, long offset, int whence);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
