namespace Kdumpd.Core.Loading;

/// <summary>
/// kexec_file_load(2) and nothing else: the seam tests fake to check the errno mapping. Returns 0 on success
/// or the errno. File descriptors are -1 when absent; the command line must end with NUL.
/// </summary>
public interface IKexecSyscalls
{
    int KexecFileLoad(int kernelFd, int initrdFd, ReadOnlySpan<byte> commandLine, KexecFileLoadOptions flags);
}

/// <summary>kexec_file_load flags (include/uapi/linux/kexec.h KEXEC_FILE_*).</summary>
[Flags]
public enum KexecFileLoadOptions : ulong
{
    None = 0,
    Unload = 0x1,
    OnCrash = 0x2,
    NoInitramfs = 0x4,
}
