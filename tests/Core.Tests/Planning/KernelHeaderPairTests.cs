using Kdumpd.Core.Elf;
using Kdumpd.Core.Host;
using Kdumpd.Core.Planning;

namespace Kdumpd.Core.Tests.Planning;

/// <summary>
/// Every tests/data/hosts/*/kernel-header/ holds the first bytes of /proc/vmcore from the same boot as
/// the host tree, after the panic kernel was loaded with the layout named in its 'layout' file. Our plan
/// must promise the same memory, range for range.
/// </summary>
public class KernelHeaderPairTests
{
    public static TheoryData<string> Pairs()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.EnumerateDirectories(Fixtures.HostsDirectory).Order(StringComparer.Ordinal))
        {
            if (Directory.Exists(Path.Combine(dir, "kernel-header")))
            {
                data.Add(Path.GetFileName(dir));
            }
        }

        return data;
    }

    [Fact]
    public void At_least_the_kexec_file_pair_is_present() =>
        Pairs().Select(p => p.Data).Should().Contain("qemu-6.1-1g-ck256");

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Planned_loads_equal_the_kernels_header_range_for_range(string host)
    {
        var (snapshot, plan, kernel) = PlanPair(host, "kernel-header");
        var (kernelText, kernelRam) = SplitKernelText(kernel, plan.Profile);
        PlanCoverage.Check(plan, kernel.ProgramHeaders).IsExact.Should().BeTrue();

        plan.Loads.Where(l => l.Kind != LoadKind.KernelText).Select(l => (l.PhysicalAddress, l.Size))
            .Should().Equal(kernelRam.Select(p => (p.PhysicalAddress, p.MemorySize)));

        var plannedText = plan.Loads.Where(l => l.Kind == LoadKind.KernelText).ToList();
        if (plannedText.Count == 1)
        {
            // With kcore or kallsyms in the tree the kernel text load is planned and must match exactly.
            kernelText.Should().ContainSingle();
            (plannedText[0].PhysicalAddress, plannedText[0].VirtualAddress, plannedText[0].Size)
                .Should().Be((kernelText[0].PhysicalAddress, kernelText[0].VirtualAddress, kernelText[0].MemorySize));
        }
        else
        {
            // Without kcore/kallsyms the kernel text load cannot be planned: the documented exception.
            plan.Findings.Should().Contain(f => f.Code == "kernel-text-unknown");
            kernelText.Count.Should().BeLessThanOrEqualTo(1);
        }

        if (snapshot.Kcore is not null)
        {
            plan.Loads.Where(l => l.Kind != LoadKind.KernelText).Select(l => l.VirtualAddress)
                .Should().Equal(kernelRam.Select(p => p.VirtualAddress));
        }
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Planned_notes_match_the_kernels_merged_note(string host)
    {
        var (snapshot, plan, kernel) = PlanPair(host, "kernel-header");
        var bytes = File.ReadAllBytes(Path.Combine(Fixtures.HostPath(host), "kernel-header", "vmcore-head.bin"));

        // /proc/vmcore merges every PT_NOTE into one: count the notes inside it instead.
        var note = kernel.ProgramHeaders.Should().ContainSingle(p => p.IsNote).Which;
        var notes = ElfNote.ReadAll(bytes.AsSpan((int)note.Offset, (int)note.FileSize), "vmcore-head.bin", (long)note.Offset);
        var prstatus = notes.Count(n => n.Name == "CORE" && n.Type == ElfConstants.NtPrstatus);
        var vmcoreinfo = notes.Count(n => n.Name == "VMCOREINFO");

        // Every CPU that was online at the crash wrote one NT_PRSTATUS into its planned buffer.
        var cpuNotes = plan.Notes.Where(n => n.Kind == NoteKind.CpuCrashNotes).ToList();
        prstatus.Should().Be(cpuNotes.Count(n => snapshot.Cpus.Online.Contains(n.Cpu!.Value)));
        vmcoreinfo.Should().Be(plan.Notes.Count(n => n.Kind == NoteKind.VmcoreInfo)).And.Be(1);
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Elf_header_fields_equal_the_kernels_except_the_program_header_count(string host)
    {
        var (_, plan, _) = PlanPair(host, "kernel-header");
        var kernel = File.ReadAllBytes(Path.Combine(Fixtures.HostPath(host), "kernel-header", "vmcore-head.bin"));
        var ours = plan.WriteHeader();

        // /proc/vmcore keeps the loaded header's Elf64_Ehdr and only rewrites e_phnum (offset 56) after merging notes.
        ours.AsSpan(0, 56).ToArray().Should().Equal(kernel.AsSpan(0, 56).ToArray());
        ours.AsSpan(58, 6).ToArray().Should().Equal(kernel.AsSpan(58, 6).ToArray());
    }

    [Fact]
    public void Stale_header_after_memory_hot_add_misses_exactly_the_new_range()
    {
        var (_, after, stale) = PlanPair("qemu-6.1-hotplug-after-online", "stale-kernel-header");
        var (_, staleRam) = SplitKernelText(stale, after.Profile);
        var planned = after.Loads.Where(l => l.Kind == LoadKind.Ram).Select(l => (l.PhysicalAddress, l.Size)).ToList();
        var promised = staleRam.Select(p => (p.PhysicalAddress, p.MemorySize)).ToList();

        planned.Except(promised).Should().Equal((0x100000000UL, 0x20000000UL));
        promised.Except(planned).Should().BeEmpty();

        var coverage = PlanCoverage.Check(after, stale.ProgramHeaders);
        coverage.IsComplete.Should().BeFalse();
        coverage.Missing.Should().Equal(new PhysRange(0x100000000, 0x120000000));
        coverage.Unplanned.Should().BeEmpty();

        // Before the hot-add, the same boot's plan is exactly what that stale header promised.
        var before = CrashPlanner.Plan(Fixtures.Snapshot("qemu-6.1-hotplug-before"), new PlanOptions());
        before.Loads.Where(l => l.Kind == LoadKind.Ram).Select(l => (l.PhysicalAddress, l.Size)).Should().Equal(promised);
        before.Fingerprint.Should().NotBe(after.Fingerprint);
    }

    private static (HostSnapshot Snapshot, CrashPlan Plan, ElfCoreHeader Kernel) PlanPair(string host, string headerDir)
    {
        var dir = Path.Combine(Fixtures.HostPath(host), headerDir);
        var layoutFile = Path.Combine(dir, "layout");
        var layoutName = File.Exists(layoutFile) ? File.ReadAllText(layoutFile).Trim() : PlanLayoutNames.KexecFile;
        PlanLayoutNames.TryParse(layoutName, out var layout).Should().BeTrue($"{layoutFile} names a layout");
        var snapshot = Fixtures.Snapshot(host);
        var plan = CrashPlanner.Plan(snapshot, new PlanOptions { Layout = layout });
        var kernel = ElfCoreHeader.Read(File.ReadAllBytes(Path.Combine(dir, "vmcore-head.bin")), "vmcore-head.bin");
        kernel.Type.Should().Be(ElfConstants.EtCore);
        kernel.Machine.Should().Be(plan.Profile.Machine);
        return (snapshot, plan, kernel);
    }

    /// <summary>The kernel text PT_LOAD is the one mapped in the kernel text window, not the direct map.</summary>
    private static (List<ProgramHeader> Text, List<ProgramHeader> Ram) SplitKernelText(ElfCoreHeader header, ArchProfile profile)
    {
        var loads = header.ProgramHeaders.Where(p => p.IsLoad).ToList();
        if (profile.KernelTextMapBase is not { } textBase)
        {
            return ([], loads);
        }

        return (loads.Where(p => p.VirtualAddress >= textBase).ToList(), loads.Where(p => p.VirtualAddress < textBase).ToList());
    }
}
