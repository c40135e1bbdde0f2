using System.Text;
using Kdumpd.Core.Dumps;
using Kdumpd.Core.Dumps.Memory;
using Kdumpd.Core.Dumps.Printk;

namespace Kdumpd.Core.Tests.Dumps;

/// <summary>
/// dmesg read from the real 6.1 dumps (lockless ring, 5-level paging, KASLR) must equal, byte for
/// byte, the dmesg.txt makedumpfile --dump-dmesg wrote in the capture kernel of the same crash.
/// </summary>
public sealed class VmcoreDmesgTests
{
    [Theory]
    [InlineData("qemu-6.1-variants", "dump-lzo.kdump")]
    [InlineData("qemu-6.1-variants", "dump-zlib.kdump")]
    [InlineData("qemu-6.1-variants", "dump-lzo.flat")]
    [InlineData("qemu-6.1-sysrq", "dump.kdump")]
    public void Dmesg_from_the_vmcore_equals_makedumpfile_dump_dmesg(string variant, string file)
    {
        var expected = File.ReadAllText(DumpFixtures.File(variant, "dmesg.txt"), Encoding.Latin1);

        var result = VmcoreDmesg.Extract(DumpFixtures.File(variant, file));

        result.Problem.Should().BeNull();
        result.Layout.Should().Be(PrintkLayout.Lockless);
        result.Text.Should().Be(expected);
    }

    [Fact]
    public void Dmesg_from_an_elf_vmcore_equals_makedumpfile_dump_dmesg()
    {
        var path = Path.Join(Path.GetTempPath(), $"kdumpd-elf-{Guid.NewGuid():N}.vmcore");
        try
        {
            ElfFromKdump.Build(DumpFixtures.File("qemu-6.1-variants", "vmcore-elf-prefix.bin"), DumpFixtures.File("qemu-6.1-variants", "dump-lzo.kdump"), path);
            var expected = File.ReadAllText(DumpFixtures.File("qemu-6.1-variants", "dmesg.txt"), Encoding.Latin1);

            var result = VmcoreDmesg.Extract(path);

            result.Problem.Should().BeNull();
            result.Text.Should().Be(expected);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Dmesg_touches_only_the_pages_of_the_printk_ring()
    {
        var result = VmcoreDmesg.Extract(DumpFixtures.File("qemu-6.1-sysrq", "dump.kdump"));

        // 1 GiB guest = 262144 pages; the ring (descs, infos, text) and its page tables are a few hundred.
        result.PagesRead.Should().BeInRange(1, 1000);
    }

    [Fact]
    public void Page_table_walk_agrees_with_the_linear_kernel_image_mapping()
    {
        using var source = FileDumpSource.Open(DumpFixtures.File("qemu-6.1-sysrq", "dump.kdump"));
        var header = DumpProbe.Probe(source);
        var info = header.Kdump!.VmcoreInfo!;
        var pages = new PageCache(new KdumpPhysicalMemory(source, header.Kdump));
        var translator = (X8664Translator)AddressTranslators.Create(info, "x86_64", header.Kdump.SubHeader!.PhysBase, pages);

        translator.Levels.Should().Be(5, "the fixture's VMCOREINFO has NUMBER(pgtable_l5_enabled)=1");
        foreach (var symbol in new[] { "prb", "init_uts_ns", "_stext", "node_online_map" })
        {
            var va = info.Symbol(symbol)!.Value;
            translator.TryTranslate(va, out var linear).Should().BeTrue();
            translator.TryWalk(va, out var walked).Should().BeTrue(symbol);
            walked.Should().Be(linear, symbol);
        }
    }

    [Fact]
    public void A_vmcoreinfo_without_printk_symbols_gives_a_reason_not_an_exception()
    {
        var prefix = File.ReadAllBytes(DumpFixtures.File("qemu-6.1-sysrq", "vmcore-elf-prefix.bin"));
        var text = Encoding.Latin1.GetString(prefix).Replace("SYMBOL(prb)=", "SYMBOL(xxx)=", StringComparison.Ordinal);

        var result = VmcoreDmesg.Extract(new MemoryDumpSource("cut.vmcore", Encoding.Latin1.GetBytes(text)));

        result.Text.Should().BeNull();
        result.Problem.Should().Contain("printk buffer cannot be found");
    }

    [Fact]
    public void A_truncated_dump_gives_a_reason_naming_what_is_missing()
    {
        // The ELF prefix has the headers and VMCOREINFO but none of the memory.
        var result = VmcoreDmesg.Extract(DumpFixtures.File("qemu-6.1-sysrq", "vmcore-elf-prefix.bin"));

        result.Text.Should().BeNull();
        result.Problem.Should().Contain("not in the dump");
    }

    [Fact]
    public void Every_cut_of_a_real_kdump_file_gives_text_or_a_reason()
    {
        var whole = File.ReadAllBytes(DumpFixtures.File("qemu-6.1-sysrq", "dump.kdump"));
        foreach (var length in new[] { 0, 100, 4096, 8192, 70_000, whole.Length / 3, whole.Length / 2, whole.Length - 10 })
        {
            var result = VmcoreDmesg.Extract(new MemoryDumpSource("cut.kdump", whole.AsMemory(0, length)));

            (result.Text is not null || result.Problem is not null).Should().BeTrue($"cut at {length}");
        }
    }

    [Fact]
    public void Corrupt_pages_in_a_real_kdump_file_give_a_reason_never_an_exception()
    {
        var bytes = File.ReadAllBytes(DumpFixtures.File("qemu-6.1-sysrq", "dump.kdump"));
        var random = new Random(13);
        for (var round = 0; round < 20; round++)
        {
            var copy = (byte[])bytes.Clone();
            for (var i = 0; i < 2000; i++)
            {
                copy[random.Next(64 * 1024, copy.Length)] ^= (byte)random.Next(1, 256);
            }

            var result = VmcoreDmesg.Extract(new MemoryDumpSource("noisy.kdump", copy));

            (result.Text is not null || result.Problem is not null).Should().BeTrue();
        }
    }
}
