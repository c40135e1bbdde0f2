using System.Buffers.Binary;
using System.Text;

namespace Kdumpd.Core.Elf;

/// <summary>
/// What the dynamic loader needs to run an ELF64 executable or shared object: its interpreter
/// (PT_INTERP) and the libraries it names (DT_NEEDED), read from PT_DYNAMIC through the string table
/// that DT_STRTAB points at (a virtual address, mapped to a file offset through the PT_LOADs).
/// A static binary has neither.
/// </summary>
public sealed record ElfDynamicInfo(string? Interpreter, IReadOnlyList<string> Needed)
{
    private const uint PtDynamic = 2;
    private const uint PtInterp = 3;

    /// <summary>Elf64_Dyn: d_tag and d_val, 8 bytes each.</summary>
    private static class DynamicEntryFields
    {
        public const int Size = 16;
        public const int Tag = 0;
        public const int Value = 8;
    }

    private const long DtNull = 0;
    private const long DtNeeded = 1;
    private const long DtStrTab = 5;
    private const long DtStrSz = 10;

    /// <summary>Reads <paramref name="image"/> (the whole file) named <paramref name="file"/> in errors.</summary>
    public static ElfDynamicInfo Read(ReadOnlySpan<byte> image, string file)
    {
        var header = ElfCoreHeader.Read(image, file);
        if (header.Class != ElfClass.Elf64)
        {
            throw new InvalidFormatException(file, ElfHeaderFields.Class, "only ELF64 executables are supported");
        }

        string? interpreter = null;
        ProgramHeader? dynamic = null;
        foreach (var ph in header.ProgramHeaders)
        {
            if (ph.Type == PtInterp)
            {
                var bytes = Slice(image, ph.Offset, ph.FileSize, file, "PT_INTERP");
                var end = bytes.IndexOf((byte)0);
                interpreter = Encoding.UTF8.GetString(end < 0 ? bytes : bytes[..end]);
            }
            else if (ph.Type == PtDynamic)
            {
                dynamic = ph;
            }
        }

        if (dynamic is not { } dyn)
        {
            return new ElfDynamicInfo(interpreter, []);
        }

        var table = Slice(image, dyn.Offset, dyn.FileSize, file, "PT_DYNAMIC");
        var neededOffsets = new List<ulong>();
        ulong? strtab = null;
        ulong strsz = 0;
        for (var at = 0; at + DynamicEntryFields.Size <= table.Length; at += DynamicEntryFields.Size)
        {
            var tag = BinaryPrimitives.ReadInt64LittleEndian(table[(at + DynamicEntryFields.Tag)..]);
            var value = BinaryPrimitives.ReadUInt64LittleEndian(table[(at + DynamicEntryFields.Value)..]);
            if (tag == DtNull)
            {
                break;
            }

            switch (tag)
            {
                case DtNeeded:
                    neededOffsets.Add(value);
                    break;
                case DtStrTab:
                    strtab = value;
                    break;
                case DtStrSz:
                    strsz = value;
                    break;
            }
        }

        if (neededOffsets.Count == 0)
        {
            return new ElfDynamicInfo(interpreter, []);
        }

        if (strtab is not { } address)
        {
            throw new InvalidFormatException(file, (long)dyn.Offset, "PT_DYNAMIC names libraries but has no DT_STRTAB");
        }

        var strtabOffset = FileOffset(header, address) ?? throw new InvalidFormatException(file, (long)dyn.Offset, $"DT_STRTAB address 0x{address:x} lies in no PT_LOAD");
        var strings = Slice(image, strtabOffset, strsz, file, "DT_STRTAB");
        var needed = new List<string>(neededOffsets.Count);
        foreach (var offset in neededOffsets)
        {
            if (offset >= (ulong)strings.Length)
            {
                throw new InvalidFormatException(file, (long)strtabOffset, $"DT_NEEDED string offset {offset} is past the {strings.Length}-byte string table");
            }

            var rest = strings[(int)offset..];
            var end = rest.IndexOf((byte)0);
            needed.Add(Encoding.UTF8.GetString(end < 0 ? rest : rest[..end]));
        }

        return new ElfDynamicInfo(interpreter, needed);
    }

    private static ulong? FileOffset(ElfCoreHeader header, ulong address)
    {
        foreach (var ph in header.ProgramHeaders)
        {
            if (ph.IsLoad && address >= ph.VirtualAddress && address - ph.VirtualAddress < ph.FileSize)
            {
                return ph.Offset + (address - ph.VirtualAddress);
            }
        }

        return null;
    }

    private static ReadOnlySpan<byte> Slice(ReadOnlySpan<byte> image, ulong offset, ulong length, string file, string what)
    {
        if (offset > (ulong)image.Length || length > (ulong)image.Length - offset)
        {
            throw new InvalidFormatException(file, (long)Math.Min(offset, long.MaxValue), $"{what} ({length} bytes at offset {offset}) runs past the end of the {image.Length}-byte file");
        }

        return image.Slice((int)offset, (int)length);
    }
}
