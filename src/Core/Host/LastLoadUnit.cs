namespace Kdumpd.Core.Host;

/// <summary>Why a crash kexec call is made: decides who may spend the last kexec_load_limit_panic unit (<see cref="LastLoadUnit"/>).</summary>
public enum LoadPurpose
{
    /// <summary>Hotplug churn, the periodic reconcile, lost uevents, a retry, an automatic unload: never the last units.</summary>
    Churn,

    /// <summary>A new capture kernel, initrd or configuration, or arming a host that has nothing loaded: may spend the last unit.</summary>
    NewImage,

    /// <summary>An operator's reload without --force: not the last unit.</summary>
    Operator,

    /// <summary>An operator's reload with --force, or a root operator's `kdumpd load`/`unload`: may spend the last unit.</summary>
    OperatorForced,
}

/// <summary>
/// The one rule for kexec_load_limit_panic (≈6.3+), a countdown the kernel decrements at the entry of EVERY
/// crash kexec_load/kexec_file_load, unloads and failed loads included; at 0 every further call is EPERM
/// until reboot. The reload coordinator decides with it and the loaders check it right before each call.
/// </summary>
public static class LastLoadUnit
{
    /// <summary>Units kept from churn: after them only a new image or a forced operator request may load.</summary>
    public const int KeptFromChurn = 1;

    /// <summary>Null when a call for <paramref name="purpose"/> may be made with <paramref name="loadsLeft"/> units left (null: unlimited), else why not.</summary>
    public static string? Refusal(int? loadsLeft, LoadPurpose purpose) => (loadsLeft, purpose) switch
    {
        (null, _) => null,
        ( <= 0, _) => "kernel.kexec_load_limit_panic is 0 (exhausted), the kernel allows no more crash loads or unloads until reboot",
        (_, LoadPurpose.NewImage or LoadPurpose.OperatorForced) => null,
        ( <= 1, LoadPurpose.Operator) => "kernel.kexec_load_limit_panic has 1 unit left; it is spent only with --force (kdumpd reload --force), or by a new capture kernel or initrd",
        (_, LoadPurpose.Operator) => null,
        (var left, _) when left <= KeptFromChurn => $"kernel.kexec_load_limit_panic has {left} unit(s) left, kept for a new capture kernel or initrd or an operator's --force",
        _ => null,
    };
}
