namespace Kdumpd.Core.Dumps.Memory;

/// <summary>
/// x86_64 translation as the kernel lays it out: the kernel image at __START_KERNEL_map is
/// linear (physical = virtual - __START_KERNEL_map + phys_base, phys_base from
/// NUMBER(phys_base), negative under KASLR); everything else (direct map, vmalloc, modules)
/// goes through the page tables rooted at init_top_pgt, 4 or 5 levels
/// (NUMBER(pgtable_l5_enabled)), with 1 GiB and 2 MiB pages, the SME bit masked off.
/// </summary>
public sealed class X8664Translator : IAddressTranslator
{
    public const ulong StartKernelMap = 0xffff_ffff_8000_0000;

    private const ulong Present = 1UL << 0;
    private const ulong LargePage = 1UL << 7;
    private const ulong PhysicalMask = 0x000f_ffff_ffff_f000;

    private readonly PageCache _pages;
    private readonly long _physBase;
    private readonly ulong _imageSize;
    private readonly ulong _rootPhysical;
    private readonly ulong _entryMask;

    private X8664Translator(PageCache pages, long physBase, ulong imageSize, ulong rootPhysical, int levels, ulong entryMask)
    {
        _pages = pages;
        _physBase = physBase;
        _imageSize = imageSize;
        _rootPhysical = rootPhysical;
        Levels = levels;
        _entryMask = entryMask;
    }

    /// <summary>4 or 5.</summary>
    public int Levels { get; }

    public static X8664Translator Create(VmcoreInfo info, ulong? headerPhysBase, PageCache pages)
    {
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(pages);
        var root = info.Symbol("init_top_pgt") ?? info.Symbol("init_level4_pgt") ?? info.Symbol("swapper_pg_dir")
            ?? throw new UnsupportedTranslationException("VMCOREINFO has no SYMBOL(init_top_pgt), SYMBOL(init_level4_pgt) or SYMBOL(swapper_pg_dir): no page-table root");
        var physBase = info.Number("phys_base") ?? (long)(headerPhysBase ?? 0);
        var imageSize = info.Number("KERNEL_IMAGE_SIZE") is { } s and > 0 ? (ulong)s : 1UL << 30;
        var levels = info.Number("pgtable_l5_enabled") is 1 ? 5 : 4;
        var sme = info.Number("sme_mask") is { } m and > 0 ? (ulong)m : 0;
        if (root < StartKernelMap || root - StartKernelMap >= imageSize)
        {
            throw new UnsupportedTranslationException($"page-table root 0x{root:x} is outside the kernel image mapping");
        }

        return new X8664Translator(pages, physBase, imageSize, unchecked(root - StartKernelMap + (ulong)physBase), levels, PhysicalMask & ~sme);
    }

    public bool TryTranslate(ulong vaddr, out ulong paddr)
    {
        if (vaddr >= StartKernelMap && vaddr - StartKernelMap < _imageSize)
        {
            paddr = unchecked(vaddr - StartKernelMap + (ulong)_physBase);
            return true;
        }

        return TryWalk(vaddr, out paddr);
    }

    /// <summary>The page-table walk alone (tests check it agrees with the linear kernel-image rule).</summary>
    public bool TryWalk(ulong vaddr, out ulong paddr)
    {
        paddr = 0;
        var table = _rootPhysical;
        for (var level = Levels; level >= 1; level--)
        {
            var shift = 12 + (9 * (level - 1));
            var index = (vaddr >> shift) & 0x1ff;
            if (!_pages.TryReadU64(table + (index * 8), out var entry) || (entry & Present) == 0)
            {
                return false;
            }

            // PUD (level 3) and PMD (level 2) entries with PS map 1 GiB and 2 MiB pages.
            if (level is 2 or 3 && (entry & LargePage) != 0)
            {
                var size = 1UL << shift;
                paddr = (entry & _entryMask & ~(size - 1)) + (vaddr & (size - 1));
                return true;
            }

            table = entry & _entryMask;
        }

        paddr = table + (vaddr & 0xfff);
        return true;
    }
}
