using System.Buffers.Binary;
using System.Collections.Immutable;

namespace Kdumpd.Core.Elf;

public sealed partial record ElfCoreHeader
{
    /// <summary>
    /// Reads the ELF header and program headers from the start of a core image. Everything must lie
    /// inside <paramref name="data"/>: callers pass a bounded prefix, never a length taken from the file.
    /// </summary>
    public static ElfCoreHeader Read(ReadOnlySpan<byte> data, string file)
    {
        if (data.Length < 16 || !data[..4].SequenceEqual("\u007fELF"u8))
        {
            throw new InvalidElfException(file, 0, "not an ELF image (no \\x7fELF magic)");
        }

        var elfClass = data[ElfHeaderFields.Class] switch
        {
            1 => ElfClass.Elf32,
            2 => ElfClass.Elf64,
            var other => throw new InvalidElfException(file, ElfHeaderFields.Class, $"unknown ELF class {other}"),
        };
        if (data[ElfHeaderFields.Data] != ElfConstants.ElfData2Lsb)
        {
            throw new InvalidElfException(file, ElfHeaderFields.Data, $"byte order {data[ElfHeaderFields.Data]} is not little-endian");
        }

        var is64 = elfClass == ElfClass.Elf64;
        var ehdrSize = EhdrSize(elfClass);
        if (data.Length < ehdrSize)
        {
            throw new InvalidElfException(file, data.Length, $"ELF header needs {ehdrSize} bytes, only {data.Length} present");
        }

        var type = BinaryPrimitives.ReadUInt16LittleEndian(data[ElfHeaderFields.Type..]);
        var machine = BinaryPrimitives.ReadUInt16LittleEndian(data[ElfHeaderFields.Machine..]);
        ulong phoff, shoff;
        int phentsize, phnumField;
        if (is64)
        {
            phoff = BinaryPrimitives.ReadUInt64LittleEndian(data[ElfHeaderFields.Elf64.PhOff..]);
            shoff = BinaryPrimitives.ReadUInt64LittleEndian(data[ElfHeaderFields.Elf64.ShOff..]);
            phentsize = BinaryPrimitives.ReadUInt16LittleEndian(data[ElfHeaderFields.Elf64.PhEntSize..]);
            phnumField = BinaryPrimitives.ReadUInt16LittleEndian(data[ElfHeaderFields.Elf64.PhNum..]);
        }
        else
        {
            phoff = BinaryPrimitives.ReadUInt32LittleEndian(data[ElfHeaderFields.Elf32.PhOff..]);
            shoff = BinaryPrimitives.ReadUInt32LittleEndian(data[ElfHeaderFields.Elf32.ShOff..]);
            phentsize = BinaryPrimitives.ReadUInt16LittleEndian(data[ElfHeaderFields.Elf32.PhEntSize..]);
            phnumField = BinaryPrimitives.ReadUInt16LittleEndian(data[ElfHeaderFields.Elf32.PhNum..]);
        }

        var phdrSize = PhdrSize(elfClass);
        if (phnumField != 0 && phentsize != phdrSize)
        {
            throw new InvalidElfException(file, is64 ? ElfHeaderFields.Elf64.PhEntSize : ElfHeaderFields.Elf32.PhEntSize, $"e_phentsize is {phentsize}, expected {phdrSize}");
        }

        long count = phnumField;
        if (phnumField == ElfConstants.PnXnum)
        {
            // The real count sits in section header 0's sh_info.
            var shdrSize = ShdrSize(elfClass);
            if (shoff == 0 || shoff > (ulong)data.Length || (ulong)data.Length - shoff < (ulong)shdrSize)
            {
                throw new InvalidElfException(file, (long)Math.Min(shoff, long.MaxValue), "e_phnum is PN_XNUM but section header 0 is not inside the data");
            }

            var infoOffset = (int)shoff + (is64 ? SectionHeaderFields.Elf64.Info : SectionHeaderFields.Elf32.Info);
            count = BinaryPrimitives.ReadUInt32LittleEndian(data[infoOffset..]);
        }

        if (phoff > (ulong)data.Length || (ulong)count * (ulong)phdrSize > (ulong)data.Length - phoff)
        {
            throw new InvalidElfException(file, (long)Math.Min(phoff, long.MaxValue), $"{count} program headers at offset {phoff} run past the {data.Length} bytes read");
        }

        var headers = ImmutableArray.CreateBuilder<ProgramHeader>((int)count);
        var offset = (int)phoff;
        for (var i = 0; i < count; i++, offset += phdrSize)
        {
            var entry = data.Slice(offset, phdrSize);
            headers.Add(is64 ? ReadPhdr64(entry) : ReadPhdr32(entry));
        }

        return new ElfCoreHeader(elfClass, type, machine, headers.MoveToImmutable());
    }

    private static ProgramHeader ReadPhdr64(ReadOnlySpan<byte> e) => new(
        BinaryPrimitives.ReadUInt32LittleEndian(e[ProgramHeaderFields.Elf64.Type..]),
        BinaryPrimitives.ReadUInt32LittleEndian(e[ProgramHeaderFields.Elf64.Flags..]),
        BinaryPrimitives.ReadUInt64LittleEndian(e[ProgramHeaderFields.Elf64.Offset..]),
        BinaryPrimitives.ReadUInt64LittleEndian(e[ProgramHeaderFields.Elf64.VAddr..]),
        BinaryPrimitives.ReadUInt64LittleEndian(e[ProgramHeaderFields.Elf64.PAddr..]),
        BinaryPrimitives.ReadUInt64LittleEndian(e[ProgramHeaderFields.Elf64.FileSz..]),
        BinaryPrimitives.ReadUInt64LittleEndian(e[ProgramHeaderFields.Elf64.MemSz..]),
        BinaryPrimitives.ReadUInt64LittleEndian(e[ProgramHeaderFields.Elf64.Align..]));

    private static ProgramHeader ReadPhdr32(ReadOnlySpan<byte> e) => new(
        BinaryPrimitives.ReadUInt32LittleEndian(e[ProgramHeaderFields.Elf32.Type..]),
        BinaryPrimitives.ReadUInt32LittleEndian(e[ProgramHeaderFields.Elf32.Flags..]),
        BinaryPrimitives.ReadUInt32LittleEndian(e[ProgramHeaderFields.Elf32.Offset..]),
        BinaryPrimitives.ReadUInt32LittleEndian(e[ProgramHeaderFields.Elf32.VAddr..]),
        BinaryPrimitives.ReadUInt32LittleEndian(e[ProgramHeaderFields.Elf32.PAddr..]),
        BinaryPrimitives.ReadUInt32LittleEndian(e[ProgramHeaderFields.Elf32.FileSz..]),
        BinaryPrimitives.ReadUInt32LittleEndian(e[ProgramHeaderFields.Elf32.MemSz..]),
        BinaryPrimitives.ReadUInt32LittleEndian(e[ProgramHeaderFields.Elf32.Align..]));
}
