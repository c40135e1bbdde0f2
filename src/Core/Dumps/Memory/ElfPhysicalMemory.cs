namespace Kdumpd.Core.Dumps.Memory;

/// <summary>Physical memory of an ELF vmcore: each PT_LOAD maps [p_paddr, +p_memsz) to p_offset; bytes past p_filesz read as zero.</summary>
public sealed class ElfPhysicalMemory : IPhysicalMemory
{
    private readonly IDumpSource _source;
    private readonly VmcoreLoad[] _loads;

    public ElfPhysicalMemory(IDumpSource source, IReadOnlyList<VmcoreLoad> loads, int pageSize)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(loads);
        _source = source;
        _loads = loads.Where(l => l.MemorySize > 0).OrderBy(l => l.PhysicalAddress).ToArray();
        PageSize = pageSize;
    }

    public string Name => _source.Name;

    public int PageSize { get; }

    public bool TryReadPage(ulong pfn, Span<byte> page)
    {
        var start = pfn * (ulong)PageSize;
        var end = start + (ulong)PageSize;
        page = page[..PageSize];
        var covered = start; // loads are sorted; /proc/vmcore's kernel-text PT_LOAD overlaps a RAM one
        page.Clear();
        foreach (var load in _loads)
        {
            var from = Math.Max(start, load.PhysicalAddress);
            var to = Math.Min(end, load.PhysicalAddress + load.MemorySize);
            if (from >= to)
            {
                continue;
            }

            if (from <= covered)
            {
                covered = Math.Max(covered, to);
            }

            var inLoad = from - load.PhysicalAddress;
            if (inLoad >= load.FileSize)
            {
                continue;
            }

            var fileBytes = Math.Min(to - from, load.FileSize - inLoad);
            var fileOffset = load.FileOffset + inLoad;
            var target = page.Slice((int)(from - start), (int)fileBytes);
            if (fileOffset > (ulong)_source.Length || (ulong)target.Length > (ulong)_source.Length - fileOffset)
            {
                return false; // cut off: the file ends before this segment's data
            }

            _source.ReadExactly((long)fileOffset, target, $"PT_LOAD data for physical 0x{from:x}");
        }

        return covered >= end;
    }
}
