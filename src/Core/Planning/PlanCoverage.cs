using System.Collections.Immutable;
using Kdumpd.Core.Elf;

namespace Kdumpd.Core.Planning;

/// <summary>
/// Holds a plan against the PT_LOADs of a dump or a loaded header: which planned physical memory is
/// missing from it, and which memory it has that the plan did not promise. Only physical ranges count:
/// /proc/vmcore rewrites p_offset, and the kernel text mapping (a second view of RAM) is left out on both sides.
/// </summary>
public sealed record PlanCoverage(ImmutableArray<PhysRange> Missing, ImmutableArray<PhysRange> Unplanned)
{
    public bool IsComplete => Missing.IsEmpty;

    public bool IsExact => Missing.IsEmpty && Unplanned.IsEmpty;

    public static PlanCoverage Check(CrashPlan plan, IEnumerable<ProgramHeader> headers)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(headers);
        var planned = new List<PhysRange>(plan.Loads.Length);
        foreach (var load in plan.Loads)
        {
            if (load.Kind != LoadKind.KernelText)
            {
                planned.Add(load.Range);
            }
        }

        // Only profiles with a kernel text mapping have a text PT_LOAD; i386 highmem's p_vaddr of all ones is RAM.
        var textBase = plan.Profile.KernelTextMapBase;
        var present = new List<PhysRange>();
        foreach (var h in headers)
        {
            if (h.IsLoad && h.MemorySize > 0 && !(textBase is { } b && h.VirtualAddress >= b))
            {
                present.Add(new PhysRange(h.PhysicalAddress, h.PhysicalAddress + h.MemorySize));
            }
        }

        var plannedSet = Normalize(planned);
        var presentSet = Normalize(present);
        return new PlanCoverage(Subtract(plannedSet, presentSet), Subtract(presentSet, plannedSet));
    }

    /// <summary>Sorted, with touching or overlapping ranges joined.</summary>
    private static List<PhysRange> Normalize(List<PhysRange> ranges)
    {
        ranges.Sort((a, b) => a.Start.CompareTo(b.Start));
        var merged = new List<PhysRange>(ranges.Count);
        foreach (var r in ranges)
        {
            if (merged.Count > 0 && r.Start <= merged[^1].End)
            {
                merged[^1] = merged[^1] with { End = Math.Max(merged[^1].End, r.End) };
            }
            else
            {
                merged.Add(r);
            }
        }

        return merged;
    }

    private static ImmutableArray<PhysRange> Subtract(List<PhysRange> from, List<PhysRange> remove)
    {
        var result = ImmutableArray.CreateBuilder<PhysRange>();
        var j = 0;
        foreach (var r in from)
        {
            while (j < remove.Count && remove[j].End <= r.Start)
            {
                j++;
            }

            var cursor = r.Start;
            for (var k = j; k < remove.Count && remove[k].Start < r.End; k++)
            {
                if (remove[k].Start > cursor)
                {
                    result.Add(new PhysRange(cursor, remove[k].Start));
                }

                cursor = Math.Max(cursor, remove[k].End);
            }

            if (cursor < r.End)
            {
                result.Add(new PhysRange(cursor, r.End));
            }
        }

        return result.ToImmutable();
    }
}
