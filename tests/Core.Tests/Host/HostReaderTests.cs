using Kdumpd.Core.Host;

namespace Kdumpd.Core.Tests.Host;

public class HostReaderTests
{
    [Fact]
    public void Reads_the_1g_crashkernel_256m_host()
    {
        var host = Fixtures.Snapshot("qemu-6.1-1g-ck256");

        host.CrashReservations.Should().ContainSingle().Which.Should().Match<IomemResource>(r => r.Start == 0x2f000000 && r.End == 0x3effffff);
        host.Iomem.SystemRam().Select(r => (r.Start, r.End)).Should().Equal((0x1000UL, 0x9fbffUL), (0x100000UL, 0x3ffdffffUL));
        host.Iomem.Named("Kernel code").Should().ContainSingle().Which.Depth.Should().Be(1);
        host.Iomem.All.Should().Contain(r => r.Name == "PCI Bus 0000:00" && r.Start == 0x100000000 && r.End == 0x17fffffff);
        host.Cpus.Possible.Should().Equal(0, 1);
        host.Cpus.CrashNotes.Should().HaveCount(2);
        host.Cpus.CrashNotes[0].Should().Be(new CpuCrashNotes(0, 0x3fa3a400, 368));
        host.VmcoreInfo.Should().Be(new VmcoreInfoLocation(0x11e6000, 0x1024));
        host.Kexec.ReservationBytes.Should().Be(268435456);
        host.Kexec.Loaded.Should().BeFalse();
        host.Kexec.KexecLoadDisabled.Should().BeFalse();
        host.KernelRelease.Should().Be("6.1.0-56-amd64");
        host.CommandLine.Should().Be("console=ttyS0 crashkernel=256M panic=1");
        host.Memory!.BlockSizeBytes.Should().Be(0x8000000);
        host.Memory.Blocks.Should().HaveCount(8).And.OnlyContain(b => b.IsOnline);
        host.Memory.AutoOnlineBlocks.Should().Be("offline");
        host.Kcore.Should().BeNull("the fixture trees carry no /proc/kcore");
    }

    [Fact]
    public void Reads_a_hot_added_cpu_and_a_host_without_kexec()
    {
        var cpuhp = Fixtures.Snapshot("qemu-6.1-cpuhp-after-online");
        cpuhp.Cpus.Possible.Should().Equal(0, 1, 2, 3);
        cpuhp.Cpus.Present.Should().Equal(0, 1, 2);
        cpuhp.Cpus.CrashNotes.Select(n => n.Cpu).Should().Equal(0, 1, 2);

        var firecracker = Fixtures.Snapshot("firecracker-6.18-24g-nokexec");
        firecracker.CrashReservations.Should().BeEmpty();
        firecracker.Iomem.SystemRam().Should().HaveCount(3);
    }

    [Fact]
    public void Memory_hot_add_shows_as_a_new_ram_range_and_new_blocks()
    {
        var before = Fixtures.Snapshot("qemu-6.1-hotplug-before");
        var after = Fixtures.Snapshot("qemu-6.1-hotplug-after-online");

        after.Iomem.SystemRam().Select(r => (r.Start, r.End)).Except(before.Iomem.SystemRam().Select(r => (r.Start, r.End))).Should().Equal((0x100000000UL, 0x11fffffffUL));
        after.Memory!.Blocks.Length.Should().BeGreaterThan(before.Memory!.Blocks.Length);
    }

    [Fact]
    public void A_malformed_iomem_line_names_the_file_and_the_line()
    {
        using var scratch = new ScratchHost("qemu-6.1-1g-ck256");
        var lines = File.ReadAllLines(Path.Join(scratch.Root, "/proc/iomem"));
        lines[4] = "000c0000-zzzz : Video ROM";
        scratch.Write("/proc/iomem", string.Join('\n', lines) + "\n");

        var act = () => HostReader.Read(scratch.HostRoot);

        var e = act.Should().Throw<HostFileException>().Which;
        e.Line.Should().Be(5);
        e.HostPath.Should().Be("/proc/iomem");
        e.Message.Should().Contain("proc/iomem:5").And.Contain("zzzz");
    }

    [Fact]
    public void All_zero_iomem_addresses_say_run_as_root()
    {
        // What an unprivileged reader sees.
        var zeroed = "00000000-00000000 : Reserved\n00000000-00000000 : System RAM\n  00000000-00000000 : Kernel code\n  00000000-00000000 : Crash kernel\n";

        var act = () => IomemTree.Parse(zeroed);

        act.Should().Throw<HostPrivilegeException>().WithMessage("*run as root*");
    }

    [Theory]
    [InlineData("00000000-0009ffff : System RAM\n00090000-000fffff : Reserved\n", 2, "overlaps")]
    [InlineData("00100000-3ffdffff : System RAM\n  2f000000-4effffff : Crash kernel\n", 2, "outside its parent")]
    [InlineData("00100000-3ffdffff : System RAM\n    2f000000-3effffff : Crash kernel\n", 2, "indentation")]
    [InlineData("3ffdffff-00100000 : System RAM\n", 1, "ends before it starts")]
    [InlineData("00100000 3ffdffff System RAM\n", 1, "expected 'start-end : name'")]
    public void Inconsistent_iomem_is_a_typed_error_with_the_line(string iomem, int line, string problem)
    {
        var act = () => IomemTree.Parse(iomem, "host/proc/iomem");

        act.Should().Throw<HostFileException>().Where(e => e.Line == line && e.Problem.Contains(problem));
    }

    [Fact]
    public void Iomem_names_keep_spaces_and_colons()
    {
        var tree = IomemTree.Parse("40000000-febfffff : PCI Bus 0000:00\n  fe000000-fe003fff : 0000:00:03.0\n100000000-47fffffff : System RAM\n");

        tree.Roots[0].Name.Should().Be("PCI Bus 0000:00");
        tree.Roots[0].Children[0].Name.Should().Be("0000:00:03.0");
        tree.Roots[1].End.Should().Be(0x47fffffff);
    }

    [Theory]
    [InlineData("0-3,8-11", new[] { 0, 1, 2, 3, 8, 9, 10, 11 })]
    [InlineData("0", new[] { 0 })]
    [InlineData("", new int[0])]
    [InlineData("\n", new int[0])]
    [InlineData("0-1,3\n", new[] { 0, 1, 3 })]
    public void Cpu_lists_parse(string text, int[] expected) =>
        CpuList.Parse(text, "/sys/devices/system/cpu/possible", "x").Should().Equal(expected);

    [Theory]
    [InlineData("0-")]
    [InlineData("3-1")]
    [InlineData("a")]
    [InlineData("0-99999999")]
    public void Malformed_cpu_lists_are_typed_errors_naming_the_file(string text)
    {
        var act = () => CpuList.Parse(text, "/sys/devices/system/cpu/possible", "/host/sys/devices/system/cpu/possible");

        act.Should().Throw<HostFileException>().Where(e => e.HostPath == "/sys/devices/system/cpu/possible" && e.Message.Contains("/host/sys/devices/system/cpu/possible"));
    }

    [Theory]
    [InlineData("/proc/iomem")]
    [InlineData("/sys/devices/system/cpu/possible")]
    [InlineData("/sys/devices/system/cpu/online")]
    public void A_missing_required_file_is_a_typed_error_naming_it(string hostPath)
    {
        using var scratch = new ScratchHost("qemu-6.1-1g-ck256");
        scratch.Delete(hostPath);

        var act = () => HostReader.Read(scratch.HostRoot);

        act.Should().Throw<HostFileException>().Where(e => e.HostPath == hostPath && e.Problem == "file is missing");
    }

    [Fact]
    public void Missing_optional_files_are_absent_values()
    {
        using var scratch = new ScratchHost("qemu-6.1-1g-ck256");
        scratch.Delete("/sys/kernel/vmcoreinfo");
        scratch.Delete("/sys/kernel/kexec_crash_size");
        scratch.Delete("/sys/devices/system/cpu/cpu1/crash_notes");
        Directory.Delete(Path.Join(scratch.Root, "/sys/devices/system/memory"), recursive: true);

        var host = HostReader.Read(scratch.HostRoot);

        host.VmcoreInfo.Should().BeNull();
        host.Kexec.ReservationBytes.Should().BeNull();
        host.Memory.Should().BeNull();
        host.Cpus.CrashNotes.Select(n => n.Cpu).Should().Equal(0);
    }

    [Fact]
    public void A_malformed_sysfs_value_names_its_file()
    {
        using var scratch = new ScratchHost("qemu-6.1-1g-ck256");
        scratch.Write("/sys/devices/system/cpu/cpu0/crash_notes", "not-hex\n");

        var act = () => HostReader.Read(scratch.HostRoot);

        act.Should().Throw<HostFileException>().Where(e => e.HostPath == "/sys/devices/system/cpu/cpu0/crash_notes");
    }

    [Fact]
    public void Kernel_release_falls_back_to_osrelease()
    {
        using var scratch = new ScratchHost("qemu-6.1-1g-ck256");
        scratch.Delete("/uname-r");
        scratch.Write("/proc/sys/kernel/osrelease", "6.12.0-1-arm64\n");

        HostReader.Read(scratch.HostRoot).KernelRelease.Should().Be("6.12.0-1-arm64");
    }
}
