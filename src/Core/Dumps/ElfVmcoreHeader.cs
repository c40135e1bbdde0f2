namespace Kdumpd.Core.Dumps;

/// <summary>One PT_LOAD of a vmcore: physical memory [PhysicalAddress, +MemorySize) stored at FileOffset.</summary>
public sealed record VmcoreLoad(ulong PhysicalAddress, ulong VirtualAddress, ulong FileOffset, ulong FileSize, ulong MemorySize);

/// <summary>What the header of an ELF vmcore says (program headers and notes only).</summary>
public sealed record ElfVmcoreHeader(
    bool Is64Bit,
    bool BigEndian,
    ushort Machine,
    uint Flags,
    IReadOnlyList<VmcoreLoad> Loads,
    ElfNoteSummary Notes,
    ulong DataEnd,
    long FileLength)
{
    /// <summary>makedumpfile -E sets e_flags bit 0x1 (DUMP_ELF_INCOMPLETE) when it could not write every page.</summary>
    public const uint IncompleteFlag = 0x1;

    public bool IncompleteFlagSet => (Flags & IncompleteFlag) != 0;

    /// <summary>The file is shorter than the end of its last PT_LOAD: a copy cut short.</summary>
    public bool Truncated => DataEnd > (ulong)FileLength;
}
