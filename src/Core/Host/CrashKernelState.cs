namespace Kdumpd.Core.Host;

/// <summary>
/// The kernel's own word on the panic kernel, read fresh from sysfs/procfs every time.
/// <see cref="Loaded"/> is null when /sys/kernel/kexec_crash_loaded does not exist (no kexec in this kernel);
/// <see cref="LoadLimitPanic"/> is null when the sysctl does not exist, -1 when unlimited.
/// <see cref="SimulatedBy"/> is set when a dry-run loader reports its in-memory state instead of the kernel's.
/// </summary>
public sealed record CrashKernelState(
    bool? Loaded,
    long? ReservationBytes,
    int? LoadLimitPanic,
    bool KexecLoadDisabled,
    string? SimulatedBy = null)
{
    public bool IsLoaded => Loaded == true;

    public bool KexecAvailable => Loaded is not null;

    /// <summary>Loads/unloads still allowed by kexec_load_limit_panic; null = no limit.</summary>
    public int? LoadsLeft => LoadLimitPanic is null or < 0 ? null : LoadLimitPanic;
}
