using Kdumpd.Core.Host;

namespace Kdumpd.Core.Loading;

/// <summary>
/// The kexec_load_limit_panic rule. The kernel decrements the sysctl at syscall entry for every crash
/// kexec_load/kexec_file_load, unloads and failed loads included; at 0 every further call is EPERM until
/// reboot. kdumpd keeps the last unit for an explicit operator request, so an automatic reload can never
/// leave the operator without a way to re-arm.
/// </summary>
public sealed class KexecLoadLimit(KexecSysfs sysfs)
{
    /// <summary>Null when a crash kexec call may be made now, else the refusal.</summary>
    public LoadFailure? Authorize(bool operatorRequested, string what)
    {
        var state = sysfs.Read();
        if (state.KexecLoadDisabled)
        {
            return new LoadFailure(
                LoadFailureKind.NotPermitted,
                $"refusing to {what}: kernel.kexec_load_disabled is 1, the kernel allows no kexec loads or unloads until reboot");
        }

        return Decide(state.LoadLimitPanic, operatorRequested, what);
    }

    public static LoadFailure? Decide(int? remaining, bool operatorRequested, string what)
    {
        if (remaining is null or < 0)
        {
            return null;
        }

        if (remaining == 0)
        {
            return new LoadFailure(
                LoadFailureKind.NotPermitted,
                $"refusing to {what}: kernel.kexec_load_limit_panic is 0, the kernel allows no more crash loads or unloads until reboot");
        }

        if (remaining == 1 && !operatorRequested)
        {
            return new LoadFailure(
                LoadFailureKind.Refused,
                $"refusing to {what}: kernel.kexec_load_limit_panic has 1 unit left; kdumpd keeps the last one for an explicit operator request (kdumpd load / POST /v1/reload)");
        }

        return null;
    }
}
