using Kdumpd.Core.Elf;

namespace Kdumpd.Core.Dumps;

/// <summary>What a dump's ELF notes say: one NT_PRSTATUS per CPU and the VMCOREINFO text.</summary>
public sealed record ElfNoteSummary(int PrStatusCount, VmcoreInfo? VmcoreInfo, int NoteCount);

/// <summary>
/// Sums up a dump's ELF note segment (walked by <see cref="ElfNote.ReadAll"/>): /proc/vmcore's
/// PT_NOTE and the note copy inside kdump-compressed files.
/// </summary>
public static class ElfNotes
{
    /// <summary>A note segment larger than this is not one the kernel writes; it is read up to this bound.</summary>
    public const int MaxNoteBytes = 4 << 20;

    public static ElfNoteSummary Parse(ReadOnlySpan<byte> notes, bool bigEndian, string file, long fileOffset)
    {
        var prstatus = 0;
        VmcoreInfo? info = null;
        var all = ElfNote.ReadAll(notes, file, fileOffset, bigEndian);
        foreach (var note in all)
        {
            if (note.Type == ElfConstants.NtPrstatus && note.Name == "CORE")
            {
                prstatus++;
            }
            else if (note.Name == "VMCOREINFO" && info is null)
            {
                info = VmcoreInfo.Parse(note.Description(notes));
            }
        }

        return new ElfNoteSummary(prstatus, info, all.Count);
    }
}
