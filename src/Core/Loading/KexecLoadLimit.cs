using Kdumpd.Core.Host;

namespace Kdumpd.Core.Loading;

/// <summary>
/// The check right before each crash kexec call: kexec_load_disabled, then <see cref="LastLoadUnit"/> with the
/// request's <see cref="LoadPurpose"/> (the same rule the reload coordinator decided with).
/// </summary>
public sealed class KexecLoadLimit(KexecSysfs sysfs)
{
    /// <summary>Null when a crash kexec call may be made now, else the refusal.</summary>
    public LoadFailure? Authorize(LoadPurpose purpose, string what)
    {
        var state = sysfs.Read();
        if (state.KexecLoadDisabled)
        {
            return new LoadFailure(
                LoadFailureKind.NotPermitted,
                $"refusing to {what}: kernel.kexec_load_disabled is 1, the kernel allows no kexec loads or unloads until reboot");
        }

        return Decide(state.LoadsLeft, purpose, what);
    }

    public static LoadFailure? Decide(int? loadsLeft, LoadPurpose purpose, string what) => LastLoadUnit.Refusal(loadsLeft, purpose) is not { } refusal
        ? null
        : new LoadFailure(loadsLeft <= 0 ? LoadFailureKind.NotPermitted : LoadFailureKind.Refused, $"refusing to {what}: {refusal}");
}
