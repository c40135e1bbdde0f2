namespace Kdumpd.Core.Host;

/// <summary>What the kernel says about kexec: loaded images, reservation size and the load switches.</summary>
public sealed record KexecState(
    bool? CrashLoaded,
    ulong? CrashSize,
    bool? Loaded,
    int? LoadLimitPanic,
    int? LoadDisabled);

/// <summary>/sys/kernel/vmcoreinfo ("%pa %x": both hex): physical address and size of the VMCOREINFO note.</summary>
public sealed record VmcoreInfoLocation(ulong Address, ulong Size);
