using Kdumpd.Core.Dumps;
using Kdumpd.Core.Elf;

namespace Kdumpd.Core.Catalog;

/// <summary>
/// Does a dump hold the memory a plan said the panic kernel should dump? ELF dumps answer from
/// their PT_LOADs (physical ranges), kdump-compressed dumps from the 1st bitmap (pages present in
/// the dumped machine). Pages makedumpfile filtered out (-d) still count as covered: they were
/// there and excluded on purpose.
/// </summary>
public static class DumpCoverage
{
    /// <summary>
    /// The physical ranges a generation's stored ELF core header (the elfcorehdr it loaded) promises:
    /// its PT_LOADs. The kernel text PT_LOAD is a second view of RAM already in the list, so it changes nothing.
    /// An unreadable header promises nothing.
    /// </summary>
    public static IReadOnlyList<PhysicalRange> PromisedBy(ReadOnlySpan<byte> elfCoreHeader)
    {
        try
        {
            return [.. ElfCoreHeader.Read(elfCoreHeader, "stored ELF core header").ProgramHeaders
                .Where(h => h.IsLoad && h.MemorySize > 0)
                .Select(h => new PhysicalRange(h.PhysicalAddress, h.MemorySize))];
        }
        catch (InvalidFormatException)
        {
            return [];
        }
    }

    /// <summary>Reads the vmcore beneath <paramref name="dumpDirectory"/> only, as a regular file (<see cref="ConfinedFile"/>).</summary>
    public static bool? Evaluate(string dumpDirectory, string vmcorePath, IReadOnlyList<PhysicalRange> plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        try
        {
            using var confined = ConfinedFile.Open(dumpDirectory, vmcorePath);
            using var file = FileDumpSource.Over(confined);
            var header = DumpProbe.Probe(file);
            if (header.Elf is { } elf)
            {
                return CoveredByLoads(elf.Loads, plan);
            }

            if (header.Kdump is { } kdump)
            {
                IDumpSource source = header.Format == DumpFormat.FlattenedKdump ? FlattenedView.Open(file) : file;
                foreach (var range in plan)
                {
                    var answer = KdumpBitmaps.CoversPhysicalRange(source, kdump, range.Start, range.Size);
                    if (answer is not true)
                    {
                        return answer;
                    }
                }

                return true;
            }

            return null;
        }
        catch (InvalidFormatException)
        {
            return null;
        }
        catch (IOException)
        {
            return null; // gone, or not a regular file beneath the dump directory: never read
        }
    }

    /// <summary>True when every plan range lies inside the union of the PT_LOADs' physical ranges.</summary>
    public static bool CoveredByLoads(IReadOnlyList<VmcoreLoad> loads, IReadOnlyList<PhysicalRange> plan)
    {
        ArgumentNullException.ThrowIfNull(loads);
        ArgumentNullException.ThrowIfNull(plan);
        var intervals = loads.Where(l => l.MemorySize > 0)
            .Select(l => (Start: l.PhysicalAddress, End: l.PhysicalAddress + Math.Min(l.MemorySize, ulong.MaxValue - l.PhysicalAddress)))
            .OrderBy(i => i.Start).ToList();
        var merged = new List<(ulong Start, ulong End)>();
        foreach (var i in intervals)
        {
            if (merged.Count > 0 && i.Start <= merged[^1].End)
            {
                merged[^1] = (merged[^1].Start, Math.Max(merged[^1].End, i.End));
            }
            else
            {
                merged.Add(i);
            }
        }

        foreach (var r in plan)
        {
            if (r.Size == 0)
            {
                continue;
            }

            var end = r.Start + r.Size;
            if (end < r.Start || !merged.Any(m => m.Start <= r.Start && end <= m.End))
            {
                return false;
            }
        }

        return true;
    }
}
