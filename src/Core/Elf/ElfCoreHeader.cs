using System.Collections.Immutable;

namespace Kdumpd.Core.Elf;

/// <summary>
/// The ELF header and program headers of a core image (a kdump elfcorehdr, /proc/vmcore, /proc/kcore).
/// Split like System.Formats.Tar's TarHeader: this file holds the shape, .Read.cs and .Write.cs the directions.
/// </summary>
public sealed partial record ElfCoreHeader(ElfClass Class, ushort Type, ushort Machine, ImmutableArray<ProgramHeader> ProgramHeaders)
{
    public static int EhdrSize(ElfClass elfClass) => elfClass == ElfClass.Elf64 ? ElfHeaderFields.Elf64.Size : ElfHeaderFields.Elf32.Size;

    public static int PhdrSize(ElfClass elfClass) => elfClass == ElfClass.Elf64 ? ProgramHeaderFields.Elf64.Size : ProgramHeaderFields.Elf32.Size;

    public static int ShdrSize(ElfClass elfClass) => elfClass == ElfClass.Elf64 ? SectionHeaderFields.Elf64.Size : SectionHeaderFields.Elf32.Size;
}
