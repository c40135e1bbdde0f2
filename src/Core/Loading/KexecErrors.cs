using System.Runtime.InteropServices;
using Kdumpd.Core.Planning;
using Kdumpd.Core.Units;

namespace Kdumpd.Core.Loading;

/// <summary>Turns a kexec_file_load errno into a kind and one sentence that names the files, sizes and the fix.</summary>
public static class KexecErrors
{
    /// <summary>COMMAND_LINE_SIZE on x86 and arm64, NUL included.</summary>
    public const int CommandLineLimit = CaptureCommandLine.KernelLimit;

    public static LoadFailure Describe(int errno, KexecCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var name = Name(errno);
        var call = $"kexec_file_load ({context.Operation}) failed with {name}";
        return errno switch
        {
            Errno.ENOMEM or Errno.EADDRNOTAVAIL => new(LoadFailureKind.ReservationTooSmall, $"{call}: {TooSmall(context)}", errno),
            Errno.EPERM => new(LoadFailureKind.NotPermitted, $"{call}: {NotPermitted(context)}", errno),
            Errno.EKEYREJECTED or Errno.EBADMSG or Errno.ENODATA or Errno.ENOKEY or Errno.EKEYEXPIRED or Errno.EKEYREVOKED => new(
                LoadFailureKind.SignatureRejected,
                $"{call}: the signature of {context.KernelPath ?? "the kernel"} was rejected; this kernel only loads images signed by a trusted key (KEXEC_SIG_FORCE or lockdown)",
                errno),
            Errno.ENOEXEC => new(
                LoadFailureKind.NotAKernelImage,
                $"{call}: {context.KernelPath ?? "the file"} is not a kernel image kexec_file_load accepts (x86: bzImage; arm64: Image or EFI zboot)",
                errno),
            Errno.ENOSYS => new(
                LoadFailureKind.NoKexec,
                $"{call}: no kexec in this kernel: kexec_file_load is not available (CONFIG_KEXEC_FILE, or an architecture kdumpd has no syscall number for)",
                errno),
            Errno.EBUSY or Errno.EAGAIN or Errno.EINTR => new(
                LoadFailureKind.Transient,
                $"{call}: the kernel's kexec lock is busy (another load or unload is running); transient",
                errno),
            Errno.EINVAL => new(LoadFailureKind.InvalidArgument, $"{call}: {Invalid(context)}", errno),
            Errno.EBADF or Errno.ENOENT or Errno.EACCES => new(
                LoadFailureKind.FileProblem,
                $"{call}: the kernel could not read {context.KernelPath ?? "the kernel"}{(context.InitrdPath is null ? "" : $" or {context.InitrdPath}")}",
                errno),
            _ => new(LoadFailureKind.Other, $"{call}: {Marshal.GetPInvokeErrorMessage(errno)}", errno),
        };
    }

    public static string Name(int errno) => errno switch
    {
        Errno.EPERM => "EPERM",
        Errno.ENOENT => "ENOENT",
        Errno.EINTR => "EINTR",
        Errno.ENOEXEC => "ENOEXEC",
        Errno.EBADF => "EBADF",
        Errno.EAGAIN => "EAGAIN",
        Errno.ENOMEM => "ENOMEM",
        Errno.EACCES => "EACCES",
        Errno.EFAULT => "EFAULT",
        Errno.EBUSY => "EBUSY",
        Errno.EINVAL => "EINVAL",
        Errno.ENOSYS => "ENOSYS",
        Errno.ENODATA => "ENODATA",
        Errno.EBADMSG => "EBADMSG",
        Errno.EOVERFLOW => "EOVERFLOW",
        Errno.EADDRNOTAVAIL => "EADDRNOTAVAIL",
        Errno.ENOKEY => "ENOKEY",
        Errno.EKEYEXPIRED => "EKEYEXPIRED",
        Errno.EKEYREVOKED => "EKEYREVOKED",
        Errno.EKEYREJECTED => "EKEYREJECTED",
        _ => $"errno {errno}",
    };

    private static string TooSmall(KexecCallContext context)
    {
        if (context.ReservationBytes is null or 0)
        {
            return "no crash memory is reserved (kexec_crash_size is 0 or missing): boot with crashkernel= (for example crashkernel=256M)";
        }

        var parts = new List<string>();
        if (context.KernelBytes is { } kernel)
        {
            parts.Add($"kernel {Path.GetFileName(context.KernelPath)} {ByteSize.Format(kernel)}");
        }

        if (context.InitrdBytes is { } initrd)
        {
            parts.Add($"initrd {Path.GetFileName(context.InitrdPath)} {ByteSize.Format(initrd)}");
        }

        var files = parts.Count == 0 ? "" : $" for {string.Join(" + ", parts)}";
        return $"the crash reservation is too small: crashkernel reserves {ByteSize.Format(context.ReservationBytes.Value)}{files} plus the capture kernel's working memory; raise crashkernel= and reboot";
    }

    private static string NotPermitted(KexecCallContext context)
    {
        if (context.LoadLimitBefore == 0)
        {
            return "kernel.kexec_load_limit_panic is exhausted (0): no crash loads or unloads until reboot";
        }

        if (context.KexecLoadDisabled)
        {
            return "kernel.kexec_load_disabled is 1: kexec loads are disabled until reboot";
        }

        if (!Environment.IsPrivilegedProcess)
        {
            return "not running as root: kexec needs CAP_SYS_BOOT";
        }

        return "the kernel refused: kernel lockdown (Secure Boot) rejects this image, CAP_SYS_BOOT is missing, or kexec_load_limit_panic is exhausted";
    }

    private static string Invalid(KexecCallContext context) =>
        context.CommandLineBytes > CommandLineLimit
            ? $"the command line is {context.CommandLineBytes} bytes, the kernel accepts at most {CommandLineLimit}"
            : "the kernel rejected the arguments (flags, an empty image, or a command line that is not NUL-terminated)";
}
