using System.Buffers.Binary;

namespace Kdumpd.Core.Elf;

/// <summary>
/// What an ELF header (Elf32_Ehdr / Elf64_Ehdr) says, in either byte order, before the program header
/// table is read. Callers that read from a span (<see cref="ElfCoreHeader.Read"/>) and callers that read
/// bounded pieces of a large file (the vmcore reader) decode every field here.
/// </summary>
public readonly record struct ElfFileHeader(
    ElfClass Class,
    bool BigEndian,
    ushort Type,
    ushort Machine,
    uint Flags,
    ulong ProgramHeaderOffset,
    ulong SectionHeaderOffset,
    int ProgramHeaderCountField)
{
    /// <summary>Enough bytes for either class's header.</summary>
    public const int MaxSize = 64;

    public bool Is64 => Class == ElfClass.Elf64;

    /// <summary>e_phnum is PN_XNUM: the real count is section header 0's sh_info (<see cref="ReadExtendedCount"/>).</summary>
    public bool HasExtendedCount => ProgramHeaderCountField == ElfConstants.PnXnum;

    public int ProgramHeaderSize => ElfCoreHeader.PhdrSize(Class);

    public int SectionHeaderSize => ElfCoreHeader.ShdrSize(Class);

    /// <summary>Where e_phnum sits, for errors about the count.</summary>
    public int CountFieldOffset => Is64 ? ElfHeaderFields.Elf64.PhNum : ElfHeaderFields.Elf32.PhNum;

    /// <summary>Where e_shoff sits, for errors about section header 0.</summary>
    public int SectionOffsetFieldOffset => Is64 ? ElfHeaderFields.Elf64.ShOff : ElfHeaderFields.Elf32.ShOff;

    public static bool HasSignature(ReadOnlySpan<byte> start) => start.Length >= 4 && start[..4].SequenceEqual("\u007fELF"u8);

    /// <summary>
    /// Decodes and checks the identification and header fields found in <paramref name="data"/>;
    /// <paramref name="littleEndianOnly"/> refuses a big-endian image (the headers kdumpd plans are little-endian).
    /// </summary>
    public static ElfFileHeader Read(ReadOnlySpan<byte> data, string file, bool littleEndianOnly = false)
    {
        if (data.Length < 16 || !HasSignature(data))
        {
            throw new InvalidFormatException(file, 0, "not an ELF image (no \\x7fELF magic)");
        }

        var elfClass = data[ElfHeaderFields.Class] switch
        {
            1 => ElfClass.Elf32,
            2 => ElfClass.Elf64,
            var other => throw new InvalidFormatException(file, ElfHeaderFields.Class, $"unknown ELF class {other}"),
        };
        var bigEndian = data[ElfHeaderFields.Data] switch
        {
            1 => false,
            2 => true,
            var other => throw new InvalidFormatException(file, ElfHeaderFields.Data, $"EI_DATA {other} is neither little nor big endian"),
        };
        if (bigEndian && littleEndianOnly)
        {
            throw new InvalidFormatException(file, ElfHeaderFields.Data, $"byte order {data[ElfHeaderFields.Data]} is not little-endian");
        }

        var ehdrSize = ElfCoreHeader.EhdrSize(elfClass);
        if (data.Length < ehdrSize)
        {
            throw new InvalidFormatException(file, data.Length, $"ELF header needs {ehdrSize} bytes, only {data.Length} present");
        }

        var is64 = elfClass == ElfClass.Elf64;
        var fields = new Fields(bigEndian);
        var header = new ElfFileHeader(
            elfClass,
            bigEndian,
            fields.U16(data[ElfHeaderFields.Type..]),
            fields.U16(data[ElfHeaderFields.Machine..]),
            fields.U32(data[(is64 ? ElfHeaderFields.Elf64.Flags : ElfHeaderFields.Elf32.Flags)..]),
            is64 ? fields.U64(data[ElfHeaderFields.Elf64.PhOff..]) : fields.U32(data[ElfHeaderFields.Elf32.PhOff..]),
            is64 ? fields.U64(data[ElfHeaderFields.Elf64.ShOff..]) : fields.U32(data[ElfHeaderFields.Elf32.ShOff..]),
            fields.U16(data[(is64 ? ElfHeaderFields.Elf64.PhNum : ElfHeaderFields.Elf32.PhNum)..]));
        var phentsizeAt = is64 ? ElfHeaderFields.Elf64.PhEntSize : ElfHeaderFields.Elf32.PhEntSize;
        var phentsize = fields.U16(data[phentsizeAt..]);
        if (header.ProgramHeaderCountField != 0 && phentsize != header.ProgramHeaderSize)
        {
            throw new InvalidFormatException(file, phentsizeAt, $"e_phentsize is {phentsize}, expected {header.ProgramHeaderSize}");
        }

        return header;
    }

    /// <summary>The program header count held in section header 0's sh_info (PN_XNUM).</summary>
    public long ReadExtendedCount(ReadOnlySpan<byte> sectionHeader0) =>
        new Fields(BigEndian).U32(sectionHeader0[(Is64 ? SectionHeaderFields.Elf64.Info : SectionHeaderFields.Elf32.Info)..]);

    /// <summary>Decodes one table entry of <see cref="ProgramHeaderSize"/> bytes.</summary>
    public ProgramHeader ReadProgramHeader(ReadOnlySpan<byte> e)
    {
        var f = new Fields(BigEndian);
        return Is64
            ? new(
                f.U32(e[ProgramHeaderFields.Elf64.Type..]),
                f.U32(e[ProgramHeaderFields.Elf64.Flags..]),
                f.U64(e[ProgramHeaderFields.Elf64.Offset..]),
                f.U64(e[ProgramHeaderFields.Elf64.VAddr..]),
                f.U64(e[ProgramHeaderFields.Elf64.PAddr..]),
                f.U64(e[ProgramHeaderFields.Elf64.FileSz..]),
                f.U64(e[ProgramHeaderFields.Elf64.MemSz..]),
                f.U64(e[ProgramHeaderFields.Elf64.Align..]))
            : new(
                f.U32(e[ProgramHeaderFields.Elf32.Type..]),
                f.U32(e[ProgramHeaderFields.Elf32.Flags..]),
                f.U32(e[ProgramHeaderFields.Elf32.Offset..]),
                f.U32(e[ProgramHeaderFields.Elf32.VAddr..]),
                f.U32(e[ProgramHeaderFields.Elf32.PAddr..]),
                f.U32(e[ProgramHeaderFields.Elf32.FileSz..]),
                f.U32(e[ProgramHeaderFields.Elf32.MemSz..]),
                f.U32(e[ProgramHeaderFields.Elf32.Align..]));
    }

    /// <summary>Reads fields in the file's byte order.</summary>
    internal readonly record struct Fields(bool BigEndian)
    {
        public ushort U16(ReadOnlySpan<byte> s) => BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(s) : BinaryPrimitives.ReadUInt16LittleEndian(s);

        public uint U32(ReadOnlySpan<byte> s) => BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s);

        public ulong U64(ReadOnlySpan<byte> s) => BigEndian ? BinaryPrimitives.ReadUInt64BigEndian(s) : BinaryPrimitives.ReadUInt64LittleEndian(s);
    }
}
