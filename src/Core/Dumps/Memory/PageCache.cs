using System.Buffers.Binary;

namespace Kdumpd.Core.Dumps.Memory;

/// <summary>
/// Physical reads through a small cache of whole pages: page-table walks read the same few
/// pages again and again, and a record that straddles a page must not decompress it twice.
/// </summary>
public sealed class PageCache
{
    /// <summary>Pages kept (4 MiB of 4 KiB pages); when full the cache starts over.</summary>
    public const int MaxPages = 1024;

    private readonly IPhysicalMemory _memory;
    private readonly Dictionary<ulong, byte[]?> _pages = [];

    public PageCache(IPhysicalMemory memory)
    {
        ArgumentNullException.ThrowIfNull(memory);
        _memory = memory;
    }

    public IPhysicalMemory Memory => _memory;

    public int PageSize => _memory.PageSize;

    /// <summary>Pages decompressed or read since creation (bench, tests: "touches only the pages it needs").</summary>
    public int PagesRead { get; private set; }

    /// <summary>The page holding <paramref name="paddr"/>, or null when the dump does not hold it.</summary>
    public byte[]? Page(ulong paddr)
    {
        var pfn = paddr / (ulong)PageSize;
        if (_pages.TryGetValue(pfn, out var page))
        {
            return page;
        }

        if (_pages.Count >= MaxPages)
        {
            _pages.Clear();
        }

        page = new byte[PageSize];
        PagesRead++;
        if (!_memory.TryReadPage(pfn, page))
        {
            page = null;
        }

        _pages[pfn] = page;
        return page;
    }

    /// <summary>Reads a little-endian u64 that does not cross a page (page-table entries never do).</summary>
    public bool TryReadU64(ulong paddr, out ulong value)
    {
        value = 0;
        var page = Page(paddr);
        var at = (int)(paddr % (ulong)PageSize);
        if (page is null || at + 8 > page.Length)
        {
            return false;
        }

        value = BinaryPrimitives.ReadUInt64LittleEndian(page.AsSpan(at));
        return true;
    }
}
