namespace Kdumpd.Core.Elf;

/// <summary>The few ELF numbers a core header needs (include/uapi/linux/elf.h).</summary>
public static class ElfConstants
{
    public const ushort EtCore = 4;
    public const uint PtLoad = 1;
    public const uint PtNote = 4;
    public const uint PfX = 1;
    public const uint PfW = 2;
    public const uint PfR = 4;
    public const ushort EmI386 = 3;
    public const ushort EmPpc64 = 21;
    public const ushort EmX8664 = 62;
    public const ushort EmAarch64 = 183;

    /// <summary>e_phnum value meaning "the real count is in section header 0's sh_info".</summary>
    public const ushort PnXnum = 0xffff;

    public const uint NtPrstatus = 1;
    public const byte ElfData2Lsb = 1;
    public const byte EvCurrent = 1;
    public const byte ElfOsAbiNone = 0;
}

public enum ElfClass : byte
{
    Elf32 = 1,
    Elf64 = 2,
}
