using CsCheck;
using Kdumpd.Core.Elf;
using Kdumpd.Core.Host;
using Kdumpd.Core.Planning;

namespace Kdumpd.Core.Tests.Planning;

public class PlanPropertyTests
{
    public sealed record HostCase(List<(ulong Start, ulong End)> Ram, List<(ulong Start, ulong End)> Crash, int Cpus, ArchProfile Profile, PlanLayout Layout)
    {
        public HostSnapshot Snapshot() => SyntheticHost.Build(Ram, Crash, Cpus);

        public PlanOptions Options => new() { Layout = Layout, Profile = Profile };

        public override string ToString() =>
            $"{Layout} {Profile.Name} cpus={Cpus}\n{SyntheticHost.IomemText(Ram, Crash)}";
    }

    private static readonly Gen<HostCase> _hosts =
        from count in Gen.Int[1, 24]
        from first in Gen.Int[0, 0x800]
        from sizes in Gen.Int[1, 2048].Array[count]
        from gaps in Gen.Int[0, 48].Array[count]
        from crashCount in Gen.Int[0, 2]
        from picks in Gen.Int[0, int.MaxValue].Array[6]
        from cpus in Gen.Int[1, 8]
        from profile in Gen.Int[0, ArchProfile.All.Count - 1]
        from tools in Gen.Bool
        select Make(count, first, sizes, gaps, crashCount, picks, cpus, ArchProfile.All[profile], tools ? PlanLayout.KexecTools : PlanLayout.KexecFile);

    private static HostCase Make(int count, int first, int[] sizes, int[] gaps, int crashCount, int[] picks, int cpus, ArchProfile profile, PlanLayout layout)
    {
        // Ranges in 4 KiB pages from a 1 KiB-aligned start (real iomem has 0x9fc00-style ends), gaps may be 0.
        var ram = new List<(ulong, ulong)>();
        var cursor = (ulong)first * 0x400;
        for (var i = 0; i < count; i++)
        {
            var end = cursor + ((ulong)sizes[i] * 0x1000);
            ram.Add((cursor, end));
            cursor = end + ((ulong)gaps[i] * 0x1000);
        }

        var crash = new List<(ulong, ulong)>();
        var used = new HashSet<int>();
        for (var c = 0; c < crashCount; c++)
        {
            var index = picks[c * 3] % count;
            if (!used.Add(index))
            {
                continue;
            }

            var (s, e) = ram[index];
            var pages = (e - s) / 0x1000;
            var offset = (ulong)picks[(c * 3) + 1] % pages;
            var length = 1 + ((ulong)picks[(c * 3) + 2] % (pages - offset));
            crash.Add((s + (offset * 0x1000), s + ((offset + length) * 0x1000)));
        }

        return new HostCase(ram, crash, cpus, profile, layout);
    }

    [Fact]
    public void Ram_loads_never_overlap_never_touch_a_reservation_and_cover_exactly_ram_minus_exclusions()
    {
        _hosts.Sample(c =>
        {
            var plan = CrashPlanner.Plan(c.Snapshot(), c.Options);
            var loads = plan.Loads.Where(l => l.Kind != LoadKind.KernelText).Select(l => l.Range).ToList();

            loads.Should().BeInAscendingOrder(r => r.Start);
            loads.Zip(loads.Skip(1)).Should().OnlyContain(p => p.First.End <= p.Second.Start, "loads never overlap");
            foreach (var reservation in plan.Reservations)
            {
                loads.Should().NotContain(l => l.Overlaps(reservation), $"no load touches the reservation {reservation}");
            }

            // Independent check: cut the address space at every boundary and test each piece.
            var ram = c.Ram.Select(r => new PhysRange(r.Start, r.End)).ToList();
            var excluded = ExpectedExclusions(plan);
            var cuts = ram.SelectMany(r => new[] { r.Start, r.End })
                .Concat(excluded.SelectMany(r => new[] { r.Start, r.End }))
                .Concat(loads.SelectMany(r => new[] { r.Start, r.End }))
                .Distinct().Order().ToList();
            foreach (var (a, b) in cuts.Zip(cuts.Skip(1)))
            {
                var inRam = ram.Any(r => r.Start <= a && a < r.End);
                var isExcluded = excluded.Any(r => r.Start <= a && a < r.End);
                var covered = loads.Count(r => r.Start <= a && a < r.End);
                covered.Should().Be(inRam && !isExcluded ? 1 : 0, $"piece {a:x}-{b:x} (ram {inRam}, excluded {isExcluded})");
            }

            if (plan.Backup is { } backup)
            {
                foreach (var load in plan.Loads.Where(l => l.Kind == LoadKind.BackedUpRam))
                {
                    backup.Source.Contains(load.Range).Should().BeTrue();
                    load.Offset.Should().Be(backup.Destination + (load.PhysicalAddress - backup.Source.Start));
                }

                plan.Reservations.Should().Contain(r => r.Contains(new PhysRange(backup.Destination, backup.Destination + backup.ReservedSize)));
            }
        }, iter: 400);
    }

    [Fact]
    public void Same_input_gives_the_same_fingerprint_and_the_same_bytes()
    {
        _hosts.Sample(c =>
        {
            var first = CrashPlanner.Plan(c.Snapshot(), c.Options);
            var second = CrashPlanner.Plan(c.Snapshot(), c.Options);

            second.Fingerprint.Should().Be(first.Fingerprint).And.HaveLength(64);
            second.WriteHeader().Should().Equal(first.WriteHeader());
            ElfCoreHeader.Read(first.WriteHeader(), "plan").ProgramHeaders.Should().Equal(first.ProgramHeaders());
        }, iter: 200);
    }

    [Fact]
    public void Different_inputs_give_different_fingerprints()
    {
        _hosts.Sample(c =>
        {
            var plan = CrashPlanner.Plan(c.Snapshot(), c.Options);
            var otherLayout = CrashPlanner.Plan(c.Snapshot(), c.Options with { Layout = c.Layout == PlanLayout.KexecFile ? PlanLayout.KexecTools : PlanLayout.KexecFile });
            var otherCmdline = CrashPlanner.Plan(c.Snapshot(), c.Options with { CaptureCommandLine = "console=ttyS0 irqpoll" });
            var moreRam = c with { Ram = [.. c.Ram, (c.Ram[^1].End + 0x100000, c.Ram[^1].End + 0x200000)] };

            otherLayout.Fingerprint.Should().NotBe(plan.Fingerprint);
            otherCmdline.Fingerprint.Should().NotBe(plan.Fingerprint);
            CrashPlanner.Plan(moreRam.Snapshot(), c.Options).Fingerprint.Should().NotBe(plan.Fingerprint);
        }, iter: 50);
    }

    [Fact]
    public void Coverage_of_a_header_missing_one_load_names_exactly_that_range()
    {
        _hosts.Sample(c =>
        {
            var plan = CrashPlanner.Plan(c.Snapshot(), c.Options);
            var headers = plan.ProgramHeaders();
            PlanCoverage.Check(plan, headers).IsExact.Should().BeTrue();

            var ram = plan.Loads.Where(l => l.Kind != LoadKind.KernelText).ToList();
            if (ram.Count == 0)
            {
                return;
            }

            var dropped = ram[ram.Count / 2];
            var coverage = PlanCoverage.Check(plan, headers.Where(h => !(h.IsLoad && h.PhysicalAddress == dropped.PhysicalAddress && h.MemorySize == dropped.Size)));
            coverage.Missing.Should().Equal(dropped.Range);
            coverage.Unplanned.Should().BeEmpty();
        }, iter: 200);
    }

    /// <summary>What each layout leaves out, as docs/plan-layouts.md states it.</summary>
    private static List<PhysRange> ExpectedExclusions(CrashPlan plan)
    {
        var excluded = new List<PhysRange>(plan.Reservations);
        if (plan.Layout == PlanLayout.KexecFile && plan.Profile.KexecFileLowExclusion > 0)
        {
            excluded.Add(new PhysRange(0, plan.Profile.KexecFileLowExclusion));
        }

        if (plan.Header.Address != 0)
        {
            excluded.Add(new PhysRange(plan.Header.Address, plan.Header.Address + plan.Header.MemorySize));
        }

        if (plan.Backup is { } backup)
        {
            excluded.Add(new PhysRange(backup.Destination, backup.Destination + backup.ReservedSize));
        }

        return excluded;
    }
}
