using System.Buffers;
using System.Collections.Immutable;
using Kdumpd.Core.Elf;

namespace Kdumpd.Core.Planning;

public enum NoteKind
{
    CpuCrashNotes,
    VmcoreInfo,
}

/// <summary>A PT_NOTE: a CPU's crash_notes buffer or the VMCOREINFO note.</summary>
public readonly record struct PlannedNote(NoteKind Kind, int? Cpu, ulong Address, ulong Size);

public enum LoadKind
{
    /// <summary>System RAM, p_offset == p_paddr.</summary>
    Ram,

    /// <summary>Low RAM whose bytes are copied into the reservation at crash time: p_offset is the copy.</summary>
    BackedUpRam,

    /// <summary>The kernel text mapping: the same bytes as a piece of RAM, seen at the kernel's virtual address.</summary>
    KernelText,
}

/// <summary>A PT_LOAD.</summary>
public readonly record struct PlannedLoad(LoadKind Kind, ulong PhysicalAddress, ulong Size, ulong Offset, ulong VirtualAddress)
{
    public PhysRange Range => new(PhysicalAddress, PhysicalAddress + Size);
}

/// <summary>The backup region: <see cref="Source"/> is copied to <see cref="Destination"/> (top of the reservation) at crash time.</summary>
public sealed record BackupRegion(PhysRange Source, ulong Destination, ulong ReservedSize);

/// <summary>
/// Where the header itself goes in the reservation: <c>elfcorehdr=</c> is <see cref="Address"/>. Address 0 means
/// unplaced (no reservation, or it does not fit; a finding says which): reservations never start at 0.
/// </summary>
public sealed record HeaderSegment(ulong Address, ulong Size, ulong MemorySize, ElfClass Class, int ProgramHeaderCount)
{
    public bool IsPlaced => Address != 0;
}

public enum FindingSeverity
{
    Info,
    Warning,
    Error,
}

/// <summary>Something the operator should know: what is wrong, with numbers, and the fix.</summary>
public sealed record PlanFinding(FindingSeverity Severity, string Code, string Message);

/// <summary>
/// Everything decided before a crash: the notes and loads of the ELF core header, the backup region,
/// the header's own place in the reservation, the budget, the findings and the fingerprint of the inputs.
/// </summary>
public sealed record CrashPlan(
    PlanLayout Layout,
    ArchProfile Profile,
    string? KernelRelease,
    ImmutableArray<PhysRange> Reservations,
    ImmutableArray<PlannedNote> Notes,
    ImmutableArray<PlannedLoad> Loads,
    BackupRegion? Backup,
    HeaderSegment Header,
    ReservationBudget Budget,
    string CaptureCommandLine,
    ImmutableArray<PlanFinding> Findings,
    string Fingerprint)
{
    public bool HasErrors => Findings.Any(f => f.Severity == FindingSeverity.Error);

    public int ProgramHeaderCount => Notes.Length + Loads.Length;

    /// <summary>The program headers in header order: notes first, then loads (as both loaders write them).</summary>
    public ImmutableArray<ProgramHeader> ProgramHeaders()
    {
        var headers = ImmutableArray.CreateBuilder<ProgramHeader>(ProgramHeaderCount);
        foreach (var note in Notes)
        {
            headers.Add(ToHeader(note));
        }

        foreach (var load in Loads)
        {
            headers.Add(ToHeader(load));
        }

        return headers.MoveToImmutable();
    }

    /// <summary>The header bytes (<see cref="HeaderSegment.Size"/> long).</summary>
    public byte[] WriteHeader()
    {
        var bytes = new byte[checked((int)Header.Size)];
        WriteHeader(bytes);
        return bytes;
    }

    public int WriteHeader(Span<byte> destination)
    {
        // Rented: at thousands of ranges a fresh array would be one more large-object-heap allocation.
        var count = ProgramHeaderCount;
        var buffer = ArrayPool<ProgramHeader>.Shared.Rent(count);
        try
        {
            var i = 0;
            foreach (var note in Notes)
            {
                buffer[i++] = ToHeader(note);
            }

            foreach (var load in Loads)
            {
                buffer[i++] = ToHeader(load);
            }

            return ElfCoreHeader.Write(destination, Profile.Class, Profile.Machine, buffer.AsSpan(0, count));
        }
        finally
        {
            ArrayPool<ProgramHeader>.Shared.Return(buffer);
        }
    }

    private static ProgramHeader ToHeader(PlannedNote note) =>
        new(ElfConstants.PtNote, 0, note.Address, 0, note.Address, note.Size, note.Size, 0);

    private static ProgramHeader ToHeader(PlannedLoad load) =>
        new(ElfConstants.PtLoad, ElfConstants.PfR | ElfConstants.PfW | ElfConstants.PfX, load.Offset, load.VirtualAddress, load.PhysicalAddress, load.Size, load.Size, 0);
}
