using System.Buffers.Binary;

namespace Kdumpd.Core.Elf;

public sealed partial record ElfCoreHeader
{
    /// <summary>Bytes the header takes: Ehdr, the program headers, and with PN_XNUM one section header.</summary>
    public static long GetSize(ElfClass elfClass, int programHeaderCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(programHeaderCount);
        long size = EhdrSize(elfClass) + ((long)programHeaderCount * PhdrSize(elfClass));
        return programHeaderCount >= ElfConstants.PnXnum ? size + ShdrSize(elfClass) : size;
    }

    public byte[] ToArray()
    {
        var bytes = new byte[checked((int)GetSize(Class, ProgramHeaders.Length))];
        Write(bytes, Class, Machine, ProgramHeaders.AsSpan());
        return bytes;
    }

    /// <summary>
    /// Writes a little-endian ET_CORE header into <paramref name="destination"/> (which must hold
    /// <see cref="GetSize"/> bytes); returns the bytes written.
    /// </summary>
    public static int Write(Span<byte> destination, ElfClass elfClass, ushort machine, ReadOnlySpan<ProgramHeader> headers)
    {
        var size = checked((int)GetSize(elfClass, headers.Length));
        if (destination.Length < size)
        {
            throw new ArgumentException($"destination holds {destination.Length} bytes, the header needs {size}", nameof(destination));
        }

        var span = destination[..size];
        span.Clear();
        var is64 = elfClass == ElfClass.Elf64;
        var ehdrSize = EhdrSize(elfClass);
        var phdrSize = PhdrSize(elfClass);

        // Beyond 65534 headers e_phnum says PN_XNUM and section header 0 carries the real count
        // in sh_info, as Linux's binfmt_elf fill_extnum_info writes it.
        var extended = headers.Length >= ElfConstants.PnXnum;
        var phnum = extended ? ElfConstants.PnXnum : (ushort)headers.Length;
        var shoff = extended ? (ulong)(ehdrSize + ((long)headers.Length * phdrSize)) : 0;

        "\u007fELF"u8.CopyTo(span);
        span[ElfHeaderFields.Class] = (byte)elfClass;
        span[ElfHeaderFields.Data] = ElfConstants.ElfData2Lsb;
        span[ElfHeaderFields.IdentVersion] = ElfConstants.EvCurrent;
        span[ElfHeaderFields.OsAbi] = ElfConstants.ElfOsAbiNone;
        BinaryPrimitives.WriteUInt16LittleEndian(span[ElfHeaderFields.Type..], ElfConstants.EtCore);
        BinaryPrimitives.WriteUInt16LittleEndian(span[ElfHeaderFields.Machine..], machine);
        BinaryPrimitives.WriteUInt32LittleEndian(span[ElfHeaderFields.Version..], ElfConstants.EvCurrent);
        if (is64)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(span[ElfHeaderFields.Elf64.PhOff..], (ulong)ehdrSize);
            BinaryPrimitives.WriteUInt64LittleEndian(span[ElfHeaderFields.Elf64.ShOff..], shoff);
            BinaryPrimitives.WriteUInt16LittleEndian(span[ElfHeaderFields.Elf64.EhSize..], (ushort)ehdrSize);
            BinaryPrimitives.WriteUInt16LittleEndian(span[ElfHeaderFields.Elf64.PhEntSize..], (ushort)phdrSize);
            BinaryPrimitives.WriteUInt16LittleEndian(span[ElfHeaderFields.Elf64.PhNum..], phnum);
            if (extended)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(span[ElfHeaderFields.Elf64.ShEntSize..], (ushort)SectionHeaderFields.Elf64.Size);
                BinaryPrimitives.WriteUInt16LittleEndian(span[ElfHeaderFields.Elf64.ShNum..], 1);
            }
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(span[ElfHeaderFields.Elf32.PhOff..], (uint)ehdrSize);
            BinaryPrimitives.WriteUInt32LittleEndian(span[ElfHeaderFields.Elf32.ShOff..], checked((uint)shoff));
            BinaryPrimitives.WriteUInt16LittleEndian(span[ElfHeaderFields.Elf32.EhSize..], (ushort)ehdrSize);
            BinaryPrimitives.WriteUInt16LittleEndian(span[ElfHeaderFields.Elf32.PhEntSize..], (ushort)phdrSize);
            BinaryPrimitives.WriteUInt16LittleEndian(span[ElfHeaderFields.Elf32.PhNum..], phnum);
            if (extended)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(span[ElfHeaderFields.Elf32.ShEntSize..], (ushort)SectionHeaderFields.Elf32.Size);
                BinaryPrimitives.WriteUInt16LittleEndian(span[ElfHeaderFields.Elf32.ShNum..], 1);
            }
        }

        var offset = ehdrSize;
        foreach (ref readonly var header in headers)
        {
            var entry = span.Slice(offset, phdrSize);
            if (is64)
            {
                WritePhdr64(entry, header);
            }
            else
            {
                WritePhdr32(entry, header);
            }

            offset += phdrSize;
        }

        if (extended)
        {
            var shdr = span[offset..];
            if (is64)
            {
                // sh_size would hold a real e_shnum overflow; we have one section, so it stays 0 like sh_link (SHN_UNDEF).
                BinaryPrimitives.WriteUInt32LittleEndian(shdr[SectionHeaderFields.Elf64.Info..], (uint)headers.Length);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(shdr[SectionHeaderFields.Elf32.Info..], (uint)headers.Length);
            }
        }

        return size;
    }

    private static void WritePhdr64(Span<byte> entry, in ProgramHeader h)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(entry[ProgramHeaderFields.Elf64.Type..], h.Type);
        BinaryPrimitives.WriteUInt32LittleEndian(entry[ProgramHeaderFields.Elf64.Flags..], h.Flags);
        BinaryPrimitives.WriteUInt64LittleEndian(entry[ProgramHeaderFields.Elf64.Offset..], h.Offset);
        BinaryPrimitives.WriteUInt64LittleEndian(entry[ProgramHeaderFields.Elf64.VAddr..], h.VirtualAddress);
        BinaryPrimitives.WriteUInt64LittleEndian(entry[ProgramHeaderFields.Elf64.PAddr..], h.PhysicalAddress);
        BinaryPrimitives.WriteUInt64LittleEndian(entry[ProgramHeaderFields.Elf64.FileSz..], h.FileSize);
        BinaryPrimitives.WriteUInt64LittleEndian(entry[ProgramHeaderFields.Elf64.MemSz..], h.MemorySize);
        BinaryPrimitives.WriteUInt64LittleEndian(entry[ProgramHeaderFields.Elf64.Align..], h.Align);
    }

    private static void WritePhdr32(Span<byte> entry, in ProgramHeader h)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(entry[ProgramHeaderFields.Elf32.Type..], h.Type);
        BinaryPrimitives.WriteUInt32LittleEndian(entry[ProgramHeaderFields.Elf32.Offset..], Narrow(h.Offset, "p_offset"));
        BinaryPrimitives.WriteUInt32LittleEndian(entry[ProgramHeaderFields.Elf32.VAddr..], Narrow(h.VirtualAddress, "p_vaddr"));
        BinaryPrimitives.WriteUInt32LittleEndian(entry[ProgramHeaderFields.Elf32.PAddr..], Narrow(h.PhysicalAddress, "p_paddr"));
        BinaryPrimitives.WriteUInt32LittleEndian(entry[ProgramHeaderFields.Elf32.FileSz..], Narrow(h.FileSize, "p_filesz"));
        BinaryPrimitives.WriteUInt32LittleEndian(entry[ProgramHeaderFields.Elf32.MemSz..], Narrow(h.MemorySize, "p_memsz"));
        BinaryPrimitives.WriteUInt32LittleEndian(entry[ProgramHeaderFields.Elf32.Flags..], h.Flags);
        BinaryPrimitives.WriteUInt32LittleEndian(entry[ProgramHeaderFields.Elf32.Align..], Narrow(h.Align, "p_align"));
    }

    private static uint Narrow(ulong value, string field)
    {
        // kexec-tools marks i386 highmem p_vaddr as -1; keep that one all-ones value, refuse everything else that does not fit.
        if (value == ulong.MaxValue)
        {
            return uint.MaxValue;
        }

        return value <= uint.MaxValue
            ? (uint)value
            : throw new ArgumentOutOfRangeException(field, $"{field} 0x{value:x} does not fit an ELF32 header");
    }
}
