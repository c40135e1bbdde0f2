using System.Buffers.Binary;
using System.Text;

namespace Kdumpd.Core.Dumps;

/// <summary>What a dump's ELF notes say: one NT_PRSTATUS per CPU and the VMCOREINFO text.</summary>
public sealed record ElfNoteSummary(int PrStatusCount, VmcoreInfo? VmcoreInfo, int NoteCount);

/// <summary>
/// Walks an ELF note segment (namesz, descsz, type, name, desc, each padded to 4 bytes). Used for
/// /proc/vmcore's PT_NOTE and for the note copy inside kdump-compressed files.
/// </summary>
public static class ElfNotes
{
    /// <summary>A note segment larger than this is not one the kernel writes; it is read up to this bound.</summary>
    public const int MaxNoteBytes = 4 << 20;

    public const uint NtPrStatus = 1;

    public static ElfNoteSummary Parse(ReadOnlySpan<byte> notes, bool bigEndian, string file, long fileOffset)
    {
        var prstatus = 0;
        var count = 0;
        VmcoreInfo? info = null;
        var pos = 0;
        while (pos + 12 <= notes.Length)
        {
            var namesz = ReadU32(notes[pos..], bigEndian);
            var descsz = ReadU32(notes[(pos + 4)..], bigEndian);
            var type = ReadU32(notes[(pos + 8)..], bigEndian);
            if (namesz == 0 && descsz == 0 && type == 0)
            {
                break; // zero padding after the last note
            }

            var nameStart = (long)pos + 12;
            var descStart = nameStart + Align4(namesz);
            var next = descStart + Align4(descsz);
            if (next > notes.Length)
            {
                throw new InvalidDumpException(file, fileOffset + pos, $"note {count}: name size {namesz} and descriptor size {descsz} run past the note segment ({notes.Length} bytes)");
            }

            var name = notes.Slice((int)nameStart, (int)namesz);
            var nameText = Encoding.ASCII.GetString(name.TrimEnd((byte)0));
            var desc = notes.Slice((int)descStart, (int)descsz);
            if (type == NtPrStatus && nameText == "CORE")
            {
                prstatus++;
            }
            else if (nameText == "VMCOREINFO" && info is null)
            {
                info = VmcoreInfo.Parse(desc);
            }

            count++;
            pos = (int)next;
        }

        return new ElfNoteSummary(prstatus, info, count);
    }

    private static long Align4(uint v) => ((long)v + 3) & ~3L;

    private static uint ReadU32(ReadOnlySpan<byte> s, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s);
}
