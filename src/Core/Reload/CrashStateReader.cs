using Kdumpd.Core.Host;

namespace Kdumpd.Core.Reload;

/// <summary>The kernel's side of a <see cref="PlanProbe"/>: what sysfs and procfs say about the crash image.</summary>
/// <param name="ImageLoaded"><c>/sys/kernel/kexec_crash_loaded</c> = 1.</param>
/// <param name="CrashHotplug">The crash_hotplug files, read with the re-read rule.</param>
/// <param name="LoadBudget">Loads left in kexec_load_limit_panic; null = unlimited or no such limit.</param>
public sealed record CrashState(bool ImageLoaded, CrashHotplugSupport CrashHotplug, int? LoadBudget);

/// <summary>
/// Reads <see cref="CrashState"/> through the host root, so an <see cref="IReloadTarget"/> only adds
/// its fingerprints and whether its last load went through kexec_file_load (the kernel does not
/// say that anywhere readable; the loader knows).
/// </summary>
public sealed class CrashStateReader
{
    private readonly HostRoot _host;
    private readonly CrashHotplugReader _crashHotplug;

    public CrashStateReader(HostRoot host, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(host);
        _host = host;
        _crashHotplug = new CrashHotplugReader(host, time);
    }

    public async ValueTask<CrashState> ReadAsync(CancellationToken cancellationToken)
    {
        var loaded = _host.TryReadText(CrashHotplugReader.CrashLoadedPath)?.Trim() == "1";
        var crashHotplug = await _crashHotplug.ReadAsync(cancellationToken);
        return new CrashState(loaded, crashHotplug, KexecLoadBudget.Read(_host));
    }
}
