using System.Text;
using Kdumpd.Core.Host;
using Microsoft.Win32.SafeHandles;

namespace Kdumpd.Core.Loading;

/// <summary>
/// kexec_file_load(2) with KEXEC_FILE_ON_CRASH: the kernel reads the files itself, verifies signatures when
/// required, builds the ELF core header and prepends elfcorehdr= to the command line.
/// </summary>
public sealed class KexecFileLoader(KexecSysfs sysfs, IKexecSyscalls syscalls) : IPanicKernelLoader
{
    public const string InterfaceName = "kexec_file_load";

    private readonly KexecLoadLimit _limit = new(sysfs);

    public LoaderKind Kind => LoaderKind.KexecFile;

    public CrashKernelState ReadState() => sysfs.Read();

    public Task<LoaderResult> LoadAsync(LoadRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        var name = Kind.Name();

        var commandLine = Encoding.UTF8.GetBytes(request.CommandLine + "\0");
        SafeFileHandle? kernel = null;
        SafeFileHandle? initrd = null;
        try
        {
            try
            {
                // .NET opens with O_CLOEXEC, so a kexec child started meanwhile never inherits these.
                kernel = File.OpenHandle(request.KernelPath, FileMode.Open, FileAccess.Read, FileShare.Read);
                initrd = request.InitrdPath is null ? null : File.OpenHandle(request.InitrdPath, FileMode.Open, FileAccess.Read, FileShare.Read);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return Task.FromResult(LoaderResult.Failed(name, InterfaceName, new LoadFailure(LoadFailureKind.FileProblem, $"cannot open the capture kernel or initrd: {e.Message}"), 0));
            }

            var state = sysfs.Read();
            var context = new KexecCallContext(
                "load",
                request.KernelPath,
                RandomAccess.GetLength(kernel),
                request.InitrdPath,
                initrd is null ? null : RandomAccess.GetLength(initrd),
                state.ReservationBytes,
                state.LoadLimitPanic,
                state.KexecLoadDisabled,
                commandLine.Length);

            if (request.OnCrash && _limit.Authorize(request.LimitPurpose, "load the panic kernel") is { } refusal)
            {
                return Task.FromResult(LoaderResult.Failed(name, InterfaceName, refusal, 0));
            }

            var flags = (request.OnCrash ? KexecFileLoadOptions.OnCrash : KexecFileLoadOptions.None) | (initrd is null ? KexecFileLoadOptions.NoInitramfs : KexecFileLoadOptions.None);
            var errno = syscalls.KexecFileLoad(Fd(kernel), initrd is null ? -1 : Fd(initrd), commandLine, flags);
            var calls = request.OnCrash ? 1 : 0;
            return Task.FromResult(errno == 0
                ? LoaderResult.Ok(name, InterfaceName, calls)
                : LoaderResult.Failed(name, InterfaceName, KexecErrors.Describe(errno, context), calls));
        }
        finally
        {
            kernel?.Dispose();
            initrd?.Dispose();
        }
    }

    public Task<LoaderResult> UnloadAsync(UnloadRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        var name = Kind.Name();
        if (_limit.Authorize(request.LimitPurpose, "unload the panic kernel") is { } refusal)
        {
            return Task.FromResult(LoaderResult.Failed(name, InterfaceName, refusal, 0));
        }

        var state = sysfs.Read();
        var errno = syscalls.KexecFileLoad(-1, -1, [], KexecFileLoadOptions.Unload | KexecFileLoadOptions.OnCrash);
        return Task.FromResult(errno == 0
            ? LoaderResult.Ok(name, InterfaceName)
            : LoaderResult.Failed(name, InterfaceName, KexecErrors.Describe(errno, new KexecCallContext("unload", LoadLimitBefore: state.LoadLimitPanic, KexecLoadDisabled: state.KexecLoadDisabled)), 1));
    }

    private static int Fd(SafeFileHandle handle) => checked((int)handle.DangerousGetHandle());
}
