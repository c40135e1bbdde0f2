using System.Globalization;
using Kdumpd.Core.Elf;

namespace Kdumpd.Core.Tests.Elf;

public class ElfCoreHeaderTests
{
    public static TheoryData<string> KernelHeaders()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Fixtures.HostsDirectory, "vmcore-head.bin", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(Fixtures.HostsDirectory, file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(KernelHeaders))]
    public void Reads_the_kernels_vmcore_header_as_readelf_did(string relative)
    {
        var file = Path.Combine(Fixtures.HostsDirectory, relative);
        var listing = Path.Combine(Path.GetDirectoryName(file)!, "readelf-vmcore.txt");

        var header = ElfCoreHeader.Read(File.ReadAllBytes(file), relative);

        header.Class.Should().Be(ElfClass.Elf64);
        header.Type.Should().Be(ElfConstants.EtCore);
        header.Machine.Should().Be(ElfConstants.EmX8664);
        header.ProgramHeaders.Select(p => (p.IsLoad ? "LOAD" : "NOTE", p.Offset, p.VirtualAddress, p.PhysicalAddress, p.FileSize, p.MemorySize))
            .Should().Equal(ParseReadelfListing(File.ReadAllText(listing)));
    }

    [Fact]
    public void Every_field_survives_a_write_and_read_in_both_classes()
    {
        ProgramHeader[] headers =
        [
            new(ElfConstants.PtNote, 0, 0x3fa3a400, 0, 0x3fa3a400, 368, 368, 0),
            new(ElfConstants.PtLoad, 7, 0x3ef61400, 0xc0001000, 0x1000, 0x9ec00, 0x9ec00, 0x1000),
        ];
        foreach (var elfClass in new[] { ElfClass.Elf32, ElfClass.Elf64 })
        {
            var header = new ElfCoreHeader(elfClass, ElfConstants.EtCore, ElfConstants.EmI386, [.. headers]);

            var read = ElfCoreHeader.Read(header.ToArray(), "roundtrip");

            read.Should().BeEquivalentTo(header);
            read.ProgramHeaders.Should().Equal(headers);
        }
    }

    [Fact]
    public void A_truncated_header_names_the_file_and_offset()
    {
        var bytes = File.ReadAllBytes(Path.Combine(Fixtures.HostPath("qemu-6.1-1g-ck256"), "kernel-header", "vmcore-head.bin"));

        var act = () => ElfCoreHeader.Read(bytes.AsSpan(0, 100), "vmcore-head.bin");

        act.Should().Throw<InvalidFormatException>().Where(e => e.File == "vmcore-head.bin" && e.Offset == 64 && e.What.Contains("4 program headers"));
    }

    [Theory]
    [InlineData(0, (byte)'X', 0, "magic")]
    [InlineData(4, (byte)9, 4, "class")]
    [InlineData(5, (byte)2, 5, "little-endian")]
    public void A_corrupt_identification_is_a_typed_error(int index, byte value, long offset, string problem)
    {
        var bytes = File.ReadAllBytes(Path.Combine(Fixtures.HostPath("qemu-6.1-1g-ck256"), "kernel-header", "vmcore-head.bin"));
        bytes[index] = value;

        var act = () => ElfCoreHeader.Read(bytes, "vmcore-head.bin");

        act.Should().Throw<InvalidFormatException>().Where(e => e.Offset == offset && e.What.Contains(problem));
    }

    [Fact]
    public void A_note_running_past_its_segment_is_a_typed_error()
    {
        var note = new byte[24];
        BitConverter.GetBytes(5u).CopyTo(note, 0);
        BitConverter.GetBytes(1000u).CopyTo(note, 4);
        BitConverter.GetBytes(1u).CopyTo(note, 8);

        var act = () => ElfNote.ReadAll(note, "notes", 0x1000);

        act.Should().Throw<InvalidFormatException>().Where(e => e.Offset == 0x1000);
    }

    /// <summary>readelf -l without -W: two lines per program header.</summary>
    private static List<(string, ulong, ulong, ulong, ulong, ulong)> ParseReadelfListing(string text)
    {
        var lines = text.Split('\n');
        var result = new List<(string, ulong, ulong, ulong, ulong, ulong)>();
        for (var i = 0; i < lines.Length; i++)
        {
            var t = lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (t.Length == 4 && (t[0] == "LOAD" || t[0] == "NOTE"))
            {
                var next = lines[i + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                result.Add((t[0], Hex(t[1]), Hex(t[2]), Hex(t[3]), Hex(next[0]), Hex(next[1])));
            }
        }

        return result;
    }

    private static ulong Hex(string s) => ulong.Parse(s.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
}
