namespace Kdumpd.Core.Reload;

/// <summary>What asked for a reload pass.</summary>
public enum ReloadTriggerKind
{
    /// <summary>The daemon started: make sure the panic kernel matches the host.</summary>
    Startup,

    /// <summary>A memory block was added, removed, onlined or offlined (uevent).</summary>
    MemoryHotplug,

    /// <summary>A CPU was added, removed, onlined or offlined (uevent).</summary>
    CpuHotplug,

    /// <summary>The configured capture kernel changed on disk.</summary>
    KernelFileChanged,

    /// <summary>The configured capture initrd changed on disk.</summary>
    InitrdFileChanged,

    /// <summary>kdumpd's configuration file changed (command line, paths...).</summary>
    ConfigChanged,

    /// <summary>An operator asked: <c>POST /v1/reload</c> or <c>kdumpd reload</c>.</summary>
    Explicit,

    /// <summary>The periodic re-read of the host: the safety net for missed events.</summary>
    PeriodicReconcile,

    /// <summary>The kernel said its own crash-hotplug header update failed (<c>crash hp:</c> in /dev/kmsg).</summary>
    KmsgCrashHotplugFailure,

    /// <summary>The netlink socket overflowed (ENOBUFS): uevents were lost, re-read the host.</summary>
    UeventsLost,

    /// <summary>The previous pass failed; try again after a backoff.</summary>
    RetryAfterFailure,
}

/// <summary>
/// One reason to re-plan, with the facts that came with it (device path and sequence number of a
/// uevent, the file that changed, who asked). Every watcher posts these into the
/// <see cref="ReloadCoordinator"/>; a burst of them becomes one pass.
/// </summary>
public sealed record ReloadTrigger(ReloadTriggerKind Kind, DateTimeOffset At)
{
    /// <summary>The hotplug uevent's ACTION as the kernel wrote it (add, remove, online, offline).</summary>
    public string? Action { get; init; }

    public string? DevPath { get; init; }

    public ulong? SeqNum { get; init; }

    /// <summary>The file that changed (kernel, initrd, configuration).</summary>
    public string? Path { get; init; }

    /// <summary>Who asked, for an explicit request ("api:alice", "cli:uid=0").</summary>
    public string? RequestedBy { get; init; }

    /// <summary>Free-form detail: the kmsg line, the FileSystemWatcher change type, the failure retried.</summary>
    public string? Detail { get; init; }

    /// <summary>Reload even when the fingerprint is unchanged or the kernel handles hotplug itself.</summary>
    public bool Force { get; init; }

    /// <summary>An operator's explicit <c>--force</c>: this request may spend the last kexec_load_limit_panic unit.</summary>
    public bool SpendLastLoad { get; init; }

    /// <summary>Set for explicit requests: completed with the pass that handled the trigger.</summary>
    internal TaskCompletionSource<ReloadPassRecord>? Completion { get; init; }

    public bool IsHotplug => Kind is ReloadTriggerKind.MemoryHotplug or ReloadTriggerKind.CpuHotplug;

    /// <summary>A short label for counters and logs: "memory/add", "kernel-file", "explicit".</summary>
    public string Label => Kind switch
    {
        ReloadTriggerKind.MemoryHotplug => "memory/" + ActionLabel,
        ReloadTriggerKind.CpuHotplug => "cpu/" + ActionLabel,
        _ => KindLabel(Kind),
    };

    private string ActionLabel => Action ?? "unknown";

    public static string KindLabel(ReloadTriggerKind kind) => kind switch
    {
        ReloadTriggerKind.Startup => "startup",
        ReloadTriggerKind.MemoryHotplug => "memory",
        ReloadTriggerKind.CpuHotplug => "cpu",
        ReloadTriggerKind.KernelFileChanged => "kernel-file",
        ReloadTriggerKind.InitrdFileChanged => "initrd-file",
        ReloadTriggerKind.ConfigChanged => "config",
        ReloadTriggerKind.Explicit => "explicit",
        ReloadTriggerKind.PeriodicReconcile => "reconcile",
        ReloadTriggerKind.KmsgCrashHotplugFailure => "kmsg-crash-hp-failure",
        ReloadTriggerKind.UeventsLost => "uevents-lost",
        ReloadTriggerKind.RetryAfterFailure => "retry",
        _ => kind.ToString(),
    };

    public static ReloadTrigger Startup(DateTimeOffset at) => new(ReloadTriggerKind.Startup, at);

    public static ReloadTrigger FileChanged(ReloadTriggerKind kind, string path, string change, DateTimeOffset at)
    {
        if (kind is not (ReloadTriggerKind.KernelFileChanged or ReloadTriggerKind.InitrdFileChanged or ReloadTriggerKind.ConfigChanged))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a file trigger");
        }

        return new ReloadTrigger(kind, at) { Path = path, Detail = change };
    }

    public static ReloadTrigger Reconcile(DateTimeOffset at) => new(ReloadTriggerKind.PeriodicReconcile, at);

    public static ReloadTrigger KmsgFailure(string kernelMessage, DateTimeOffset at) =>
        new(ReloadTriggerKind.KmsgCrashHotplugFailure, at) { Detail = kernelMessage, Force = true };

    public static ReloadTrigger UeventOverflow(string detail, DateTimeOffset at) =>
        new(ReloadTriggerKind.UeventsLost, at) { Detail = detail };

    public override string ToString() => Kind switch
    {
        ReloadTriggerKind.MemoryHotplug or ReloadTriggerKind.CpuHotplug => $"{Label} {DevPath} seq={SeqNum}",
        ReloadTriggerKind.KernelFileChanged or ReloadTriggerKind.InitrdFileChanged or ReloadTriggerKind.ConfigChanged => $"{Label} {Path} ({Detail})",
        ReloadTriggerKind.Explicit => $"{Label} by {RequestedBy}{(Force ? " (force)" : "")}",
        _ when Detail is not null => $"{Label}: {Detail}",
        _ => Label,
    };
}
