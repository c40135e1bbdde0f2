using System.Buffers.Binary;

namespace Kdumpd.Core.Initrd;

/// <summary>A filesystem (or LUKS container) recognised on a block device by its superblock, and its UUID.</summary>
public sealed record FilesystemSignature(string Type, string Uuid);

/// <summary>
/// Reads filesystem UUIDs from the first 68 KiB of a block device, the way blkid does for the few types a
/// dump target can have, so the capture initrd finds the target without udev: ext2/3/4 (superblock at
/// 1024), XFS (at 0), btrfs (at 64 KiB), and LUKS (to say "encrypted" instead of "not found").
/// </summary>
public static class FilesystemSuperblock
{
    /// <summary>Bytes to read from the start of the device.</summary>
    public const int ProbeBytes = BtrfsFields.Superblock + BtrfsFields.Magic + 8;

    private static class ExtFields
    {
        public const int Superblock = 1024;
        public const int Magic = 0x38;
        public const int Uuid = 0x68;
        public const ushort MagicValue = 0xEF53;
    }

    private static class XfsFields
    {
        public const int Uuid = 32;
    }

    private static class BtrfsFields
    {
        public const int Superblock = 0x10000;
        public const int Fsid = 0x20;
        public const int Magic = 0x40;
    }

    private static class LuksFields
    {
        public const int Uuid = 168;
        public const int UuidLength = 40;
    }

    private static ReadOnlySpan<byte> XfsMagic => "XFSB"u8;

    private static ReadOnlySpan<byte> BtrfsMagic => "_BHRfS_M"u8;

    private static ReadOnlySpan<byte> LuksMagic => [(byte)'L', (byte)'U', (byte)'K', (byte)'S', 0xBA, 0xBE];

    /// <summary>The signature in <paramref name="head"/> (the device's first bytes), or null when none is known.</summary>
    public static FilesystemSignature? Probe(ReadOnlySpan<byte> head)
    {
        if (head.Length >= LuksMagic.Length && head.StartsWith(LuksMagic))
        {
            var uuid = head.Length >= LuksFields.Uuid + LuksFields.UuidLength ? head.Slice(LuksFields.Uuid, LuksFields.UuidLength) : [];
            var end = uuid.IndexOf((byte)0);
            return new FilesystemSignature("crypto_LUKS", System.Text.Encoding.ASCII.GetString(end < 0 ? uuid : uuid[..end]));
        }

        if (head.Length >= XfsFields.Uuid + 16 && head.StartsWith(XfsMagic))
        {
            return new FilesystemSignature("xfs", Format(head.Slice(XfsFields.Uuid, 16)));
        }

        if (head.Length >= ExtFields.Superblock + ExtFields.Uuid + 16
            && BinaryPrimitives.ReadUInt16LittleEndian(head[(ExtFields.Superblock + ExtFields.Magic)..]) == ExtFields.MagicValue)
        {
            return new FilesystemSignature("ext4", Format(head.Slice(ExtFields.Superblock + ExtFields.Uuid, 16)));
        }

        if (head.Length >= ProbeBytes && head.Slice(BtrfsFields.Superblock + BtrfsFields.Magic, 8).SequenceEqual(BtrfsMagic))
        {
            return new FilesystemSignature("btrfs", Format(head.Slice(BtrfsFields.Superblock + BtrfsFields.Fsid, 16)));
        }

        return null;
    }

    /// <summary>The 8-4-4-4-12 lower-case form blkid and /dev/disk/by-uuid use.</summary>
    public static string Format(ReadOnlySpan<byte> uuid)
    {
        var hex = Convert.ToHexStringLower(uuid);
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..32]}";
    }
}
