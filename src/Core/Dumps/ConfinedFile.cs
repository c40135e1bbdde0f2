using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Kdumpd.Core.Dumps;

/// <summary>Why a file under the dump directory was not opened.</summary>
public enum ConfinedFileProblem
{
    /// <summary>Not there (or a dangling link).</summary>
    Missing,

    /// <summary>A link (or a path) that leads out of the dump directory.</summary>
    OutsideRoot,

    /// <summary>A FIFO, a device, a socket or a directory: never read.</summary>
    NotRegular,

    /// <summary>Permissions or I/O.</summary>
    Unreadable,
}

/// <summary>A file under the dump directory that was not opened, and why.</summary>
public sealed class ConfinedFileException(string path, ConfinedFileProblem problem, string message, int errno = 0)
    : IOException($"{path}: {message}", errno)
{
    public string Path { get; } = path;

    public ConfinedFileProblem Problem { get; } = problem;
}

/// <summary>
/// A regular file under a root directory (the dump directory), opened so that nothing else is ever
/// read: the path is resolved by the kernel with openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS), so
/// a symlink may point to a sibling inside the root but never out of it (/etc/shadow, /dev/zero); the
/// first open is O_PATH (opens nothing, cannot block, cannot wake a device), its fstat must say
/// "regular file", and only then is the same inode opened O_RDONLY|O_NONBLOCK (a FIFO swapped in
/// between is refused by comparing device and inode). Readers, hashers and downloads read from
/// <see cref="Handle"/>, the file that was checked, never from the path again.
/// Where openat2 is missing (Linux before 5.6, e.g. RHEL 8's 4.18) or a seccomp sandbox answers
/// ENOSYS/EPERM for it, the path is walked one component at a time with O_NOFOLLOW from the root:
/// stricter (no symbolic link is followed at all), never looser.
/// </summary>
public sealed partial class ConfinedFile : IDisposable
{
    private ConfinedFile(string path, SafeFileHandle handle, FileStatus status)
    {
        Path = path;
        Handle = handle;
        Status = status;
    }

    public string Path { get; }

    public SafeFileHandle Handle { get; }

    /// <summary>fstat of the open file: identity for ETags and change detection, size, mtime, owner.</summary>
    public FileStatus Status { get; }

    public long Length => Status.Size;

    /// <summary>Opens <paramref name="path"/>, which must lie under <paramref name="root"/>; throws <see cref="ConfinedFileException"/>.</summary>
    public static ConfinedFile Open(string root, string path) => Open(root, path, openAt2: true);

    /// <summary>With <paramref name="openAt2"/> false: the component walk that kernels without openat2 get (for tests).</summary>
    internal static ConfinedFile Open(string root, string path, bool openAt2)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fullRoot = System.IO.Path.GetFullPath(root);
        var relative = System.IO.Path.GetRelativePath(fullRoot, System.IO.Path.GetFullPath(path));
        if (relative == "." || relative.StartsWith("..", StringComparison.Ordinal) || System.IO.Path.IsPathRooted(relative))
        {
            throw new ConfinedFileException(path, ConfinedFileProblem.OutsideRoot, $"is not under {fullRoot}: not read");
        }

        var rootFd = Native.Open(fullRoot, Native.OPath | Native.OCloexec);
        if (rootFd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new ConfinedFileException(path, ConfinedFileProblem.Unreadable, $"cannot open the dump directory {fullRoot}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
        }

        try
        {
            using var probe = OpenBeneath(rootFd, relative, Native.OPath | Native.OCloexec, path, openAt2);
            var status = FileStatus.Of(probe);
            if (status.Kind != FileKind.Regular)
            {
                throw new ConfinedFileException(path, ConfinedFileProblem.NotRegular, $"is {FileStatus.Describe(status.Kind)}, not a regular file: listed, never read");
            }

            var handle = OpenBeneath(rootFd, relative, Native.ORdonly | Native.ONonblock | Native.ONoctty | Native.OCloexec, path, openAt2);
            var opened = FileStatus.Of(handle);
            if (opened.Kind != FileKind.Regular || opened.Device != status.Device || opened.Inode != status.Inode)
            {
                handle.Dispose();
                throw new ConfinedFileException(path, ConfinedFileProblem.NotRegular, "was replaced while it was being opened: not read");
            }

            return new ConfinedFile(path, handle, opened);
        }
        finally
        {
            _ = Native.Close(rootFd);
        }
    }

    /// <summary>A stream over the checked handle (the stream owns a duplicate reference: dispose both).</summary>
    public FileStream OpenStream(int bufferSize = 4096) => new(Handle, FileAccess.Read, bufferSize);

    public void Dispose() => Handle.Dispose();

    private static SafeFileHandle OpenBeneath(int rootFd, string relative, long flags, string path, bool openAt2)
    {
        if (openAt2)
        {
            var fd = Native.OpenAt2(rootFd, relative, flags, Native.ResolveBeneath | Native.ResolveNoMagicLinks);
            if (fd >= 0)
            {
                return new SafeFileHandle(fd, ownsHandle: true);
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno is not (Native.ENOSYS or Native.EPERM))
            {
                throw Refusal(path, errno);
            }
        }

        return WalkBeneath(rootFd, relative, flags, path);
    }

    /// <summary>openat(O_NOFOLLOW) one component at a time from the root: every directory on the way must be a real directory.</summary>
    private static SafeFileHandle WalkBeneath(int rootFd, string relative, long flags, string path)
    {
        var parts = relative.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var dirFd = rootFd;
        try
        {
            for (var i = 0; i < parts.Length; i++)
            {
                if (parts[i] is "." or "..")
                {
                    throw new ConfinedFileException(path, ConfinedFileProblem.OutsideRoot, $"has a '{parts[i]}' component: not read");
                }

                var last = i == parts.Length - 1;
                var fd = Native.OpenAt(dirFd, parts[i], (int)((last ? flags : Native.OPath | Native.OCloexec) | Native.ONoFollow));
                if (fd < 0)
                {
                    throw Refusal(path, Marshal.GetLastPInvokeError());
                }

                var handle = new SafeFileHandle(fd, ownsHandle: true);
                if (last)
                {
                    return handle;
                }

                var kind = FileStatus.Of(handle).Kind;
                if (kind != FileKind.Directory)
                {
                    handle.Dispose();
                    throw new ConfinedFileException(path, kind == FileKind.SymbolicLink ? ConfinedFileProblem.OutsideRoot : ConfinedFileProblem.Missing,
                        $"lies under '{parts[i]}', which is {FileStatus.Describe(kind)}: not followed (this kernel has no openat2)");
                }

                handle.SetHandleAsInvalid(); // the descriptor lives on as dirFd, closed below
                if (dirFd != rootFd)
                {
                    _ = Native.Close(dirFd);
                }

                dirFd = fd;
            }

            throw new ConfinedFileException(path, ConfinedFileProblem.OutsideRoot, "names the dump directory itself: not read");
        }
        finally
        {
            if (dirFd != rootFd)
            {
                _ = Native.Close(dirFd);
            }
        }
    }

    private static ConfinedFileException Refusal(string path, int errno) => errno switch
    {
        Native.ENOENT or Native.ENOTDIR => new ConfinedFileException(path, ConfinedFileProblem.Missing, "is gone (or a link to nothing)", errno),
        Native.EXDEV or Native.ELOOP => new ConfinedFileException(path, ConfinedFileProblem.OutsideRoot, "is a link that leads out of the dump directory: never read", errno),
        _ => new ConfinedFileException(path, ConfinedFileProblem.Unreadable, $"cannot open: {Marshal.GetPInvokeErrorMessage(errno)}", errno),
    };

    private static partial class Native
    {
        // Same values on x86-64 and arm64 (asm-generic fcntl.h).
        public const long ORdonly = 0;
        public const long ONoctty = 0x100;
        public const long ONonblock = 0x800;
        public const long OCloexec = 0x80000;
        public const long OPath = 0x200000;

        /// <summary>O_NOFOLLOW differs: 0400000 on x86-64 (asm-generic), 0100000 on arm64 and 32-bit arm.</summary>
        public static long ONoFollow => RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x8000 : 0x20000;

        public const ulong ResolveNoMagicLinks = 0x02;
        public const ulong ResolveBeneath = 0x08;

        public const int EPERM = 1;
        public const int ENOENT = 2;
        public const int EXDEV = 18;
        public const int ENOTDIR = 20;
        public const int ENOSYS = 38;
        public const int ELOOP = 40;

        /// <summary>openat2 is 437 on every architecture (syscalls numbered after the 2019 unification).</summary>
        private const long SysOpenAt2 = 437;

        public static unsafe int OpenAt2(int dirfd, string path, long flags, ulong resolve)
        {
            var how = stackalloc ulong[3];
            how[0] = (ulong)flags;
            how[1] = 0;
            how[2] = resolve;
            var bytes = System.Text.Encoding.UTF8.GetBytes(path + "\0");
            fixed (byte* p = bytes)
            {
                return (int)Syscall4(SysOpenAt2, dirfd, (nint)p, (nint)how, 3 * sizeof(ulong));
            }
        }

        public static int Open(string path, long flags) => OpenPath(path, (int)flags);

        [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        private static partial int OpenPath(string path, int flags);

        [LibraryImport("libc", EntryPoint = "openat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        public static partial int OpenAt(int dirfd, string path, int flags);

        [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
        public static partial int Close(int fd);

        // Fixed-arity binding of the variadic syscall(2): integer and pointer arguments only (see KexecSyscalls).
        [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
        private static partial long Syscall4(long number, long a1, nint a2, nint a3, long a4);
    }
}
