namespace Kdumpd.Core.Loading;

/// <summary>Why a load or unload did not happen, in the operator's terms.</summary>
public enum LoadFailureKind
{
    /// <summary>EBUSY/EAGAIN or a kexec child that timed out: worth a bounded retry.</summary>
    Transient,

    /// <summary>ENOMEM/EADDRNOTAVAIL: the crashkernel= reservation cannot hold the image.</summary>
    ReservationTooSmall,

    /// <summary>EPERM: not root (CAP_SYS_BOOT), kernel lockdown, kexec_load_disabled, or kexec_load_limit_panic exhausted.</summary>
    NotPermitted,

    /// <summary>EKEYREJECTED/EBADMSG/ENODATA/ENOKEY: signature verification failed.</summary>
    SignatureRejected,

    /// <summary>ENOEXEC: the kernel file is not an image kexec_file_load accepts.</summary>
    NotAKernelImage,

    /// <summary>ENOSYS: this kernel has no kexec_file_load.</summary>
    NoKexec,

    /// <summary>EINVAL and other argument errors.</summary>
    InvalidArgument,

    /// <summary>A file could not be opened.</summary>
    FileProblem,

    /// <summary>The loader itself is not available (kexec-tools not installed).</summary>
    LoaderUnavailable,

    /// <summary>kexec-tools exited non-zero.</summary>
    ToolFailed,

    /// <summary>kdumpd refused before calling the kernel (budget, load limit).</summary>
    Refused,

    Other,
}

/// <summary>A failed load/unload: kind, the errno when there was one, and one clear sentence.</summary>
public sealed record LoadFailure(LoadFailureKind Kind, string Message, int? Errno = null)
{
    public bool IsTransient => Kind == LoadFailureKind.Transient;

    /// <summary>ENOSYS or an image format kexec_file_load rejects: the cases where auto may try kexec-tools.</summary>
    public bool FileLoadUnavailable => Kind is LoadFailureKind.NoKexec or LoadFailureKind.NotAKernelImage;

    public override string ToString() => Message;
}

/// <summary>
/// One loader call. <see cref="KernelCalls"/> counts the crash kexec syscalls made (each spends one unit of
/// kexec_load_limit_panic); <see cref="Output"/> is kexec-tools' stdout+stderr verbatim, <see cref="Notes"/>
/// say what the loader decided (fallbacks, dry-run).
/// </summary>
public sealed record LoaderResult(
    string Loader,
    string Interface,
    LoadFailure? Failure,
    int KernelCalls,
    int? ExitCode = null,
    string? Output = null,
    IReadOnlyList<string>? Notes = null)
{
    public bool Succeeded => Failure is null;

    public IReadOnlyList<string> NoteList => Notes ?? [];

    public static LoaderResult Ok(string loader, string @interface, int kernelCalls = 1, string? output = null, int? exitCode = null) =>
        new(loader, @interface, null, kernelCalls, exitCode, output);

    public static LoaderResult Failed(string loader, string @interface, LoadFailure failure, int kernelCalls, string? output = null, int? exitCode = null) =>
        new(loader, @interface, failure, kernelCalls, exitCode, output);
}
