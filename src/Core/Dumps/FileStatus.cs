using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Kdumpd.Core.Dumps;

/// <summary>What kind of file a directory entry is (the S_IFMT bits of st_mode).</summary>
public enum FileKind
{
    Regular,
    Directory,
    SymbolicLink,
    Fifo,
    CharacterDevice,
    BlockDevice,
    Socket,
    Unknown,
}

/// <summary>
/// statx(2) of an open file or a path, without following a final symlink: identity (device, inode),
/// kind, owner, mode, size, mtime and ctime. statx has one layout on every architecture, unlike struct stat.
/// </summary>
/// <param name="CtimeNanoseconds">The inode's change time: moves on every write, chmod or rename, and no
/// program can set it back (utimensat sets mtime only), so (device, inode, size, mtime, ctime) names one
/// content of a file.</param>
public readonly partial record struct FileStatus(ulong Device, ulong Inode, FileKind Kind, uint Mode, uint Uid, uint Gid, long Size, long MtimeNanoseconds, long CtimeNanoseconds = 0)
{
    /// <summary>Permission bits only (07777).</summary>
    public UnixFileMode Permissions => (UnixFileMode)(Mode & 0xfff);

    public DateTimeOffset Mtime => DateTimeOffset.UnixEpoch.AddTicks(MtimeNanoseconds / 100);

    /// <summary>"a FIFO", "a character device"...: for messages.</summary>
    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Regular => "a regular file",
        FileKind.Directory => "a directory",
        FileKind.SymbolicLink => "a symbolic link",
        FileKind.Fifo => "a FIFO (named pipe)",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Socket => "a socket",
        _ => "a file of unknown type",
    };

    /// <summary>The status of an open file (fstat).</summary>
    public static FileStatus Of(SafeFileHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            return Query((int)handle.DangerousGetHandle(), "", StatxFields.AtEmptyPath, null);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>The status of a path itself (a symlink is reported as one, never followed).</summary>
    public static FileStatus OfPath(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Query(StatxFields.AtFdCwd, path, StatxFields.AtSymlinkNoFollow, path);
    }

    private static FileStatus Query(int dirfd, string path, int flags, string? name)
    {
        Span<byte> buffer = stackalloc byte[StatxFields.Size];
        if (Statx(dirfd, path, flags, StatxFields.BasicStats, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"{name ?? "open file"}: statx failed: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
        }

        var mode = BinaryPrimitives.ReadUInt16LittleEndian(buffer[StatxFields.Mode..]);
        var seconds = BinaryPrimitives.ReadInt64LittleEndian(buffer[StatxFields.MtimeSeconds..]);
        var nanos = BinaryPrimitives.ReadUInt32LittleEndian(buffer[StatxFields.MtimeNanoseconds..]);
        var ctimeSeconds = BinaryPrimitives.ReadInt64LittleEndian(buffer[StatxFields.CtimeSeconds..]);
        var ctimeNanos = BinaryPrimitives.ReadUInt32LittleEndian(buffer[StatxFields.CtimeNanoseconds..]);
        var device = ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(buffer[StatxFields.DevMajor..]) << 32)
            | BinaryPrimitives.ReadUInt32LittleEndian(buffer[StatxFields.DevMinor..]);
        return new FileStatus(
            device,
            BinaryPrimitives.ReadUInt64LittleEndian(buffer[StatxFields.Inode..]),
            KindOf(mode),
            mode,
            BinaryPrimitives.ReadUInt32LittleEndian(buffer[StatxFields.Uid..]),
            BinaryPrimitives.ReadUInt32LittleEndian(buffer[StatxFields.Gid..]),
            (long)BinaryPrimitives.ReadUInt64LittleEndian(buffer[StatxFields.FileSize..]),
            (seconds * 1_000_000_000) + nanos,
            (ctimeSeconds * 1_000_000_000) + ctimeNanos);
    }

    private static FileKind KindOf(uint mode) => (mode & 0xf000) switch
    {
        0x8000 => FileKind.Regular,
        0x4000 => FileKind.Directory,
        0xa000 => FileKind.SymbolicLink,
        0x1000 => FileKind.Fifo,
        0x2000 => FileKind.CharacterDevice,
        0x6000 => FileKind.BlockDevice,
        0xc000 => FileKind.Socket,
        _ => FileKind.Unknown,
    };

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, ref byte buffer);

    /// <summary>struct statx (include/uapi/linux/stat.h): field offsets, the same on every architecture.</summary>
    private static class StatxFields
    {
        public const int Size = 256;
        public const int Uid = 20;
        public const int Gid = 24;
        public const int Mode = 28;
        public const int Inode = 32;
        public const int FileSize = 40;
        public const int CtimeSeconds = 96;
        public const int CtimeNanoseconds = 104;
        public const int MtimeSeconds = 112;
        public const int MtimeNanoseconds = 120;
        public const int DevMajor = 136;
        public const int DevMinor = 140;

        public const int AtFdCwd = -100;
        public const int AtSymlinkNoFollow = 0x100;
        public const int AtEmptyPath = 0x1000;
        public const uint BasicStats = 0x7ff;
    }
}
