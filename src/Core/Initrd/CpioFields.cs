namespace Kdumpd.Core.Initrd;

/// <summary>
/// The SVR4 "newc" cpio header the kernel's initramfs unpacker reads (init/initramfs.c): the magic
/// "070701" and thirteen 8-digit hexadecimal ASCII fields, 110 bytes in all, followed by the NUL-terminated
/// name padded to 4 bytes, then the data padded to 4 bytes.
/// </summary>
internal static class CpioFields
{
    public const int HeaderSize = 110;
    public const int FieldLength = 8;
    public const int Alignment = 4;

    public const int Magic = 0;
    public const int Inode = 6;
    public const int Mode = 14;
    public const int Uid = 22;
    public const int Gid = 30;
    public const int LinkCount = 38;
    public const int ModificationTime = 46;
    public const int FileSize = 54;
    public const int DevMajor = 62;
    public const int DevMinor = 70;
    public const int RdevMajor = 78;
    public const int RdevMinor = 86;
    public const int NameSize = 94;
    public const int Check = 102;

    public static ReadOnlySpan<byte> NewcMagic => "070701"u8;

    /// <summary>The last entry's name; the kernel stops reading one archive there (another may follow).</summary>
    public const string TrailerName = "TRAILER!!!";

    /// <summary>st_mode file type bits.</summary>
    public const uint TypeDirectory = 0x4000;
    public const uint TypeRegular = 0x8000;
    public const uint TypeSymlink = 0xA000;
    public const uint TypeCharDevice = 0x2000;
}
