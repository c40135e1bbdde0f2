namespace Kdumpd.Core.Elf;

/// <summary>Field offsets of Elf32_Ehdr / Elf64_Ehdr (the first 16 bytes, e_ident, are shared).</summary>
internal static class ElfHeaderFields
{
    public const int Magic = 0;
    public const int Class = 4;
    public const int Data = 5;
    public const int IdentVersion = 6;
    public const int OsAbi = 7;
    public const int Type = 16;
    public const int Machine = 18;
    public const int Version = 20;
    public const int Entry = 24;

    public static class Elf64
    {
        public const int Size = 64;
        public const int PhOff = 32;
        public const int ShOff = 40;
        public const int Flags = 48;
        public const int EhSize = 52;
        public const int PhEntSize = 54;
        public const int PhNum = 56;
        public const int ShEntSize = 58;
        public const int ShNum = 60;
        public const int ShStrNdx = 62;
    }

    public static class Elf32
    {
        public const int Size = 52;
        public const int PhOff = 28;
        public const int ShOff = 32;
        public const int Flags = 36;
        public const int EhSize = 40;
        public const int PhEntSize = 42;
        public const int PhNum = 44;
        public const int ShEntSize = 46;
        public const int ShNum = 48;
        public const int ShStrNdx = 50;
    }
}

/// <summary>Field offsets of Elf64_Phdr and Elf32_Phdr (the two orders differ: p_flags moves).</summary>
internal static class ProgramHeaderFields
{
    public static class Elf64
    {
        public const int Size = 56;
        public const int Type = 0;
        public const int Flags = 4;
        public const int Offset = 8;
        public const int VAddr = 16;
        public const int PAddr = 24;
        public const int FileSz = 32;
        public const int MemSz = 40;
        public const int Align = 48;
    }

    public static class Elf32
    {
        public const int Size = 32;
        public const int Type = 0;
        public const int Offset = 4;
        public const int VAddr = 8;
        public const int PAddr = 12;
        public const int FileSz = 16;
        public const int MemSz = 20;
        public const int Flags = 24;
        public const int Align = 28;
    }
}

/// <summary>Section header fields we touch: only section 0, which carries the PN_XNUM overflow counts.</summary>
internal static class SectionHeaderFields
{
    public static class Elf64
    {
        public const int Size = 64;
        public const int Link = 40;
        public const int Info = 44;
    }

    public static class Elf32
    {
        public const int Size = 40;
        public const int Link = 24;
        public const int Info = 28;
    }
}
