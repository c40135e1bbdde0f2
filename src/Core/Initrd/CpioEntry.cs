namespace Kdumpd.Core.Initrd;

public enum CpioEntryKind
{
    Directory,
    File,
    Symlink,
    CharDevice,
}

/// <summary>
/// One member of an initramfs: a path without a leading slash ("usr/lib/x.so"), its kind, permission
/// bits, and its content (file bytes, or the link target for a symlink). Device numbers are for
/// <see cref="CpioEntryKind.CharDevice"/> only.
/// </summary>
public sealed record CpioEntry(string Path, CpioEntryKind Kind, uint Permissions, ReadOnlyMemory<byte> Content, uint DeviceMajor = 0, uint DeviceMinor = 0)
{
    public static CpioEntry Directory(string path, uint permissions = 0x1ED) => new(path, CpioEntryKind.Directory, permissions, ReadOnlyMemory<byte>.Empty);

    public static CpioEntry File(string path, ReadOnlyMemory<byte> content, uint permissions = 0x1A4) => new(path, CpioEntryKind.File, permissions, content);

    public static CpioEntry Symlink(string path, string target) => new(path, CpioEntryKind.Symlink, 0x1FF, System.Text.Encoding.UTF8.GetBytes(target));

    public static CpioEntry CharDevice(string path, uint major, uint minor, uint permissions = 0x180) => new(path, CpioEntryKind.CharDevice, permissions, ReadOnlyMemory<byte>.Empty, major, minor);
}
