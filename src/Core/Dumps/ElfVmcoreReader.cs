using System.Buffers.Binary;

namespace Kdumpd.Core.Dumps;

/// <summary>
/// Reads the ELF header, program headers and PT_NOTE segments of a vmcore (ELF32/ELF64, either
/// byte order) with bounded reads: a vmcore's size never changes how much is read here.
/// </summary>
public static class ElfVmcoreReader
{
    /// <summary>More program headers than this is not a vmcore any kernel writes.</summary>
    public const int MaxProgramHeaders = 1 << 16;

    private const uint PtLoad = 1;
    private const uint PtNote = 4;
    private const ushort EtCore = 4;
    private const ushort PnXnum = 0xffff;

    /// <summary>Field offsets of Elf32_Ehdr / Elf64_Ehdr after e_ident.</summary>
    private static class Ehdr
    {
        public const int Type = 16;
        public const int Machine = 18;
        public const int Phoff64 = 32, Shoff64 = 40, Flags64 = 48, Phentsize64 = 54, Phnum64 = 56, Size64 = 64;
        public const int Phoff32 = 28, Shoff32 = 32, Flags32 = 36, Phentsize32 = 42, Phnum32 = 44, Size32 = 52;
    }

    /// <summary>Field offsets of Elf32_Phdr / Elf64_Phdr.</summary>
    private static class Phdr
    {
        public const int Size64 = 56, Offset64 = 8, Vaddr64 = 16, Paddr64 = 24, Filesz64 = 32, Memsz64 = 40;
        public const int Size32 = 32, Offset32 = 4, Vaddr32 = 8, Paddr32 = 12, Filesz32 = 16, Memsz32 = 20;
    }

    public static bool HasSignature(ReadOnlySpan<byte> start) =>
        start.Length >= 4 && start[0] == 0x7f && start[1] == (byte)'E' && start[2] == (byte)'L' && start[3] == (byte)'F';

    public static ElfVmcoreHeader Read(IDumpSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var file = source.Name;
        Span<byte> eh = stackalloc byte[Ehdr.Size64];
        var got = source.ReadAtMost(0, eh);
        if (got < Ehdr.Size32 || !HasSignature(eh))
        {
            throw new InvalidDumpException(file, 0, "not an ELF file (no \\x7fELF signature or shorter than an ELF header)");
        }

        var is64 = eh[4] switch
        {
            1 => false,
            2 => true,
            _ => throw new InvalidDumpException(file, 4, $"EI_CLASS {eh[4]} is neither ELFCLASS32 nor ELFCLASS64"),
        };
        var be = eh[5] switch
        {
            1 => false,
            2 => true,
            _ => throw new InvalidDumpException(file, 5, $"EI_DATA {eh[5]} is neither little nor big endian"),
        };
        if (is64 && got < Ehdr.Size64)
        {
            throw new InvalidDumpException(file, got, "ELF64 header truncated");
        }

        var type = U16(eh[Ehdr.Type..], be);
        if (type != EtCore)
        {
            throw new InvalidDumpException(file, Ehdr.Type, $"e_type {type} is not ET_CORE (4)");
        }

        var machine = U16(eh[Ehdr.Machine..], be);
        var phoff = is64 ? U64(eh[Ehdr.Phoff64..], be) : U32(eh[Ehdr.Phoff32..], be);
        var shoff = is64 ? U64(eh[Ehdr.Shoff64..], be) : U32(eh[Ehdr.Shoff32..], be);
        var flags = U32(eh[(is64 ? Ehdr.Flags64 : Ehdr.Flags32)..], be);
        var phentsize = U16(eh[(is64 ? Ehdr.Phentsize64 : Ehdr.Phentsize32)..], be);
        long phnum = U16(eh[(is64 ? Ehdr.Phnum64 : Ehdr.Phnum32)..], be);
        var entry = is64 ? Phdr.Size64 : Phdr.Size32;
        if (phentsize != entry)
        {
            throw new InvalidDumpException(file, is64 ? Ehdr.Phentsize64 : Ehdr.Phentsize32, $"e_phentsize {phentsize}, expected {entry}");
        }

        if (phnum == PnXnum)
        {
            // More than 65534 headers: the real count is sh_info of section header 0.
            phnum = ReadExtendedPhnum(source, shoff, is64, be);
        }

        if (phnum is 0 or > MaxProgramHeaders)
        {
            throw new InvalidDumpException(file, is64 ? Ehdr.Phnum64 : Ehdr.Phnum32, $"e_phnum {phnum} is outside 1..{MaxProgramHeaders}");
        }

        var tableBytes = phnum * entry;
        if (phoff > (ulong)source.Length || (ulong)tableBytes > (ulong)source.Length - phoff)
        {
            throw new InvalidDumpException(file, (long)Math.Min(phoff, long.MaxValue), $"program header table ({phnum} x {entry} bytes at {phoff}) runs past the end of the file ({source.Length} bytes)");
        }

        var table = new byte[tableBytes];
        source.ReadExactly((long)phoff, table, "program header table");
        var loads = new List<VmcoreLoad>();
        var noteBudget = ElfNotes.MaxNoteBytes;
        var prstatus = 0;
        var noteCount = 0;
        VmcoreInfo? info = null;
        ulong dataEnd = 0;
        for (var i = 0; i < phnum; i++)
        {
            var ph = table.AsSpan(i * entry, entry);
            var ptype = U32(ph, be);
            var offset = is64 ? U64(ph[Phdr.Offset64..], be) : U32(ph[Phdr.Offset32..], be);
            var vaddr = is64 ? U64(ph[Phdr.Vaddr64..], be) : U32(ph[Phdr.Vaddr32..], be);
            var paddr = is64 ? U64(ph[Phdr.Paddr64..], be) : U32(ph[Phdr.Paddr32..], be);
            var filesz = is64 ? U64(ph[Phdr.Filesz64..], be) : U32(ph[Phdr.Filesz32..], be);
            var memsz = is64 ? U64(ph[Phdr.Memsz64..], be) : U32(ph[Phdr.Memsz32..], be);
            var phOffset = (long)phoff + ((long)i * entry);
            if (filesz > ulong.MaxValue - offset)
            {
                throw new InvalidDumpException(file, phOffset, $"program header {i}: p_offset {offset} + p_filesz {filesz} overflows");
            }

            dataEnd = Math.Max(dataEnd, offset + filesz);
            if (ptype == PtLoad)
            {
                loads.Add(new VmcoreLoad(paddr, vaddr, offset, filesz, memsz));
            }
            else if (ptype == PtNote && filesz > 0)
            {
                if (filesz > (ulong)noteBudget)
                {
                    throw new InvalidDumpException(file, phOffset, $"program header {i}: PT_NOTE of {filesz} bytes exceeds the {ElfNotes.MaxNoteBytes}-byte bound");
                }

                if (offset > (ulong)source.Length || filesz > (ulong)source.Length - offset)
                {
                    throw new InvalidDumpException(file, phOffset, $"program header {i}: PT_NOTE at {offset} ({filesz} bytes) runs past the end of the file ({source.Length} bytes)");
                }

                noteBudget -= (int)filesz;
                var notes = new byte[filesz];
                source.ReadExactly((long)offset, notes, $"PT_NOTE {i}");
                var summary = ElfNotes.Parse(notes, be, file, (long)offset);
                prstatus += summary.PrStatusCount;
                noteCount += summary.NoteCount;
                info ??= summary.VmcoreInfo;
            }
        }

        return new ElfVmcoreHeader(is64, be, machine, flags, loads, new ElfNoteSummary(prstatus, info, noteCount), dataEnd, source.Length);
    }

    private static long ReadExtendedPhnum(IDumpSource source, ulong shoff, bool is64, bool be)
    {
        if (shoff == 0 || shoff > long.MaxValue)
        {
            throw new InvalidDumpException(source.Name, is64 ? Ehdr.Shoff64 : Ehdr.Shoff32, "e_phnum is PN_XNUM but there is no section header 0 to hold the count");
        }

        Span<byte> sh = stackalloc byte[64];
        var size = is64 ? 64 : 40;
        source.ReadExactly((long)shoff, sh[..size], "section header 0 (extended program header count)");
        return U32(sh[(is64 ? 44 : 28)..], be);
    }

    private static ushort U16(ReadOnlySpan<byte> s, bool be) => be ? BinaryPrimitives.ReadUInt16BigEndian(s) : BinaryPrimitives.ReadUInt16LittleEndian(s);

    private static uint U32(ReadOnlySpan<byte> s, bool be) => be ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s);

    private static ulong U64(ReadOnlySpan<byte> s, bool be) => be ? BinaryPrimitives.ReadUInt64BigEndian(s) : BinaryPrimitives.ReadUInt64LittleEndian(s);
}
