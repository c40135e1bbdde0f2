using System.Globalization;

namespace Kdumpd.Core.Host;

/// <summary>
/// The one reader of the kernel's kexec/crash files, through the host root; never caches. The planner's
/// snapshot, the loaders, readiness and the reload probe all take <see cref="CrashKernelState"/> from here.
/// </summary>
public sealed class KexecSysfs(HostRoot host)
{
    public const string CrashLoadedPath = "/sys/kernel/kexec_crash_loaded";
    public const string CrashSizePath = "/sys/kernel/kexec_crash_size";
    public const string LoadLimitPanicPath = "/proc/sys/kernel/kexec_load_limit_panic";
    public const string LoadDisabledPath = "/proc/sys/kernel/kexec_load_disabled";
    public const string MemoryCrashHotplugPath = "/sys/devices/system/memory/crash_hotplug";
    public const string CpuCrashHotplugPath = "/sys/devices/system/cpu/crash_hotplug";

    public HostRoot Host { get; } = host;

    public CrashKernelState Read() => new(
        ReadLong(CrashLoadedPath) is { } loaded ? loaded != 0 : null,
        ReadLong(CrashSizePath),
        ReadLong(LoadLimitPanicPath) is { } limit ? checked((int)limit) : null,
        ReadLong(LoadDisabledPath) is { } disabled && disabled != 0);

    private long? ReadLong(string hostPath)
    {
        var text = Host.TryReadText(hostPath);
        if (text is null)
        {
            return null;
        }

        return long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new HostFileException(hostPath, Host.Resolve(hostPath), $"expected an integer, found '{text.Trim()}'");
    }
}
