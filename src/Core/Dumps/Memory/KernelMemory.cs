using System.Buffers.Binary;

namespace Kdumpd.Core.Dumps.Memory;

/// <summary>A kernel virtual address the dump cannot give: unmapped, or its page was not saved.</summary>
public sealed class MemoryNotInDumpException(string what, ulong vaddr, string why)
    : Exception($"{what} at 0x{vaddr:x}: {why}")
{
    public ulong VirtualAddress { get; } = vaddr;
}

/// <summary>Reads the dumped kernel's virtual memory: translate, then read page by page through the cache.</summary>
public sealed class KernelMemory
{
    private readonly PageCache _pages;
    private readonly IAddressTranslator _translator;

    public KernelMemory(PageCache pages, IAddressTranslator translator)
    {
        ArgumentNullException.ThrowIfNull(pages);
        ArgumentNullException.ThrowIfNull(translator);
        _pages = pages;
        _translator = translator;
    }

    public PageCache Pages => _pages;

    /// <summary>Fills <paramref name="buffer"/> from <paramref name="vaddr"/> or throws <see cref="MemoryNotInDumpException"/> naming <paramref name="what"/>.</summary>
    public void Read(ulong vaddr, Span<byte> buffer, string what)
    {
        var pageSize = (ulong)_pages.PageSize;
        var done = 0;
        while (done < buffer.Length)
        {
            var va = vaddr + (ulong)done;
            if (!_translator.TryTranslate(va, out var pa))
            {
                throw new MemoryNotInDumpException(what, va, "not mapped, or its page table is not in the dump");
            }

            var page = _pages.Page(pa) ?? throw new MemoryNotInDumpException(what, va, $"physical page 0x{pa & ~(pageSize - 1):x} is not in the dump");
            var at = (int)(pa % pageSize);
            var n = Math.Min(buffer.Length - done, page.Length - at);
            page.AsSpan(at, n).CopyTo(buffer[done..]);
            done += n;
        }
    }

    public ulong ReadU64(ulong vaddr, string what)
    {
        Span<byte> b = stackalloc byte[8];
        Read(vaddr, b, what);
        return BinaryPrimitives.ReadUInt64LittleEndian(b);
    }

    public uint ReadU32(ulong vaddr, string what)
    {
        Span<byte> b = stackalloc byte[4];
        Read(vaddr, b, what);
        return BinaryPrimitives.ReadUInt32LittleEndian(b);
    }
}
