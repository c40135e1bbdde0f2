using Kdumpd.Core.Host;

namespace Kdumpd.Core.Loading;

/// <summary>
/// Loads and unloads the panic (capture) kernel one way. A load replaces whatever is loaded in one call
/// (never unload-then-load). Every implementation that calls the kernel checks the kexec_load_limit_panic
/// rule right before each call; none throws for a kernel refusal: it is a <see cref="LoaderResult"/>.
/// </summary>
public interface IPanicKernelLoader
{
    LoaderKind Kind { get; }

    Task<LoaderResult> LoadAsync(LoadRequest request, CancellationToken cancellationToken);

    Task<LoaderResult> UnloadAsync(UnloadRequest request, CancellationToken cancellationToken);

    /// <summary>The crash-kexec state, re-read from sysfs on every call (a dry-run loader overlays its own).</summary>
    CrashKernelState ReadState();

    /// <summary>The state this loader reports for a reading already made (<see cref="KexecSysfs.Read"/>): the kernel's own, unless simulated.</summary>
    CrashKernelState Overlay(CrashKernelState kernel) => kernel;
}
