using System.Collections.Immutable;

namespace Kdumpd.Core.Elf;

public sealed partial record ElfCoreHeader
{
    /// <summary>
    /// Reads the ELF header and program headers from the start of a core image. Everything must lie
    /// inside <paramref name="data"/>: callers pass a bounded prefix, never a length taken from the file.
    /// Core headers kdumpd plans and reads (elfcorehdr, /proc/kcore) are little-endian.
    /// </summary>
    public static ElfCoreHeader Read(ReadOnlySpan<byte> data, string file)
    {
        var ehdr = ElfFileHeader.Read(data, file, littleEndianOnly: true);
        long count = ehdr.ProgramHeaderCountField;
        if (ehdr.HasExtendedCount)
        {
            var shoff = ehdr.SectionHeaderOffset;
            if (shoff == 0 || shoff > (ulong)data.Length || (ulong)data.Length - shoff < (ulong)ehdr.SectionHeaderSize)
            {
                throw new InvalidFormatException(file, (long)Math.Min(shoff, long.MaxValue), "e_phnum is PN_XNUM but section header 0 is not inside the data");
            }

            count = ehdr.ReadExtendedCount(data[(int)shoff..]);
        }

        var phoff = ehdr.ProgramHeaderOffset;
        var phdrSize = ehdr.ProgramHeaderSize;
        if (phoff > (ulong)data.Length || (ulong)count * (ulong)phdrSize > (ulong)data.Length - phoff)
        {
            throw new InvalidFormatException(file, (long)Math.Min(phoff, long.MaxValue), $"{count} program headers at offset {phoff} run past the {data.Length} bytes read");
        }

        var headers = ImmutableArray.CreateBuilder<ProgramHeader>((int)count);
        var offset = (int)phoff;
        for (var i = 0; i < count; i++, offset += phdrSize)
        {
            headers.Add(ehdr.ReadProgramHeader(data.Slice(offset, phdrSize)));
        }

        return new ElfCoreHeader(ehdr.Class, ehdr.Type, ehdr.Machine, headers.MoveToImmutable());
    }
}
