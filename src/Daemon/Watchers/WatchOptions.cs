using Kdumpd.Core.Reload;

namespace Kdumpd.Daemon.Watchers;

/// <summary>What the watchers watch; one record, validated once at start.</summary>
public sealed record WatchOptions
{
    /// <summary>The capture kernel kdumpd loads (its directory is watched, matched by file name).</summary>
    public string? KernelPath { get; init; }

    /// <summary>The capture initrd kdumpd loads.</summary>
    public string? InitrdPath { get; init; }

    /// <summary>kdumpd's configuration file.</summary>
    public string? ConfigPath { get; init; }

    /// <summary>The kernel log device; tests point it at a file or a FIFO. Null disables the kmsg watcher.</summary>
    public string? KmsgPath { get; init; } = "/dev/kmsg";

    /// <summary>Listen for hotplug uevents on netlink.</summary>
    public bool Netlink { get; init; } = true;

    /// <summary>Period of the safety-net re-probe (default 5 min).</summary>
    public TimeSpan ReconcileInterval { get; init; } = TimeSpan.FromMinutes(5);

    public ReloadCoordinatorOptions Coordinator { get; init; } = new();
}
