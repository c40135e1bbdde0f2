using Kdumpd.Core.Host;

namespace Kdumpd.Core.Initrd;

/// <summary>
/// Works out, from the booted system's mountinfo and sysfs, what the capture initrd needs to reach the
/// dump directory: its filesystem (type, UUID), the block devices under it (partition → disk, dm slaves),
/// and each device's driver module together with the drivers of the buses above it (virtio_blk needs
/// virtio_pci, nvme needs nothing more than nvme, a SCSI disk needs sd_mod and its host adapter).
/// </summary>
public sealed class DumpTargetResolver(HostRoot host)
{
    public DumpTarget Resolve(string dumpDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(dumpDirectory);
        var mount = MountTable.Holding(MountTable.Read(host), dumpDirectory)
            ?? throw new HostFileException(MountTable.MountInfoPath, host.Resolve(MountTable.MountInfoPath), $"no mount holds {dumpDirectory}");
        var findings = new List<string>();
        var relative = dumpDirectory.Length > mount.MountPoint.Length && mount.MountPoint != "/" ? dumpDirectory[mount.MountPoint.Length..] : mount.MountPoint == "/" ? dumpDirectory : "/";
        var pathInFs = mount.Root == "/" ? relative : (mount.Root.TrimEnd('/') + relative);

        var device = host.Canonical($"/sys/dev/block/{mount.Major}:{mount.Minor}");
        if (device is null)
        {
            findings.Add($"{dumpDirectory} is on {mount.Source} ({mount.FilesystemType}, device {mount.Major}:{mount.Minor}), which is no block device: the capture initrd can only write to a local disk");
            return new DumpTarget(dumpDirectory, mount.MountPoint, pathInFs, mount.Source, mount.FilesystemType, null, DumpTargetKind.Other, [], [], findings);
        }

        var name = Path.GetFileName(device);
        var modules = new List<string>();
        var chain = new List<string>();
        var stack = DumpTargetKind.Plain;
        Walk(device, modules, chain, findings, ref stack, 0);
        modules.Add(mount.FilesystemType);

        var uuid = UuidOf(name, mount.Major, mount.Minor);
        if (uuid is null)
        {
            findings.Add($"the filesystem on /dev/{name} has no UUID in /dev/disk/by-uuid or the udev database: the capture initrd cannot find it by UUID");
        }

        if (stack == DumpTargetKind.Encrypted)
        {
            findings.Add($"{dumpDirectory} is on an encrypted device (dm-crypt in {string.Join(" → ", chain)}): the capture kernel has no key and must not ask for a passphrase; set DumpDir to an unencrypted filesystem");
        }

        return new DumpTarget(dumpDirectory, mount.MountPoint, pathInFs, name, mount.FilesystemType, uuid, stack, chain, modules.Distinct(StringComparer.Ordinal).ToList(), findings);
    }

    private void Walk(string device, List<string> modules, List<string> chain, List<string> findings, ref DumpTargetKind stack, int depth)
    {
        var name = Path.GetFileName(device);
        chain.Add(name);
        if (depth > 16)
        {
            findings.Add($"block device stack under {name} is deeper than 16 levels");
            return;
        }

        var dmUuid = host.TryReadText($"{device}/dm/uuid")?.Trim();
        if (dmUuid is not null)
        {
            modules.Add("dm_mod");
            if (dmUuid.StartsWith("CRYPT-", StringComparison.Ordinal))
            {
                stack = DumpTargetKind.Encrypted;
                modules.Add("dm_crypt");
            }
            else if (dmUuid.StartsWith("LVM-", StringComparison.Ordinal) && stack == DumpTargetKind.Plain)
            {
                stack = DumpTargetKind.Lvm;
            }
            else if (!dmUuid.StartsWith("LVM-", StringComparison.Ordinal) && stack == DumpTargetKind.Plain)
            {
                stack = DumpTargetKind.Other;
                findings.Add($"{name} is a device-mapper device kdumpd does not set up in the capture initrd (dm uuid {dmUuid})");
            }
        }

        if (host.TryReadText($"{device}/md/level")?.Trim() is { Length: > 0 } level)
        {
            modules.Add(level);
            stack = stack == DumpTargetKind.Plain ? DumpTargetKind.Other : stack;
            findings.Add($"{name} is an md RAID ({level}): the capture initrd does not assemble md arrays");
        }

        var slaves = host.Resolve($"{device}/slaves");
        if (Directory.Exists(slaves) && Directory.EnumerateFileSystemEntries(slaves).Order(StringComparer.Ordinal).ToList() is { Count: > 0 } lower)
        {
            foreach (var slave in lower)
            {
                if (host.Canonical($"{device}/slaves/{Path.GetFileName(slave)}") is { } next)
                {
                    Walk(next, modules, chain, findings, ref stack, depth + 1);
                }
            }

            return;
        }

        // A partition's parent directory is its disk; the disk's ancestors are its controller and buses.
        var disk = host.FileExists($"{device}/partition") ? Path.GetDirectoryName(device)! : device;
        if (disk != device)
        {
            chain.Add(Path.GetFileName(disk));
        }

        for (var dir = disk; dir.StartsWith("/sys/devices/", StringComparison.Ordinal); dir = Path.GetDirectoryName(dir)!)
        {
            // A driver without a driver/module link is built in: nothing to load.
            if (host.LinkName($"{dir}/driver/module") is { } module)
            {
                modules.Add(module);
            }
        }
    }

    /// <summary>The filesystem UUID udev saw (/dev/disk/by-uuid/&lt;uuid&gt; → ../../name, else E:ID_FS_UUID= in /run/udev/data/b&lt;major&gt;:&lt;minor&gt;), else the superblock's.</summary>
    private string? UuidOf(string name, uint major, uint minor)
    {
        var byUuid = host.Resolve("/dev/disk/by-uuid");
        if (Directory.Exists(byUuid))
        {
            foreach (var link in Directory.EnumerateFileSystemEntries(byUuid).Order(StringComparer.Ordinal))
            {
                if (host.LinkName($"/dev/disk/by-uuid/{Path.GetFileName(link)}") == name)
                {
                    return Path.GetFileName(link);
                }
            }
        }

        foreach (var line in (host.TryReadText($"/run/udev/data/b{major}:{minor}") ?? "").Split('\n'))
        {
            if (line.StartsWith("E:ID_FS_UUID=", StringComparison.Ordinal))
            {
                return line["E:ID_FS_UUID=".Length..].Trim();
            }
        }

        // No udev (a minimal system, a container, the test harness's guest): read the superblock as blkid would.
        try
        {
            using var device = new FileStream(host.Resolve($"/dev/{name}"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
            var head = new byte[FilesystemSuperblock.ProbeBytes];
            var read = device.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            return FilesystemSuperblock.Probe(head.AsSpan(0, read))?.Uuid;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
