using Kdumpd.Core.Elf;

namespace Kdumpd.Core.Dumps.Memory;

/// <summary>
/// The dumped machine's physical memory, page by page, whatever the container. A page the dump
/// does not hold (excluded by the dump level, a hole, past a truncation) reads as absent, which
/// is not an error: the caller decides what a missing page means. A page that is there but
/// corrupt throws <see cref="InvalidFormatException"/> naming the file offset.
/// </summary>
public interface IPhysicalMemory
{
    string Name { get; }

    int PageSize { get; }

    /// <summary>Copies page <paramref name="pfn"/> into <paramref name="page"/> (PageSize bytes); false when the dump does not hold it.</summary>
    bool TryReadPage(ulong pfn, Span<byte> page);
}
