namespace Kdumpd.Core.Elf;

/// <summary>One program header, class-neutral (ELF32 values must fit 32 bits when written).</summary>
public readonly record struct ProgramHeader(
    uint Type,
    uint Flags,
    ulong Offset,
    ulong VirtualAddress,
    ulong PhysicalAddress,
    ulong FileSize,
    ulong MemorySize,
    ulong Align)
{
    public bool IsLoad => Type == ElfConstants.PtLoad;

    public bool IsNote => Type == ElfConstants.PtNote;
}
