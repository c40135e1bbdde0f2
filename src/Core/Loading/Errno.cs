namespace Kdumpd.Core.Loading;

/// <summary>The Linux errno values the loader reacts to (asm-generic/errno*.h; same on x86-64 and arm64).</summary>
public static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int ENOEXEC = 8;
    public const int EBADF = 9;
    public const int EAGAIN = 11;
    public const int ENOMEM = 12;
    public const int EACCES = 13;
    public const int EFAULT = 14;
    public const int EBUSY = 16;
    public const int EINVAL = 22;
    public const int ENOSYS = 38;
    public const int ENODATA = 61;
    public const int EBADMSG = 74;
    public const int EOVERFLOW = 75;
    public const int EADDRNOTAVAIL = 99;
    public const int ENOKEY = 126;
    public const int EKEYEXPIRED = 127;
    public const int EKEYREVOKED = 128;
    public const int EKEYREJECTED = 129;
}
