using Kdumpd.Core.Host;

namespace Kdumpd.Core.Reload;

/// <summary>
/// The seam between the <see cref="ReloadCoordinator"/> and the planner + loader. The coordinator
/// decides when and whether; the target re-reads the host, plans and loads.
/// </summary>
public interface IReloadTarget
{
    /// <summary>
    /// Re-reads the host, re-plans and says what is loaded now. Must not load anything. May throw:
    /// the pass is then recorded as <see cref="ReloadOutcome.ProbeFailed"/> and retried later.
    /// </summary>
    ValueTask<PlanProbe> ProbeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Loads the plan of <see cref="ReloadRequest.Probe"/> with ONE load call (the kernel frees the
    /// old crash image inside the load: never unload first, every call spends
    /// kexec_load_limit_panic budget) and records the generation with the request's triggers.
    /// Failures are returned, not thrown.
    /// </summary>
    ValueTask<ReloadResult> ReloadAsync(ReloadRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// The kernel rewrote the elfcorehdr itself (crash hotplug): record the request's plan as the
    /// one the loaded image now matches, without any load call.
    /// </summary>
    ValueTask RecordPlanAsync(ReloadRequest request, CancellationToken cancellationToken);
}

/// <summary>
/// The host as the target sees it right now.
/// </summary>
/// <param name="Fingerprint">Fingerprint of the plan the host needs now.</param>
/// <param name="LoadedFingerprint">Fingerprint recorded with the image the kernel holds; null when none or unknown.</param>
/// <param name="ImageLoaded">A crash image is loaded (<c>/sys/kernel/kexec_crash_loaded</c> = 1).</param>
/// <param name="LoadedWithKexecFileLoad">That image was loaded through kexec_file_load.</param>
/// <param name="CrashHotplug">What <c>crash_hotplug</c> said (read with <see cref="CrashHotplugReader"/>).</param>
/// <param name="LoadBudget">Crash loads the kernel still allows (<see cref="Host.CrashKernelState.LoadsLeft"/>); null = unlimited or unknown.</param>
public sealed record PlanProbe(
    string Fingerprint,
    string? LoadedFingerprint,
    bool ImageLoaded,
    bool LoadedWithKexecFileLoad,
    CrashHotplugSupport CrashHotplug,
    int? LoadBudget = null)
{
    public bool IsCurrent => ImageLoaded && LoadedFingerprint == Fingerprint;

    /// <summary>
    /// True when the kernel itself keeps the loaded header right for this kind of hotplug: the
    /// image came through kexec_file_load and the subsystem's crash_hotplug reads 1.
    /// </summary>
    public bool KernelUpdatesHeaderFor(bool memory, bool cpu) =>
        ImageLoaded && LoadedWithKexecFileLoad
        && (!memory || CrashHotplug.Memory == CrashHotplugState.On)
        && (!cpu || CrashHotplug.Cpu == CrashHotplugState.On);
}

/// <summary>One pass's instruction to the target: the plan to load and the triggers that caused it.</summary>
/// <param name="Pass">The coordinator's pass number.</param>
/// <param name="Probe">The probe this pass decided on: its plan is the one to load or record.</param>
/// <param name="Burst">The triggers that caused the pass, to record with the generation.</param>
/// <param name="Reason">Why, in words ("fingerprint changed", "no crash image loaded", "forced by kmsg").</param>
/// <param name="Purpose">What the load is for (<see cref="LastLoadUnit"/>): the loader checks the last-unit rule with it again.</param>
public sealed record ReloadRequest(long Pass, PlanProbe Probe, BurstSummary Burst, string Reason, LoadPurpose Purpose = LoadPurpose.NewImage);

/// <summary>What one load call did.</summary>
/// <param name="Succeeded">The new image is loaded.</param>
/// <param name="ArmedAfter">A crash image is loaded after the call (false after a failed load: the old one was freed).</param>
/// <param name="LoadedFingerprint">Fingerprint of what is loaded now.</param>
/// <param name="Generation">The recorded generation number, when the target keeps them.</param>
/// <param name="Error">Why the load failed, for the log and the API.</param>
public sealed record ReloadResult(bool Succeeded, bool ArmedAfter, string? LoadedFingerprint, long? Generation, string? Error)
{
    public static ReloadResult Loaded(string fingerprint, long? generation = null) => new(true, true, fingerprint, generation, null);

    public static ReloadResult Failed(string error, bool armedAfter) => new(false, armedAfter, null, null, error);
}
