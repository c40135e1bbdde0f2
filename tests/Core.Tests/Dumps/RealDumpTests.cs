using Kdumpd.Core.Dumps;
using Kdumpd.Core.Triage;

namespace Kdumpd.Core.Tests.Dumps;

/// <summary>
/// The real dumps of a Debian 6.1.0-56-amd64 guest (2 vCPUs, sysrq-c) read by each reader; the
/// expected values come from the fixture's readelf/makedumpfile logs and dmesg.
/// </summary>
public sealed class RealDumpTests
{
    // readelf-notes-vmcore.txt: CRASHTIME=1795550286 in the VMCOREINFO of qemu-6.1-variants.
    private static readonly DateTimeOffset _variantsCrash = DateTimeOffset.FromUnixTimeSeconds(1795550286);

    [Theory]
    [InlineData("qemu-6.1-variants", "dump-lzo.kdump", "KdumpCompressed", "Lzo")]
    [InlineData("qemu-6.1-variants", "dump-zlib.kdump", "KdumpCompressed", "Zlib")]
    [InlineData("qemu-6.1-variants", "dump-lzo.flat", "FlattenedKdump", "Lzo")]
    [InlineData("qemu-6.1-sysrq", "dump.kdump", "KdumpCompressed", "Lzo")]
    public void Kdump_compressed_and_flattened_dumps_give_release_time_cpus_and_compression(string variant, string file, string format, string compression)
    {
        using var source = FileDumpSource.Open(DumpFixtures.File(variant, file));

        var info = DumpProbe.Probe(source);

        info.Format.ToString().Should().Be(format);
        info.Compression.ToString().Should().Be(compression);
        info.KernelRelease.Should().Be("6.1.0-56-amd64");
        info.CpuCount.Should().Be(2);
        info.DumpLevel.Should().Be(31);
        info.PageSize.Should().Be(4096);
        info.Incomplete.Should().BeFalse(info.IncompleteReason);
        info.BuildId.Should().Be("eb4fbcd037e7253717950bf2b93bd5566f47c56f");
        info.Kdump!.HeaderVersion.Should().Be(6);
        info.Kdump.Utsname.Machine.Should().Be("x86_64");
        info.Kdump.Notes!.PrStatusCount.Should().Be(2);
        info.Kdump.MaxMapnr.Should().Be(0x3ffe0, "1 GiB guest: PFNs up to the last PT_LOAD end 0x3ffe0000");
        if (variant == "qemu-6.1-variants")
        {
            info.CrashTime.Should().Be(_variantsCrash);
        }
        else
        {
            info.CrashTime.Should().Be(info.Kdump.Timestamp, "the header timestamp is CRASHTIME");
        }
    }

    [Fact]
    public void Header_reading_of_a_kdump_file_reads_a_bounded_number_of_bytes()
    {
        using var source = FileDumpSource.Open(DumpFixtures.File("qemu-6.1-variants", "dump-lzo.kdump"));

        DumpProbe.Probe(source);

        source.BytesRead.Should().BeLessThan(128 * 1024, "headers, notes and one bitmap, not the 25 MB of pages");
    }

    [Theory]
    [InlineData("qemu-6.1-variants")]
    [InlineData("qemu-6.1-sysrq")]
    public void Elf_vmcore_prefix_gives_loads_notes_and_vmcoreinfo_as_readelf_shows(string variant)
    {
        using var source = FileDumpSource.Open(DumpFixtures.File(variant, "vmcore-elf-prefix.bin"));

        var elf = ElfVmcoreReader.Read(source);

        // readelf-vmcore.txt: 1 NOTE + 3 LOADs, flags 0x0, ELF64 little endian, x86-64.
        elf.Is64Bit.Should().BeTrue();
        elf.BigEndian.Should().BeFalse();
        elf.Machine.Should().Be(62);
        elf.IncompleteFlagSet.Should().BeFalse();
        elf.Loads.Select(l => (l.FileOffset, l.VirtualAddress, l.PhysicalAddress, l.FileSize, l.MemorySize))
            .Should().Equal(ReadelfLoads(DumpFixtures.File(variant, "readelf-vmcore.txt")));
        elf.Notes.PrStatusCount.Should().Be(2);
        elf.Notes.VmcoreInfo!.OsRelease.Should().Be("6.1.0-56-amd64");
        elf.Notes.VmcoreInfo.PageSize.Should().Be(4096);
        elf.Truncated.Should().BeTrue("the fixture holds the first 8 KiB only");
        if (variant == "qemu-6.1-variants")
        {
            elf.Notes.VmcoreInfo.CrashTime.Should().Be(_variantsCrash);
            elf.Notes.VmcoreInfo.KernelOffset.Should().Be(0x1f400000, "readelf-notes-vmcore.txt: KERNELOFFSET=1f400000");
        }
    }

    [Theory]
    [InlineData("qemu-6.1-variants")]
    [InlineData("qemu-6.1-sysrq")]
    public void Dmesg_gives_the_panic_line_and_its_call_trace(string variant)
    {
        var report = DmesgAnalyzer.AnalyzeFile(DumpFixtures.File(variant, "dmesg.txt"));

        report.PanicLine.Should().Be("Kernel panic - not syncing: sysrq triggered crash");
        report.CallTrace.Should().StartWith(["dump_stack_lvl+0x44/0x5c", "panic+0x118/0x2f4", "? _printk+0x68/0x83", "sysrq_handle_crash+0x16/0x20"]);
        report.CallTrace[^1].Should().Be("entry_SYSCALL_64_after_hwframe+0x6e/0xd8");
    }

    [Fact]
    public void Flattened_view_reads_the_same_header_bytes_as_the_rearranged_file()
    {
        using var flat = FileDumpSource.Open(DumpFixtures.File("qemu-6.1-variants", "dump-lzo.flat"));
        using var plain = FileDumpSource.Open(DumpFixtures.File("qemu-6.1-variants", "dump-lzo.kdump"));

        var view = FlattenedView.Open(flat);

        view.HasEndMarker.Should().BeTrue();
        view.RecordCount.Should().Be(800);
        view.Length.Should().Be(plain.Length, "makedumpfile -R of this file gives dump-lzo.kdump's size");
        var a = new byte[64 * 1024];
        var b = new byte[64 * 1024];
        view.ReadAtMost(0, a);
        plain.ReadAtMost(0, b);
        a.Should().Equal(b);
    }

    /// <summary>The LOAD lines of `readelf -l` (two lines each: offset vaddr paddr / filesz memsz).</summary>
    private static List<(ulong, ulong, ulong, ulong, ulong)> ReadelfLoads(string path)
    {
        var lines = System.IO.File.ReadAllLines(path);
        var loads = new List<(ulong, ulong, ulong, ulong, ulong)>();
        static ulong Hex(string s) => Convert.ToUInt64(s, 16);
        for (var i = 0; i < lines.Length - 1; i++)
        {
            var a = lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (a.Length == 4 && a[0] == "LOAD")
            {
                var b = lines[i + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                loads.Add((Hex(a[1]), Hex(a[2]), Hex(a[3]), Hex(b[0]), Hex(b[1])));
            }
        }

        loads.Should().NotBeEmpty();
        return loads;
    }
}
