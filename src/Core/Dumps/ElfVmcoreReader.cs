using Kdumpd.Core.Elf;

namespace Kdumpd.Core.Dumps;

/// <summary>
/// Reads the ELF header, program headers and PT_NOTE segments of a vmcore (ELF32/ELF64, either
/// byte order) with bounded reads: a vmcore's size never changes how much is read here. Every field
/// is decoded by Core/Elf (<see cref="ElfFileHeader"/>, <see cref="ElfNote"/>); this type adds the
/// bounds a file of any size needs.
/// </summary>
public static class ElfVmcoreReader
{
    /// <summary>More program headers than this is not a vmcore any kernel writes.</summary>
    public const int MaxProgramHeaders = 1 << 16;

    public static ElfVmcoreHeader Read(IDumpSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var file = source.Name;
        Span<byte> eh = stackalloc byte[ElfFileHeader.MaxSize];
        var got = source.ReadAtMost(0, eh);
        var ehdr = ElfFileHeader.Read(eh[..got], file);
        if (ehdr.Type != ElfConstants.EtCore)
        {
            throw new InvalidFormatException(file, 16, $"e_type {ehdr.Type} is not ET_CORE (4)");
        }

        long phnum = ehdr.ProgramHeaderCountField;
        if (ehdr.HasExtendedCount)
        {
            phnum = ReadExtendedPhnum(source, ehdr);
        }

        if (phnum is 0 or > MaxProgramHeaders)
        {
            throw new InvalidFormatException(file, ehdr.CountFieldOffset, $"e_phnum {phnum} is outside 1..{MaxProgramHeaders}");
        }

        var entry = ehdr.ProgramHeaderSize;
        var phoff = ehdr.ProgramHeaderOffset;
        var tableBytes = phnum * entry;
        if (phoff > (ulong)source.Length || (ulong)tableBytes > (ulong)source.Length - phoff)
        {
            throw new InvalidFormatException(file, (long)Math.Min(phoff, long.MaxValue), $"program header table ({phnum} x {entry} bytes at {phoff}) runs past the end of the file ({source.Length} bytes)");
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
            var ph = ehdr.ReadProgramHeader(table.AsSpan(i * entry, entry));
            var phOffset = (long)phoff + ((long)i * entry);
            if (ph.FileSize > ulong.MaxValue - ph.Offset)
            {
                throw new InvalidFormatException(file, phOffset, $"program header {i}: p_offset {ph.Offset} + p_filesz {ph.FileSize} overflows");
            }

            dataEnd = Math.Max(dataEnd, ph.Offset + ph.FileSize);
            if (ph.IsLoad)
            {
                loads.Add(new VmcoreLoad(ph.PhysicalAddress, ph.VirtualAddress, ph.Offset, ph.FileSize, ph.MemorySize));
            }
            else if (ph.IsNote && ph.FileSize > 0)
            {
                if (ph.FileSize > (ulong)noteBudget)
                {
                    throw new InvalidFormatException(file, phOffset, $"program header {i}: PT_NOTE of {ph.FileSize} bytes exceeds the {ElfNotes.MaxNoteBytes}-byte bound");
                }

                if (ph.Offset > (ulong)source.Length || ph.FileSize > (ulong)source.Length - ph.Offset)
                {
                    throw new InvalidFormatException(file, phOffset, $"program header {i}: PT_NOTE at {ph.Offset} ({ph.FileSize} bytes) runs past the end of the file ({source.Length} bytes)");
                }

                noteBudget -= (int)ph.FileSize;
                var notes = new byte[ph.FileSize];
                source.ReadExactly((long)ph.Offset, notes, $"PT_NOTE {i}");
                var summary = ElfNotes.Parse(notes, ehdr.BigEndian, file, (long)ph.Offset);
                prstatus += summary.PrStatusCount;
                noteCount += summary.NoteCount;
                info ??= summary.VmcoreInfo;
            }
        }

        return new ElfVmcoreHeader(ehdr.Is64, ehdr.BigEndian, ehdr.Machine, ehdr.Flags, loads, new ElfNoteSummary(prstatus, info, noteCount), dataEnd, source.Length);
    }

    private static long ReadExtendedPhnum(IDumpSource source, ElfFileHeader ehdr)
    {
        var shoff = ehdr.SectionHeaderOffset;
        if (shoff == 0 || shoff > long.MaxValue)
        {
            throw new InvalidFormatException(source.Name, ehdr.SectionOffsetFieldOffset, "e_phnum is PN_XNUM but there is no section header 0 to hold the count");
        }

        Span<byte> sh = stackalloc byte[ehdr.SectionHeaderSize];
        source.ReadExactly((long)shoff, sh, "section header 0 (extended program header count)");
        return ehdr.ReadExtendedCount(sh);
    }
}
