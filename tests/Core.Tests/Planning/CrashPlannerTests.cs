using System.Buffers.Binary;
using Kdumpd.Core.Elf;
using Kdumpd.Core.Host;
using Kdumpd.Core.Planning;

namespace Kdumpd.Core.Tests.Planning;

public class CrashPlannerTests
{
    private static readonly PlanOptions _kexecTools = new() { Layout = PlanLayout.KexecTools };

    /// <summary>The kernel text load of <see cref="KaslrHostWithKcore"/>: its kcore's KCORE_TEXT entry.</summary>
    private static readonly PlannedLoad _kaslrText = new(LoadKind.KernelText, 0xc800000, 0x3430000, 0xc800000, 0xffffffffa0400000);

    [Fact]
    public void Plan_excludes_crash_reservation_from_loads()
    {
        var plan = CrashPlanner.Plan(Fixtures.Snapshot("qemu-6.1-1g-ck256"), new PlanOptions());

        plan.Reservations.Should().Equal(new PhysRange(0x2f000000, 0x3f000000));
        plan.Loads.Select(l => (l.PhysicalAddress, l.Size)).Should().Equal((0x100000UL, 0x2ef00000UL), (0x3f000000UL, 0xfe0000UL));
        plan.Notes.Should().HaveCount(3);
        plan.Notes[^1].Should().Be(new PlannedNote(NoteKind.VmcoreInfo, null, 0x11e6000, 0x1024));
        plan.Header.Address.Should().Be(0x2f000000);
        plan.Header.Size.Should().Be(64 + (5 * 56));
        plan.Backup.Should().BeNull();
        plan.Budget.Fits.Should().BeTrue();
        plan.Findings.Should().Contain(f => f.Code == "kernel-text-unknown").And.NotContain(f => f.Severity == FindingSeverity.Error);
    }

    [Fact]
    public void Kexec_tools_keeps_low_memory_and_backs_it_up_into_the_top_of_the_reservation()
    {
        var plan = CrashPlanner.Plan(Fixtures.Snapshot("qemu-6.1-1g-ck256"), _kexecTools);

        // get_backup_area: the first RAM range below 640 KiB is the source; 1 KiB aligned at the top of crashk_res.
        plan.Backup.Should().Be(new BackupRegion(new PhysRange(0x1000, 0x9fc00), 0x3f000000 - 0x9ec00, 0x9ec00));
        plan.Loads[0].Should().Be(new PlannedLoad(LoadKind.BackedUpRam, 0x1000, 0x9ec00, 0x3f000000 - 0x9ec00, 0xffff888000001000));
        plan.Loads.Skip(1).Select(l => (l.PhysicalAddress, l.Size)).Should().Equal((0x100000UL, 0x2ef00000UL), (0x3f000000UL, 0xfe0000UL));

        // The header goes right below the backup, at least 16 KiB.
        plan.Header.MemorySize.Should().Be(16 * 1024);
        plan.Header.Address.Should().Be(0x3f000000 - 0x9ec00 - (16 * 1024));
    }

    [Fact]
    public void Low_and_high_reservations_are_both_excluded()
    {
        var host = SyntheticHost.Build([(0x100000, 0x80000000), (0x100000000, 0x480000000)], [(0x70000000, 0x78000000), (0x400000000, 0x410000000)], 4);

        var plan = CrashPlanner.Plan(host, new PlanOptions());

        plan.Reservations.Should().HaveCount(2);
        plan.Loads.Select(l => l.Range).Should().Equal(
            new PhysRange(0x100000, 0x70000000),
            new PhysRange(0x78000000, 0x80000000),
            new PhysRange(0x100000000, 0x400000000),
            new PhysRange(0x410000000, 0x480000000));
        plan.Header.Address.Should().Be(0x400000000, "the header goes into the high reservation (crashk_res)");
        plan.Budget.Reserved.Should().Be((128UL << 20) + (256UL << 20));
    }

    [Fact]
    public void No_reservation_is_a_finding_with_the_fix()
    {
        var plan = CrashPlanner.Plan(Fixtures.Snapshot("firecracker-6.18-24g-nokexec"), new PlanOptions());

        plan.Findings.Should().Contain(f => f.Code == "no-crash-reservation" && f.Severity == FindingSeverity.Error && f.Message.Contains("crashkernel="));
        plan.Header.IsPlaced.Should().BeFalse();
        plan.Loads.Select(l => l.Range).Should().Equal(new PhysRange(0x100000, 0xc0000000), new PhysRange(0x100000000, 0x640000000));
    }

    [Fact]
    public void A_reservation_too_small_for_kernel_initrd_and_working_memory_says_how_much_to_reserve()
    {
        var options = new PlanOptions
        {
            CaptureKernel = new CaptureImageIdentity("/boot/vmlinuz", 8UL << 20, 40UL << 20, new string('a', 64)),
            CaptureInitrd = new CaptureImageIdentity("/boot/initrd.img", 205UL << 20, 205UL << 20, new string('b', 64)),
        };

        var plan = CrashPlanner.Plan(Fixtures.Snapshot("qemu-6.1-1g-ck256"), options);

        plan.Budget.Shortfall.Should().Be(plan.Budget.Needed - (256UL << 20));
        plan.Findings.Should().ContainSingle(f => f.Code == "reservation-too-small").Which.Message.Should()
            .Be("crashkernel reserves 256 MiB, 259 MiB needed (kernel 40 MiB + initrd 205 MiB + header 4 KiB + backup 0 B + working memory 14 MiB): raise crashkernel= to 384M and reboot");
        plan.Findings.Should().NotContain(f => f.Code == "budget-without-capture-kernel");
    }

    [Fact]
    public void A_reservation_too_small_for_the_header_leaves_it_unplaced_with_a_finding()
    {
        var host = SyntheticHost.Build([(0x100000, 0x40000000)], [(0x2f000000, 0x2f001000)], 2);

        var plan = CrashPlanner.Plan(host, _kexecTools);

        plan.Header.IsPlaced.Should().BeFalse();
        plan.Findings.Should().Contain(f => f.Code == "backup-does-not-fit").And.Contain(f => f.Code == "header-does-not-fit");
        plan.Loads.Should().NotContain(l => l.Range.Overlaps(new PhysRange(0x2f000000, 0x2f001000)));
    }

    [Fact]
    public void Ppc64_backs_up_the_first_64k_as_its_own_load()
    {
        var host = SyntheticHost.Build([(0, 0x40000000)], [(0x20000000, 0x30000000)], 2, release: "6.1.0-26-powerpc64le");

        var plan = CrashPlanner.Plan(host, new PlanOptions());

        plan.Profile.Should().Be(ArchProfile.Ppc64);
        plan.Backup!.Source.Should().Be(new PhysRange(0, 0x10000));
        plan.Backup.Destination.Should().Be(0x30000000 - 0x10000);
        plan.Loads.Select(l => (l.Kind, l.Range, l.Offset)).Should().Equal(
            (LoadKind.BackedUpRam, new PhysRange(0, 0x10000), 0x30000000UL - 0x10000),
            (LoadKind.Ram, new PhysRange(0x10000, 0x20000000), 0x10000UL),
            (LoadKind.Ram, new PhysRange(0x30000000, 0x40000000), 0x30000000UL));
        plan.Loads.Should().NotContain(l => l.Kind == LoadKind.KernelText);
    }

    [Fact]
    public void The_historical_x86_64_profile_backs_up_low_memory_in_the_kernels_layout_too()
    {
        var options = new PlanOptions { Profile = ArchProfile.X8664LowMemBackup };

        var plan = CrashPlanner.Plan(Fixtures.Snapshot("qemu-6.1-1g-ck256"), options);

        plan.Loads[0].Kind.Should().Be(LoadKind.BackedUpRam);
        plan.Loads[0].Range.Should().Be(new PhysRange(0x1000, 0x9fc00));
        plan.Header.Address.Should().Be(0x2f000000);
    }

    [Fact]
    public void Possible_but_absent_cpus_are_a_finding_in_the_kernels_layout_only()
    {
        var host = Fixtures.Snapshot("qemu-6.1-cpuhp-before");

        var kexecFile = CrashPlanner.Plan(host, new PlanOptions());
        var kexecTools = CrashPlanner.Plan(host, _kexecTools);

        kexecFile.Findings.Should().ContainSingle(f => f.Code == "cpu-notes-not-visible").Which.Message.Should().Contain("CPUs 2-3");
        kexecTools.Findings.Should().NotContain(f => f.Code == "cpu-notes-not-visible");
        kexecFile.Notes.Count(n => n.Kind == NoteKind.CpuCrashNotes).Should().Be(2);
    }

    [Fact]
    public void A_hot_added_cpu_changes_the_fingerprint_and_adds_a_note()
    {
        var before = CrashPlanner.Plan(Fixtures.Snapshot("qemu-6.1-cpuhp-before"), new PlanOptions());
        var after = CrashPlanner.Plan(Fixtures.Snapshot("qemu-6.1-cpuhp-after-online"), new PlanOptions());

        after.Notes.Length.Should().Be(before.Notes.Length + 1);
        after.Fingerprint.Should().NotBe(before.Fingerprint);
    }

    [Fact]
    public void With_kcore_and_kallsyms_the_kernel_text_load_and_direct_map_come_from_the_running_kernel()
    {
        using var scratch = KaslrHostWithKcore();
        scratch.Write("/proc/kallsyms", "ffffffffa0400000 T _text\nffffffffa0400000 T _stext\nffffffffa3830000 B _end\n");
        var host = HostReader.Read(scratch.HostRoot);
        var kernel = ElfCoreHeader.Read(File.ReadAllBytes(Path.Combine(Fixtures.HostPath("qemu-6.1-1g-ck256"), "kernel-header", "vmcore-head.bin")), "vmcore-head.bin");

        var plan = CrashPlanner.Plan(host, new PlanOptions());

        // Now every PT_LOAD equals the real kernel's, virtual addresses included.
        plan.Findings.Should().NotContain(f => f.Code == "kernel-text-unknown" || f.Code == "direct-map-base-assumed");
        plan.Loads.Select(l => (l.PhysicalAddress, l.VirtualAddress, l.Size))
            .Should().Equal(kernel.ProgramHeaders.Where(p => p.IsLoad).Select(p => (p.PhysicalAddress, p.VirtualAddress, p.MemorySize)));

        var tools = CrashPlanner.Plan(host, _kexecTools);
        tools.Loads[0].Should().Be(_kaslrText);
        tools.Loads[1].VirtualAddress.Should().Be(0xff156fa300001000);
    }

    [Fact]
    public void Without_kallsyms_the_kernel_text_is_the_kcore_segment_with_a_physical_address_in_the_text_window()
    {
        using var scratch = KaslrHostWithKcore();

        var plan = CrashPlanner.Plan(HostReader.Read(scratch.HostRoot), new PlanOptions());

        plan.Loads[0].Should().Be(_kaslrText);

        // kexec-tools only looks 512 MiB above __START_KERNEL_map without _stext: a KASLR'd text at +0x20400000 is out of reach.
        CrashPlanner.Plan(HostReader.Read(scratch.HostRoot), _kexecTools).Findings.Should().Contain(f => f.Code == "kernel-text-unknown");
    }

    [Fact]
    public void A_masked_kcore_is_absent_and_a_broken_one_is_an_error()
    {
        using var scratch = new ScratchHost("qemu-6.1-1g-ck256");
        scratch.Write("/proc/kcore", string.Empty);
        HostReader.Read(scratch.HostRoot).Kcore.Should().BeNull("containers bind /dev/null over /proc/kcore");

        var broken = new byte[64];
        "\u007fELF"u8.CopyTo(broken);
        broken[4] = 2;
        broken[5] = 1;
        broken[56] = 200;
        broken[54] = 56;
        broken[32] = 64;
        File.WriteAllBytes(Path.Join(scratch.Root, "/proc/kcore"), broken);
        var act = () => HostReader.Read(scratch.HostRoot);
        act.Should().Throw<HostFileException>().Where(e => e.HostPath == "/proc/kcore" && e.Message.Contains("program headers"));
    }

    [Fact]
    public void With_kcore_kallsyms_is_read_only_as_far_as_the_text_anchor_and_without_it_through_end()
    {
        using var scratch = KaslrHostWithKcore();

        // A broken line after the anchors: reached only by a reader that goes on to _end.
        scratch.Write("/proc/kallsyms", "0000000000000000 A fixed_percpu_data\nffffffffa0400000 T _text\nffffffffa0400000 T _stext\nnot-hex T _end\n");
        var host = HostReader.Read(scratch.HostRoot);

        host.Symbols.Should().Be(new KernelSymbols(0xffffffffa0400000, null, 0xffffffffa0400000));
        CrashPlanner.Plan(host, new PlanOptions()).Loads[0].Should().Be(_kaslrText);

        scratch.Delete("/proc/kcore");
        var act = () => HostReader.Read(scratch.HostRoot);
        act.Should().Throw<HostFileException>().Where(e => e.HostPath == "/proc/kallsyms" && e.Message.Contains("not-hex"), "without kcore _end gives the text's size");
    }

    [Fact]
    public void Unprivileged_kallsyms_zeros_are_ignored()
    {
        using var scratch = new ScratchHost("qemu-6.1-1g-ck256");
        scratch.Write("/proc/kallsyms", "0000000000000000 T _text\n0000000000000000 T _stext\n0000000000000000 B _end\n");

        HostReader.Read(scratch.HostRoot).Symbols.Should().BeNull();
    }

    [Fact]
    public void Onlining_hot_added_blocks_does_not_change_the_plan()
    {
        var added = CrashPlanner.Plan(Fixtures.Snapshot("qemu-6.1-hotplug-after"), new PlanOptions());
        var online = CrashPlanner.Plan(Fixtures.Snapshot("qemu-6.1-hotplug-after-online"), new PlanOptions());

        added.Findings.Should().Contain(f => f.Code == "offline-memory-blocks" && f.Message.StartsWith("4 memory block(s) of 128M"));
        online.Findings.Should().NotContain(f => f.Code == "offline-memory-blocks");
        online.Fingerprint.Should().Be(added.Fingerprint, "the kernel's header depends on /proc/iomem, not on block state");
        online.WriteHeader().Should().Equal(added.WriteHeader());
    }

    [Fact]
    public void Kexec_switches_that_block_loading_are_findings()
    {
        using var scratch = new ScratchHost("qemu-6.1-1g-ck256");
        scratch.Write("/proc/sys/kernel/kexec_load_disabled", "1\n");

        var plan = CrashPlanner.Plan(HostReader.Read(scratch.HostRoot), new PlanOptions());

        plan.Findings.Should().Contain(f => f.Code == "kexec-load-disabled" && f.Severity == FindingSeverity.Error);
    }

    [Fact]
    public void Plan_carries_the_capture_command_line_the_loader_builds()
    {
        var host = Fixtures.Snapshot("qemu-6.1-1g-ck256");

        var plan = CrashPlanner.Plan(host, new PlanOptions());

        plan.CaptureCommandLine.Should().Be(Core.Planning.CaptureCommandLine.Build(host.CommandLine!, new CaptureCommandLineOptions()));
        plan.CaptureCommandLine.Should().Contain("acpi_no_memhotplug").And.Contain("kdumpd.capture=1").And.NotContain("crashkernel=");
    }

    [Fact]
    public void Bzimage_init_size_is_the_kernels_memory_footprint()
    {
        var image = new byte[0x1000];
        "HdrS"u8.CopyTo(image.AsSpan(0x202));
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(0x206), 0x020f);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(0x260), 0x2a00000);

        CaptureImageIdentity.ReadInitSize(image).Should().Be(0x2a00000UL);
        CaptureImageIdentity.FromBytes("vmlinuz", image).MemorySize.Should().Be(0x2a00000UL);
        CaptureImageIdentity.ReadInitSize(new byte[0x1000]).Should().BeNull("not a bzImage");
    }

    /// <summary>The 1 GiB QEMU host with a kcore as KASLR lays it out: direct map and text both randomized.</summary>
    private static ScratchHost KaslrHostWithKcore()
    {
        var scratch = new ScratchHost("qemu-6.1-1g-ck256");
        WriteKcore(scratch, directMap: 0xff156fa300000000, textVaddr: _kaslrText.VirtualAddress, textPaddr: _kaslrText.PhysicalAddress, textSize: _kaslrText.Size);
        return scratch;
    }

    private static void WriteKcore(ScratchHost scratch, ulong directMap, ulong textVaddr, ulong textPaddr, ulong textSize)
    {
        ProgramHeader Load(ulong vaddr, ulong paddr, ulong size) => new(ElfConstants.PtLoad, 7, 0x1000, vaddr, paddr, size, size, 0x1000);
        var header = new ElfCoreHeader(ElfClass.Elf64, ElfConstants.EtCore, ElfConstants.EmX8664,
        [
            new ProgramHeader(ElfConstants.PtNote, 0, 0x200, 0, 0, 0x100, 0, 0),
            Load(textVaddr, textPaddr, textSize),
            Load(0xffffffffc0000000, ulong.MaxValue, 0x3f000000),
            Load(directMap + 0x1000, 0x1000, 0x9f000),
            Load(directMap + 0x100000, 0x100000, 0x3fee0000),
            Load(0xffffc90000000000, ulong.MaxValue, 0x200000000000),
        ]);
        var bytes = header.ToArray();

        // A real kcore is huge; the reader must stop at its 64 KiB bound.
        var file = new byte[HostReader.KcoreHeaderBytes * 2];
        bytes.CopyTo(file, 0);
        Directory.CreateDirectory(Path.Join(scratch.Root, "/proc"));
        File.WriteAllBytes(Path.Join(scratch.Root, "/proc/kcore"), file);
    }
}
