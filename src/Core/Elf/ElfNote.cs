using System.Text;

namespace Kdumpd.Core.Elf;

/// <summary>One ELF note (Elf_Nhdr + name + desc, each padded to 4 bytes).</summary>
public sealed record ElfNote(string Name, uint Type, int DescriptionOffset, int DescriptionSize)
{
    /// <summary>
    /// Reads the notes in a PT_NOTE segment's bytes. Stops at a zero header (kdump's per-CPU buffers
    /// end that way); a note running past the data is an <see cref="InvalidFormatException"/>.
    /// </summary>
    public static IReadOnlyList<ElfNote> ReadAll(ReadOnlySpan<byte> data, string file, long baseOffset = 0, bool bigEndian = false)
    {
        var fields = new ElfFileHeader.Fields(bigEndian);
        var notes = new List<ElfNote>();
        var offset = 0;
        while (data.Length - offset >= 12)
        {
            var namesz = fields.U32(data[offset..]);
            var descsz = fields.U32(data[(offset + 4)..]);
            var type = fields.U32(data[(offset + 8)..]);
            if (namesz == 0 && descsz == 0 && type == 0)
            {
                break;
            }

            var nameStart = offset + 12;
            var nameLength = (long)Align4(namesz);
            var descStart = nameStart + nameLength;
            var end = descStart + (long)Align4(descsz);
            if (end > data.Length)
            {
                throw new InvalidFormatException(file, baseOffset + offset, $"note {notes.Count} (namesz {namesz}, descsz {descsz}) runs past the {data.Length} bytes of its segment");
            }

            var name = Encoding.ASCII.GetString(data.Slice(nameStart, (int)namesz)).TrimEnd('\0');
            notes.Add(new ElfNote(name, type, (int)descStart, (int)descsz));
            offset = (int)end;
        }

        return notes;
    }

    public ReadOnlySpan<byte> Description(ReadOnlySpan<byte> segment) => segment.Slice(DescriptionOffset, DescriptionSize);

    private static ulong Align4(uint value) => ((ulong)value + 3) & ~3UL;
}
