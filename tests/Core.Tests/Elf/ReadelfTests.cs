using Kdumpd.Core.Elf;
using Kdumpd.Core.Planning;

namespace Kdumpd.Core.Tests.Elf;

public class ReadelfTests
{
    public static TheoryData<string, string> HostsAndLayouts()
    {
        var data = new TheoryData<string, string>();
        foreach (var host in new[] { "qemu-6.1-1g-ck256", "qemu-6.1-hotplug-after-online", "qemu-6.1-cpuhp-after-online" })
        {
            data.Add(host, PlanLayoutNames.KexecFile);
            data.Add(host, PlanLayoutNames.KexecTools);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(HostsAndLayouts))]
    public void Readelf_lists_exactly_the_planned_segments(string host, string layoutName)
    {
        PlanLayoutNames.TryParse(layoutName, out var layout).Should().BeTrue();
        var plan = CrashPlanner.Plan(Fixtures.Snapshot(host), new PlanOptions { Layout = layout });

        var seen = ReadElf.Run(plan.WriteHeader());

        seen.Class.Should().Be("ELF64");
        seen.Type.Should().StartWith("CORE");
        seen.ProgramHeaderCount.Should().Be(plan.ProgramHeaderCount);
        seen.Segments.Should().Equal(plan.ProgramHeaders().Select(Expected));
    }

    [Fact]
    public void Readelf_reads_an_elf32_header_for_the_i386_profile()
    {
        var host = SyntheticHost.Build([(0x1000, 0x9f000), (0x100000, 0x40000000), (0x40000000, 0x80000000)], [(0x20000000, 0x30000000)], 4, release: "6.1.0-56-686-pae");
        var plan = CrashPlanner.Plan(host, new PlanOptions { Layout = PlanLayout.KexecTools });

        var seen = ReadElf.Run(plan.WriteHeader());

        plan.Profile.Should().Be(ArchProfile.I386);
        seen.Class.Should().Be("ELF32");
        seen.Segments.Should().Equal(plan.ProgramHeaders().Select(h => Expected(h with { VirtualAddress = h.VirtualAddress & uint.MaxValue })));
        plan.Loads.Should().Contain(l => l.VirtualAddress == ulong.MaxValue, "highmem has no direct mapping on i386");
        PlanCoverage.Check(plan, ElfCoreHeader.Read(plan.WriteHeader(), "i386").ProgramHeaders).IsExact.Should().BeTrue();
    }

    [Fact]
    public void Beyond_65535_program_headers_readelf_reads_the_count_from_section_header_0()
    {
        var host = SyntheticHost.Large(70_000, 4);
        var plan = CrashPlanner.Plan(host, new PlanOptions());
        var bytes = plan.WriteHeader();

        plan.ProgramHeaderCount.Should().BeGreaterThan(ElfConstants.PnXnum);
        BitConverter.ToUInt16(bytes, 56).Should().Be(ElfConstants.PnXnum);

        var seen = ReadElf.Run(bytes);

        seen.ProgramHeaderCount.Should().Be(plan.ProgramHeaderCount);
        seen.Segments.Should().HaveCount(plan.ProgramHeaderCount);
        seen.Segments[^1].Should().Be(Expected(plan.ProgramHeaders()[^1]));
        ElfCoreHeader.Read(bytes, "pn_xnum").ProgramHeaders.Should().Equal(plan.ProgramHeaders());
    }

    private static ReadElf.Segment Expected(ProgramHeader h) =>
        new(h.IsLoad ? "LOAD" : "NOTE", h.Offset, h.VirtualAddress, h.PhysicalAddress, h.FileSize, h.MemorySize);
}
