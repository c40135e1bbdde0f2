namespace Kdumpd.Core.Initrd;

/// <summary>How the dump target's block devices are stacked: a plain disk/partition, LVM, or dm-crypt.</summary>
public enum DumpTargetKind
{
    Plain,
    Lvm,
    Encrypted,
    Other,
}

/// <summary>
/// Where the capture initrd must write: the filesystem (by UUID, as the capture kernel's device names may
/// differ) that holds the dump directory, the directory inside it, and the kernel modules that reach it.
/// <see cref="Findings"/> say what the initrd cannot do (an encrypted target, an unknown driver).
/// </summary>
public sealed record DumpTarget(
    string DumpDirectory,
    string MountPoint,
    string PathInFilesystem,
    string DeviceName,
    string FilesystemType,
    string? FilesystemUuid,
    DumpTargetKind Stack,
    IReadOnlyList<string> DeviceChain,
    IReadOnlyList<string> Modules,
    IReadOnlyList<string> Findings)
{
    /// <summary>True when the capture initrd can mount the target without anything the operator must type.</summary>
    public bool Reachable => FilesystemUuid is not null && Stack is DumpTargetKind.Plain or DumpTargetKind.Lvm;
}
